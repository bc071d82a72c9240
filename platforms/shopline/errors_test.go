package shopline

import (
	"strings"
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status int
		kind   platforms.ErrorKind
	}{
		{400, platforms.ErrInvalid}, {401, platforms.ErrAuth}, {402, platforms.ErrRefused},
		{403, platforms.ErrInvalid}, {404, platforms.ErrNotFound}, {412, platforms.ErrInvalid},
		{422, platforms.ErrInvalid}, {423, platforms.ErrRefused}, {429, platforms.ErrRateLimited},
		{433, platforms.ErrTransient}, {434, platforms.ErrTransient}, {435, platforms.ErrRefused},
		{436, platforms.ErrRefused}, {500, platforms.ErrTransient}, {502, platforms.ErrTransient},
		{504, platforms.ErrTransient}, {418, platforms.ErrInvalid}, {302, platforms.ErrMalformed},
	} {
		e := Classify(tc.status, []byte(`{"errors":"something"}`), "t-1")
		if e.Kind != tc.kind || e.Platform != platforms.Shopline || e.Code != "http_"+itoa(tc.status) {
			t.Errorf("%d → %+v, want %s", tc.status, e, tc.kind)
		}
		if !strings.Contains(e.Message, "something") || !strings.Contains(e.Message, "traceId t-1") {
			t.Errorf("%d: message %q lacks the error text or trace id", tc.status, e.Message)
		}
	}
	if e := Classify(429, []byte(`{"errors":"Too many request"}`), ""); e.RetryAfter <= 0 || e.Message != "HTTP 429 Too many request" {
		t.Errorf("429 → %+v", e)
	}
	if e := Classify(422, []byte(`{"errors":{"currency":["must be USD"]}}`), ""); !strings.Contains(e.Message, "must be USD") {
		t.Errorf("object errors → %q", e.Message)
	}
	if e := Classify(502, []byte(`<html>bad gateway</html>`), ""); e.Message != "HTTP 502 Bad Gateway" {
		t.Errorf("html body → %q", e.Message)
	}
}
