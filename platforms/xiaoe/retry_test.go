package xiaoe

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/httpretry"
)

const (
	okBody      = `{"code":0,"msg":"ok","data":{}}`
	limitBody   = `{"code":2029,"msg":"请求过于频繁","data":{}}`
	busyBody    = `{"code":-1,"msg":"系统繁忙","data":{}}`
	tokenBody   = `{"code":2008,"msg":"access_token 已过期","data":{}}`
	invalidBody = `{"code":2002,"msg":"参数错误","data":{}}`
)

func response(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

func TestCheckRetry(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	timeout := &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}

	tests := []struct {
		name     string
		endpoint string
		status   int
		body     string
		err      error
		want     bool
	}{
		{"read ok", endpointDetail, 200, okBody, nil, false},
		{"read rate limited", endpointList, 200, limitBody, nil, true},
		{"read busy", endpointDetail, 200, busyBody, nil, true},
		{"read token rejected", endpointDetail, 200, tokenBody, nil, false}, // the caller re-fetches
		{"read invalid", endpointDetail, 200, invalidBody, nil, false},
		{"read not json", endpointDetail, 200, "<html>", nil, false},
		{"read 500", endpointDetail, 500, "", nil, true},
		{"read 429", endpointDetail, 429, "", nil, true},
		{"read 404", endpointDetail, 404, "", nil, false},
		{"read reset", endpointDetail, 0, "", reset, true},
		{"read timeout", endpointList, 0, "", timeout, true},
		{"token 500", endpointToken, 500, "", nil, true},
		{"token rate limited", endpointToken, 200, limitBody, nil, false},
		{"token 429", endpointToken, 429, "", nil, false},
		{"write ok", endpointRefund, 200, okBody, nil, false},
		{"write rate limited", endpointRefund, 200, limitBody, nil, true},
		{"write 429", endpointRefund, 429, "", nil, true},
		{"write busy", endpointRefund, 200, busyBody, nil, false},
		{"write 500", endpointRefund, 500, "", nil, false},
		{"write connection refused", endpointRefund, 0, "", refused, true},
		{"write reset after sending", endpointRefund, 0, "", reset, false},
		{"write timeout", endpointRefund, 0, "", timeout, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := withEndpoint(context.Background(), tt.endpoint)
			var resp *http.Response
			if tt.err == nil {
				resp = response(tt.status, tt.body)
			}
			got, err := checkRetry(ctx, resp, tt.err)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("checkRetry = %v, want %v", got, tt.want)
			}
			if resp != nil {
				b, _ := io.ReadAll(resp.Body)
				if string(b) != tt.body {
					t.Errorf("body after checkRetry = %q, want %q", b, tt.body)
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	// retryablehttp drains the body before calling Backoff: the answer must
	// still be read from the peeked copy.
	limited := response(200, limitBody)
	httpretry.Peek(limited)
	io.Copy(io.Discard, limited.Body)

	retryAfter := response(429, "")
	retryAfter.Header.Set("Retry-After", "2")
	tests := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"rate limit envelope", limited, time.Second},
		{"429 retry-after", retryAfter, 2 * time.Second},
		{"429 bare", response(429, ""), time.Second},
		{"500 exponential", response(500, ""), 400 * time.Millisecond},
		{"network error", nil, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := backoff(100*time.Millisecond, time.Second, 2, tt.resp); got != tt.want {
			t.Errorf("%s: backoff = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestNetworkErrorsHideTheSecret(t *testing.T) {
	// Nothing listens on this port: the token fetch fails before sending.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := New(Config{Gateway: "http://" + addr, AppID: "a", ClientID: "c", SecretKey: "very-secret", Shop: "s", MaxRetries: -1,
		Logger: slog.New(slog.DiscardHandler)})
	_, err = c.Get(context.Background(), "A1")
	var pe *platforms.Error
	if !errors.As(err, &pe) || pe.Kind != platforms.ErrTransient {
		t.Fatalf("err = %v, want transient", err)
	}
	if strings.Contains(err.Error(), "very-secret") {
		t.Fatalf("error shows the secret: %v", err)
	}
}
