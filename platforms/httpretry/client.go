package httpretry

import (
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults of Options.
const (
	DefaultTimeout    = 15 * time.Second
	DefaultMaxRetries = 3
	DefaultWaitMin    = 200 * time.Millisecond
	WaitMax           = 5 * time.Second
)

// Options configures New.
type Options struct {
	Timeout    time.Duration // per attempt; 0 or less means DefaultTimeout
	MaxRetries int           // retries per call; 0 means DefaultMaxRetries, negative means none
	WaitMin    time.Duration // first back-off step; 0 or less means DefaultWaitMin (the cap is WaitMax)

	CheckRetry retryablehttp.CheckRetry // nil: retryablehttp.DefaultRetryPolicy
	Backoff    retryablehttp.Backoff    // nil: retryablehttp.DefaultBackoff

	// LogRetry, when set, is called before every retry (attempt 1 and up)
	// to log it. It should name the call from req's context: headers,
	// query and body carry credentials and signatures, which is also why
	// retryablehttp's own logger is off.
	LogRetry func(req *http.Request, attempt int)
}

// New returns a retryablehttp client set up the way the platform clients
// use it. Its ErrorHandler hands the last answer back instead of a generic
// "giving up" error, so that the caller can classify it (e.g. a rate limit
// still in force).
func New(o Options) *retryablehttp.Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.WaitMin <= 0 {
		o.WaitMin = DefaultWaitMin
	}

	hc := retryablehttp.NewClient()
	hc.HTTPClient.Timeout = o.Timeout
	hc.RetryMax = o.MaxRetries
	hc.RetryWaitMin = o.WaitMin
	hc.RetryWaitMax = WaitMax
	if o.CheckRetry != nil {
		hc.CheckRetry = o.CheckRetry
	}
	if o.Backoff != nil {
		hc.Backoff = o.Backoff
	}
	hc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	hc.Logger = nil
	if o.LogRetry != nil {
		hc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if attempt > 0 {
				o.LogRetry(req, attempt)
			}
		}
	}
	return hc
}
