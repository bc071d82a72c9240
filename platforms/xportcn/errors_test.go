package xportcn

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		code, msg string
		want      platforms.ErrorKind
	}{
		{"401", "signature verification failed", platforms.ErrAuth},
		{"403", "no permission", platforms.ErrAuth},
		{"1001", "Invalid sign", platforms.ErrAuth},
		{"1002", "签名错误", platforms.ErrAuth},
		{"1003", "access-key does not exist", platforms.ErrAuth},
		{"400", "timestamp expired", platforms.ErrAuth},
		{"429", "request too frequent", platforms.ErrRateLimited},
		{"1004", "访问过于频繁", platforms.ErrRateLimited},
		{"500", "system error", platforms.ErrTransient},
		{"503", "service unavailable", platforms.ErrTransient},
		{"400", "refundId is required", platforms.ErrInvalid},
		{"404", "refund not found", platforms.ErrInvalid},
		{"1005", "refund not assigned to this user", platforms.ErrInvalid}, // "assigned" is not "sign"
		{"9999", "", platforms.ErrInvalid},
	}
	for _, tt := range tests {
		e := Classify(Envelope{Code: json.Number(tt.code), Msg: tt.msg, RequestID: "req-1"})
		if e.Kind != tt.want || e.Platform != platforms.Xportcn || e.Code != tt.code {
			t.Errorf("Classify(%s %q) = %+v, want %s", tt.code, tt.msg, e, tt.want)
		}
		if !strings.Contains(e.Message, "req-1") {
			t.Errorf("message %q lacks the request id", e.Message)
		}
		if tt.want == platforms.ErrRateLimited && e.RetryAfter <= 0 {
			t.Errorf("rate limit without RetryAfter")
		}
	}
}
