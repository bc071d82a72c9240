package xiaoe

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		code  string
		msg   string
		kind  platforms.ErrorKind
		token bool
	}{
		{"2001", "invalid secret_key", platforms.ErrAuth, false},
		{"2008", "access_token 已过期", platforms.ErrAuth, true},
		{"2017", "no permission", platforms.ErrAuth, false},
		{"2051", "ip not in whitelist", platforms.ErrAuth, false},
		{"2029", "请求过于频繁", platforms.ErrRateLimited, false},
		{"-1", "系统繁忙", platforms.ErrTransient, false},
		{"2002", "参数错误", platforms.ErrInvalid, false},
		{"2404", "售后单不存在", platforms.ErrNotFound, false},
		{"2409", "状态不可退款", platforms.ErrRefused, false},
		// Codes we have not seen: recognised by their text, else invalid.
		{"40014", "invalid access_token", platforms.ErrAuth, true},
		{"3001", "token已失效", platforms.ErrAuth, true},
		{"3002", "接口调用太频繁，已限流", platforms.ErrRateLimited, false},
		{"9999", "未知错误", platforms.ErrInvalid, false},
	}
	for _, tt := range tests {
		env := Envelope{Code: json.Number(tt.code), Msg: tt.msg}
		e := Classify("xe.x", env)
		if e.Kind != tt.kind || e.Code != tt.code || e.Platform != platforms.Xiaoe {
			t.Errorf("Classify(%s %s) = %+v, want kind %s", tt.code, tt.msg, e, tt.kind)
		}
		if got := env.tokenRejected(); got != tt.token {
			t.Errorf("%s %s: tokenRejected = %v, want %v", tt.code, tt.msg, got, tt.token)
		}
		if tt.kind == platforms.ErrRateLimited && e.RetryAfter != time.Second {
			t.Errorf("%s: RetryAfter = %s", tt.code, e.RetryAfter)
		}
		if e.Retryable() != (tt.kind == platforms.ErrRateLimited || tt.kind == platforms.ErrTransient) {
			t.Errorf("%s: Retryable = %v", tt.code, e.Retryable())
		}
	}
}
