package httpretry

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Transport errors as net/http reports them.
var (
	errRefused = &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	errDNS     = &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x"}}}
	errReset   = &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	errTimeout = &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}
)

func response(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

func TestNotSent(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", errRefused, true},
		{"dns", errDNS, true},
		{"bare dns error", &net.DNSError{Err: "no such host"}, true},
		{"dial timeout", &net.OpError{Op: "dial", Err: context.DeadlineExceeded}, true},
		{"bare ECONNREFUSED", syscall.ECONNREFUSED, true},
		{"reset after sending", errReset, false},
		{"timeout after sending", errTimeout, false},
		{"unexpected EOF", &url.Error{Op: "Post", URL: "http://x", Err: io.ErrUnexpectedEOF}, false},
		{"nil", nil, false},
	} {
		if got := NotSent(tt.err); got != tt.want {
			t.Errorf("%s: NotSent = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPeek(t *testing.T) {
	const body = `{"code":7}`
	resp := response(200, body)
	if got := string(Peek(resp)); got != body {
		t.Fatalf("Peek = %q, want %q", got, body)
	}
	if got := string(Peek(resp)); got != body {
		t.Fatalf("second Peek = %q, want %q", got, body)
	}
	// The caller reads the whole answer again.
	if b, _ := io.ReadAll(resp.Body); string(b) != body {
		t.Fatalf("body after Peek = %q, want %q", b, body)
	}
	// retryablehttp drains and closes the body before Backoff: the bytes
	// are still there.
	resp.Body.Close()
	if got := string(Peek(resp)); got != body {
		t.Fatalf("Peek after drain = %q, want %q", got, body)
	}

	if got := Peek(&http.Response{StatusCode: 204}); got != nil {
		t.Errorf("Peek of a nil body = %q", got)
	}

	big := response(200, strings.Repeat("x", MaxBody+10))
	if n := len(Peek(big)); n != MaxBody {
		t.Errorf("Peek read %d bytes, want MaxBody %d", n, MaxBody)
	}
}

func TestRetryAfter(t *testing.T) {
	const def = 7 * time.Second
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	for _, tt := range []struct {
		header string
		min    time.Duration
		max    time.Duration
	}{
		{"", def, def},
		{"3", 3 * time.Second, 3 * time.Second},
		{"120", 2 * time.Minute, 2 * time.Minute},
		{"0", def, def},
		{"-5", def, def},
		{"soon", def, def},
		{future, 59 * time.Minute, time.Hour},
		{past, def, def},
		{"9223372037", 24 * time.Hour, 24 * time.Hour}, // would wrap negative uncapped
		{time.Now().Add(1000 * time.Hour).UTC().Format(http.TimeFormat), 24 * time.Hour, 24 * time.Hour},
	} {
		resp := response(429, "")
		if tt.header != "" {
			resp.Header.Set("Retry-After", tt.header)
		}
		if got := RetryAfter(resp, def); got < tt.min || got > tt.max {
			t.Errorf("Retry-After %q: %s, want %s..%s", tt.header, got, tt.min, tt.max)
		}
	}
}

func TestMutating(t *testing.T) {
	ctx := context.Background()
	if IsMutating(ctx) {
		t.Error("background context is mutating")
	}
	ctx = WithMutating(ctx)
	ctx, cancel := context.WithTimeout(ctx, time.Minute) // derived contexts keep the mark
	defer cancel()
	if !IsMutating(ctx) {
		t.Error("marked context is not mutating")
	}
}
