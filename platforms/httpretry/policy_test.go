package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// testPolicy stands in for a platform: an HTTP 200 with body "limited N"
// is a rate-limit answer asking for N seconds, one with "busy" is transient,
// as are 5xx but 501.
func testPolicy(maxWait time.Duration, beforeAction bool) Policy {
	return Policy{
		RateLimited: func(resp *http.Response) (time.Duration, bool) {
			if resp.StatusCode == http.StatusTooManyRequests {
				return RetryAfter(resp, time.Second), true
			}
			var n int
			if resp.StatusCode == http.StatusOK {
				if _, err := fmt.Sscanf(string(Peek(resp)), "limited %d", &n); err == nil {
					return time.Duration(n) * time.Second, true
				}
			}
			return 0, false
		},
		Transient: func(resp *http.Response) bool {
			if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
				return true
			}
			return resp.StatusCode == http.StatusOK && string(Peek(resp)) == "busy"
		},
		MaxWait:               maxWait,
		RateLimitBeforeAction: beforeAction,
	}
}

func TestPolicyCheckRetry(t *testing.T) {
	read, write := context.Background(), WithMutating(context.Background())
	tenSeconds := testPolicy(10*time.Second, true)
	anyWait := testPolicy(0, true)
	limiterAfter := testPolicy(10*time.Second, false)
	noClassifiers := Policy{}

	for _, tt := range []struct {
		name   string
		policy Policy
		ctx    context.Context
		status int
		body   string
		err    error
		want   bool
	}{
		{"read ok", tenSeconds, read, 200, "ok", nil, false},
		{"read short limit", tenSeconds, read, 200, "limited 3", nil, true},
		{"read limit at MaxWait", tenSeconds, read, 200, "limited 10", nil, true},
		{"read long limit", tenSeconds, read, 200, "limited 60", nil, false},
		{"read long limit, any wait", anyWait, read, 200, "limited 60", nil, true},
		{"read 429", tenSeconds, read, 429, "", nil, true},
		{"read busy", tenSeconds, read, 200, "busy", nil, true},
		{"read 500", tenSeconds, read, 500, "", nil, true},
		{"read 501", tenSeconds, read, 501, "", nil, false},
		{"read 404", tenSeconds, read, 404, "", nil, false},
		{"read reset", tenSeconds, read, 0, "", errReset, true},
		{"read timeout", tenSeconds, read, 0, "", errTimeout, true},
		{"read refused", tenSeconds, read, 0, "", errRefused, true},
		{"write ok", tenSeconds, write, 200, "ok", nil, false},
		{"write short limit", tenSeconds, write, 200, "limited 3", nil, true},
		{"write long limit", tenSeconds, write, 200, "limited 60", nil, false},
		{"write 429", tenSeconds, write, 429, "", nil, true},
		{"write 429, limiter may run after", limiterAfter, write, 429, "", nil, false},
		{"write short limit, limiter may run after", limiterAfter, write, 200, "limited 3", nil, false},
		{"write busy", tenSeconds, write, 200, "busy", nil, false},
		{"write 500", tenSeconds, write, 500, "", nil, false},
		{"write refused", tenSeconds, write, 0, "", errRefused, true},
		{"write dns", tenSeconds, write, 0, "", errDNS, true},
		{"write reset after sending", tenSeconds, write, 0, "", errReset, false},
		{"write timeout", tenSeconds, write, 0, "", errTimeout, false},
		{"no classifiers: read 500", noClassifiers, read, 500, "", nil, false},
		{"no classifiers: read reset", noClassifiers, read, 0, "", errReset, true},
		{"no classifiers: write refused", noClassifiers, write, 0, "", errRefused, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if tt.err == nil {
				resp = response(tt.status, tt.body)
			}
			got, err := tt.policy.CheckRetry(tt.ctx, resp, tt.err)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CheckRetry = %v, want %v", got, tt.want)
			}
			if resp != nil {
				if b, _ := io.ReadAll(resp.Body); string(b) != tt.body {
					t.Errorf("body after CheckRetry = %q, want %q", b, tt.body)
				}
			}
		})
	}
}

func TestPolicyCheckRetryCancelled(t *testing.T) {
	for _, ctx := range []context.Context{context.Background(), WithMutating(context.Background())} {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		for _, tc := range []struct {
			resp *http.Response
			err  error
		}{{response(500, ""), nil}, {response(429, ""), nil}, {nil, errRefused}} {
			retry, err := testPolicy(0, true).CheckRetry(ctx, tc.resp, tc.err)
			if retry || !errors.Is(err, context.Canceled) {
				t.Errorf("CheckRetry on a cancelled context = %v, %v", retry, err)
			}
		}
	}
}

func TestPolicyBackoff(t *testing.T) {
	p := testPolicy(10*time.Second, true)
	// retryablehttp drains the body before calling Backoff: the wait must
	// still be read from the peeked copy.
	limited := response(200, "limited 3")
	Peek(limited)
	io.Copy(io.Discard, limited.Body)
	limited.Body.Close()

	retryAfter := response(429, "")
	retryAfter.Header.Set("Retry-After", "2")
	unavailable := response(503, "")
	unavailable.Header.Set("Retry-After", "4")
	for _, tt := range []struct {
		name   string
		policy Policy
		resp   *http.Response
		want   time.Duration
	}{
		{"rate-limit answer", p, limited, 3 * time.Second},
		{"429 Retry-After", p, retryAfter, 2 * time.Second},
		{"429 bare", p, response(429, ""), time.Second},
		{"limited without a wait", Policy{RateLimited: func(*http.Response) (time.Duration, bool) { return 0, true }}, response(429, ""), 400 * time.Millisecond},
		{"500 exponential", p, response(500, ""), 400 * time.Millisecond},
		{"503 Retry-After (retryablehttp's default)", p, unavailable, 4 * time.Second},
		{"network error", p, nil, 400 * time.Millisecond},
		{"no classifiers", Policy{}, retryAfter, 2 * time.Second},
	} {
		if got := tt.policy.Backoff(100*time.Millisecond, time.Second, 2, tt.resp); got != tt.want {
			t.Errorf("%s: Backoff = %s, want %s", tt.name, got, tt.want)
		}
	}
}
