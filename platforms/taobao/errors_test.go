package taobao

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		sub   string
		msg   string
		want  platforms.ErrorKind
		after time.Duration
	}{
		{"app call limited", "7", "accesscontrol.limited-by-app-access-count", "This ban will last for 4 more seconds", platforms.ErrRateLimited, 4 * time.Second},
		{"api call limited", "7", "accesscontrol.limited-by-api-access-count", "This ban will last for 71 more seconds", platforms.ErrRateLimited, 71 * time.Second},
		{"ban without length", "7", "", "", platforms.ErrRateLimited, time.Second},
		{"limited sub code only", "15", "accesscontrol.limited-by-app-api-access-count", "", platforms.ErrRateLimited, time.Second},
		{"user call limited", "4", "", "", platforms.ErrRateLimited, time.Second},
		{"session call limited", "5", "", "", platforms.ErrRateLimited, time.Second},
		{"partner call limited", "6", "", "", platforms.ErrRateLimited, time.Second},
		{"frequency exceeded", "8", "", "", platforms.ErrRateLimited, time.Second},
		{"service unavailable", "10", "", "", platforms.ErrTransient, 0},
		{"isp", "15", "isp.top-remote-connection-timeout", "", platforms.ErrTransient, 0},
		{"isp refund service", "15", "isp.refund-service-unavailable", "", platforms.ErrTransient, 0},
		{"refund not exist", "15", "isv.refund-not-exist", "", platforms.ErrNotFound, 0},
		{"version mismatch", "15", "isv.refund-version-mismatch", "", platforms.ErrRefused, 0},
		{"status not support", "15", "isv.refund-status-not-support", "", platforms.ErrRefused, 0},
		{"isv other", "15", "isv.invalid-parameter", "", platforms.ErrInvalid, 0},
		{"invalid method", "22", "", "", platforms.ErrInvalid, 0},
		{"missing argument", "40", "", "", platforms.ErrInvalid, 0},
		{"invalid argument", "41", "", "", platforms.ErrInvalid, 0},
		{"insufficient isv permission", "11", "isv.permission-api-package-limit", "", platforms.ErrAuth, 0},
		{"insufficient user permission", "12", "", "", platforms.ErrAuth, 0},
		{"invalid signature", "25", "", "", platforms.ErrAuth, 0},
		{"missing session", "26", "", "", platforms.ErrAuth, 0},
		{"invalid session", "27", "invalid-sessionkey", "", platforms.ErrAuth, 0},
		{"missing app key", "28", "", "", platforms.ErrAuth, 0},
		{"invalid app key", "29", "", "", platforms.ErrAuth, 0},
		{"clock skew", "31", "", "", platforms.ErrTransient, 0},
		{"remote error without sub code", "15", "", "", platforms.ErrInvalid, 0},
		{"unknown code", "99", "", "", platforms.ErrInvalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Classify(TopError{Code: json.Number(tt.code), Msg: "m", SubCode: tt.sub, SubMsg: tt.msg, RequestID: "r1"})
			if e.Kind != tt.want || e.RetryAfter != tt.after {
				t.Errorf("Classify = %s after %s, want %s after %s", e.Kind, e.RetryAfter, tt.want, tt.after)
			}
			if e.Platform != platforms.Taobao {
				t.Errorf("Platform = %q", e.Platform)
			}
			wantCode := tt.sub
			if wantCode == "" {
				wantCode = tt.code
			}
			if e.Code != wantCode {
				t.Errorf("Code = %q, want %q", e.Code, wantCode)
			}
		})
	}
}
