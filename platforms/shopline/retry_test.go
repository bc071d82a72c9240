package shopline

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

func TestCheckRetry(t *testing.T) {
	read := withEndpoint(context.Background(), epReturns)
	write := withEndpoint(context.Background(), epCreate)
	calc := withEndpoint(context.Background(), epCalculate)
	resp := func(status int, retryAfter string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		if retryAfter != "" {
			r.Header.Set("Retry-After", retryAfter)
		}
		return r
	}
	dial := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Err: syscall.ECONNRESET}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		resp *http.Response
		err  error
		want bool
	}{
		{"read 200", read, resp(200, ""), nil, false},
		{"read 429", read, resp(429, ""), nil, true},
		{"read 429 short Retry-After", read, resp(429, "2"), nil, true},
		{"read 429 long Retry-After", read, resp(429, "60"), nil, false},
		{"read 500", read, resp(500, ""), nil, true},
		{"read 501", read, resp(501, ""), nil, false},
		{"read 433", read, resp(433, ""), nil, true},
		{"read 435", read, resp(435, ""), nil, false},
		{"read 401", read, resp(401, ""), nil, false},
		{"read 422", read, resp(422, ""), nil, false},
		{"read reset", read, nil, reset, true},
		{"calculate 500 (a trial changes nothing)", calc, resp(500, ""), nil, true},
		{"create 429 (turned away before processing)", write, resp(429, ""), nil, true},
		{"create 500", write, resp(500, ""), nil, false},
		{"create 503", write, resp(503, ""), nil, false},
		{"create 434", write, resp(434, ""), nil, false},
		{"create reset", write, nil, reset, false},
		{"create timeout", write, nil, context.DeadlineExceeded, false},
		{"create refused connection", write, nil, dial, true},
		{"create dns", write, nil, &net.DNSError{Err: "no such host"}, true},
	} {
		got, _ := checkRetry(tc.ctx, tc.resp, tc.err)
		if got != tc.want {
			t.Errorf("%s: retry = %t, want %t", tc.name, got, tc.want)
		}
	}
	cancelled, cancel := context.WithCancel(read)
	cancel()
	if got, err := checkRetry(cancelled, resp(500, ""), nil); got || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %t %v", got, err)
	}
}

func TestBackoff(t *testing.T) {
	r429 := &http.Response{StatusCode: 429, Header: http.Header{}}
	if d := backoff(10*time.Millisecond, 5*time.Second, 0, r429); d < minRateBackoff {
		t.Errorf("429 without Retry-After waits %s, want at least %s", d, minRateBackoff)
	}
	r429.Header.Set("Retry-After", "3")
	if d := backoff(10*time.Millisecond, 5*time.Second, 0, r429); d != 3*time.Second {
		t.Errorf("Retry-After 3 waits %s", d)
	}
	r500 := &http.Response{StatusCode: 500, Header: http.Header{}}
	if d := backoff(minRateBackoff, 5*time.Second, 2, r500); d != time.Second {
		t.Errorf("500, attempt 2 waits %s", d)
	}
}
