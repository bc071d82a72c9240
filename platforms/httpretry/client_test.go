package httpretry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

func TestNewDefaults(t *testing.T) {
	for _, tt := range []struct {
		name        string
		opts        Options
		timeout     time.Duration
		retries     int
		waitMin     time.Duration
		wantLogHook bool
	}{
		{"zero", Options{}, DefaultTimeout, DefaultMaxRetries, DefaultWaitMin, false},
		{"set", Options{Timeout: time.Second, MaxRetries: 5, WaitMin: 250 * time.Millisecond, LogRetry: func(*http.Request, int) {}},
			time.Second, 5, 250 * time.Millisecond, true},
		{"no retries", Options{MaxRetries: -1}, DefaultTimeout, 0, DefaultWaitMin, false},
		{"negative timeout", Options{Timeout: -time.Second}, DefaultTimeout, DefaultMaxRetries, DefaultWaitMin, false},
	} {
		hc := New(tt.opts)
		if hc.HTTPClient.Timeout != tt.timeout || hc.RetryMax != tt.retries || hc.RetryWaitMin != tt.waitMin || hc.RetryWaitMax != WaitMax {
			t.Errorf("%s: timeout %s, retries %d, wait %s..%s; want %s, %d, %s..%s", tt.name,
				hc.HTTPClient.Timeout, hc.RetryMax, hc.RetryWaitMin, hc.RetryWaitMax, tt.timeout, tt.retries, tt.waitMin, WaitMax)
		}
		if hc.Logger != nil {
			t.Errorf("%s: retryablehttp logs by itself (URLs and headers carry credentials)", tt.name)
		}
		if (hc.RequestLogHook != nil) != tt.wantLogHook {
			t.Errorf("%s: log hook set = %v, want %v", tt.name, hc.RequestLogHook != nil, tt.wantLogHook)
		}
		if hc.CheckRetry == nil || hc.Backoff == nil || hc.ErrorHandler == nil {
			t.Errorf("%s: CheckRetry, Backoff or ErrorHandler unset", tt.name)
		}
	}
}

// TestRetryLoop runs a client from New with a Policy against a server that
// fails twice with a 500, then answers.
func TestRetryLoop(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "busy")
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	for _, tt := range []struct {
		name       string
		ctx        context.Context
		maxRetries int
		calls      int32
		status     int
		logged     []int
	}{
		{"read retried until it succeeds", context.Background(), 0, 3, 200, []int{1, 2}},
		{"read out of retries: the last answer comes back", context.Background(), 1, 2, 500, []int{1}},
		{"mutation not retried", WithMutating(context.Background()), 0, 1, 500, nil},
		{"no retries", context.Background(), -1, 1, 500, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			var logged []int
			p := testPolicy(10*time.Second, true)
			hc := New(Options{
				MaxRetries: tt.maxRetries, CheckRetry: p.CheckRetry, Backoff: p.Backoff,
				LogRetry: func(_ *http.Request, attempt int) { logged = append(logged, attempt) },
			})
			hc.RetryWaitMin, hc.RetryWaitMax = time.Millisecond, time.Millisecond
			req, err := retryablehttp.NewRequestWithContext(tt.ctx, http.MethodPost, srv.URL, []byte("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatalf("Do: %v (the last answer should come back, not an error)", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || calls.Load() != tt.calls {
				t.Errorf("status %d after %d calls, want %d after %d", resp.StatusCode, calls.Load(), tt.status, tt.calls)
			}
			if len(logged) != len(tt.logged) {
				t.Fatalf("logged retries %v, want %v", logged, tt.logged)
			}
			for i := range logged {
				if logged[i] != tt.logged[i] {
					t.Errorf("logged retries %v, want %v", logged, tt.logged)
				}
			}
		})
	}
}
