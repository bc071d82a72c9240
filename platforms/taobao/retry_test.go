package taobao

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms/httpretry"
)

const (
	okBody      = `{"refund_get_response":{"refund":{"refund_id":1}}}`
	shortBan    = `{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-access-count","sub_msg":"This ban will last for 3 more seconds"}}`
	longBan     = `{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-access-count","sub_msg":"This ban will last for 60 more seconds"}}`
	ispBody     = `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isp.refund-service-unavailable"}}`
	isvBody     = `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.refund-version-mismatch"}}`
	unavailBody = `{"error_response":{"code":10,"msg":"Service Currently Unavailable"}}`
	notJSONBody = `<html>oops</html>`
)

func response(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

func TestCheckRetry(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	timeout := &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}
	dns := &url.Error{Op: "Post", URL: "http://x", Err: &net.DNSError{Err: "no such host", Name: "x"}}

	tests := []struct {
		name   string
		method string
		status int
		body   string
		err    error
		want   bool
	}{
		{"read ok", methodGet, 200, okBody, nil, false},
		{"read short ban", methodList, 200, shortBan, nil, true},
		{"read long ban", methodList, 200, longBan, nil, false},
		{"read isp", methodGet, 200, ispBody, nil, true},
		{"read code 10", methodGet, 200, unavailBody, nil, true},
		{"read isv", methodGet, 200, isvBody, nil, false},
		{"read not json", methodGet, 200, notJSONBody, nil, false},
		{"read 500", methodGet, 500, "", nil, true},
		{"read 502", methodGet, 502, "", nil, true},
		{"read 429", methodGet, 429, "", nil, true},
		{"read 404", methodGet, 404, "", nil, false},
		{"read reset", methodGet, 0, "", reset, true},
		{"read timeout", methodGet, 0, "", timeout, true},
		{"write ok", methodAgree, 200, okBody, nil, false},
		{"write short ban", methodAgree, 200, shortBan, nil, true},
		{"write long ban", methodRefuse, 200, longBan, nil, false},
		{"write isp", methodAgree, 200, ispBody, nil, false},
		{"write code 10", methodAgree, 200, unavailBody, nil, false},
		{"write 500", methodAgree, 500, "", nil, false},
		{"write 503", methodReturnAgree, 503, "", nil, false},
		{"write 429", methodRefuse, 429, "", nil, true},
		{"write connection refused", methodAgree, 0, "", refused, true},
		{"write dns", methodAgree, 0, "", dns, true},
		{"write reset after sending", methodAgree, 0, "", reset, false},
		{"write timeout", methodAgree, 0, "", timeout, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := withMethod(context.Background(), tt.method)
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
			// The body is still whole for the caller.
			if resp != nil {
				b, _ := io.ReadAll(resp.Body)
				if string(b) != tt.body {
					t.Errorf("body after checkRetry = %q, want %q", b, tt.body)
				}
			}
		})
	}
}

func TestCheckRetryCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(withMethod(context.Background(), methodGet))
	cancel()
	retry, err := checkRetry(ctx, response(500, ""), nil)
	if retry || !errors.Is(err, context.Canceled) {
		t.Errorf("checkRetry on cancelled ctx = %v, %v", retry, err)
	}
}

func TestBackoff(t *testing.T) {
	// retryablehttp drains the body before calling Backoff: the ban must
	// still be read from the peeked copy.
	resp := response(200, shortBan)
	httpretry.Peek(resp)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	tests := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"ban", resp, 3 * time.Second},
		{"429 retry-after", func() *http.Response {
			r := response(429, "")
			r.Header.Set("Retry-After", "2")
			return r
		}(), 2 * time.Second},
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
