package xportcn

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
)

func response(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

func TestCheckRetry(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	read := endpoint{method: "POST", path: PathQueryList}
	write := endpoint{method: "GET", path: PathCancel, mutating: true}
	tests := []struct {
		name   string
		ep     endpoint
		status int
		body   string
		err    error
		want   bool
	}{
		{"read ok", read, 200, okReply, nil, false},
		{"read rate envelope", read, 200, `{"code":429,"msg":"limited"}`, nil, true},
		{"read 5xx envelope", read, 200, `{"code":503,"msg":"busy"}`, nil, true},
		{"read auth envelope", read, 200, `{"code":401,"msg":"bad sign"}`, nil, false},
		{"read invalid envelope", read, 200, `{"code":400,"msg":"bad"}`, nil, false},
		{"read not json", read, 200, "<html>", nil, false},
		{"read 429", read, 429, "", nil, true},
		{"read 500", read, 500, "", nil, true},
		{"read 501", read, 501, "", nil, false},
		{"read 404", read, 404, "", nil, false},
		{"read reset", read, 0, "", reset, true},
		{"write ok", write, 200, okReply, nil, false},
		{"write rate envelope", write, 200, `{"code":429,"msg":"limited"}`, nil, false},
		{"write 500", write, 500, "", nil, false},
		{"write 429", write, 429, "", nil, false},
		{"write reset (maybe applied)", write, 0, "", reset, false},
		{"write refused (never sent)", write, 0, "", refused, true},
	}
	for _, tt := range tests {
		var resp *http.Response
		if tt.err == nil {
			resp = response(tt.status, tt.body)
		}
		got, _ := checkRetry(withEndpoint(context.Background(), tt.ep), resp, tt.err)
		if got != tt.want {
			t.Errorf("%s: retry = %v, want %v", tt.name, got, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, _ := checkRetry(withEndpoint(ctx, read), nil, context.Canceled); got {
		t.Error("retried after cancellation")
	}
}
