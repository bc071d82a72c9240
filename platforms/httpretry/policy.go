package httpretry

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Policy is the retry policy skeleton of the platform clients; the platform
// says what its answers mean through RateLimited and Transient.
//
// Reads (contexts not marked by WithMutating) are retried on network errors
// (as retryablehttp.DefaultRetryPolicy decides), on rate-limit answers whose
// wait is at most MaxWait, and on transient answers. Mutations are retried
// only when they certainly did not take effect: the request never left
// (NotSent), or the platform's rate limiter turned it away and
// RateLimitBeforeAction says that happens before the call runs. Any other
// failure of a mutation goes back to the caller, which re-reads the case
// before anything is sent again.
type Policy struct {
	// RateLimited reports whether resp is a rate-limit answer and how long
	// to wait before the next call (0: not said). Nil: none is.
	RateLimited func(resp *http.Response) (wait time.Duration, ok bool)
	// Transient reports whether resp, not a rate-limit answer, is a failure
	// that a read may repeat (5xx, "system busy"). Nil: none is.
	Transient func(resp *http.Response) bool
	// MaxWait is the longest rate-limit wait sat out here; a longer one goes
	// back to the caller (so that Temporal waits, not a blocked activity).
	// 0 means any wait.
	MaxWait time.Duration
	// RateLimitBeforeAction says the platform's rate limiter rejects a call
	// before it runs, so a rate-limited mutation may be repeated.
	RateLimitBeforeAction bool
}

// CheckRetry is a retryablehttp.CheckRetry. Bodies read by RateLimited and
// Transient through Peek stay whole for the caller.
func (p Policy) CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	write := IsMutating(ctx)
	if err != nil {
		if write {
			return NotSent(err), nil
		}
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		return retry, nil
	}
	if p.RateLimited != nil {
		if wait, limited := p.RateLimited(resp); limited {
			if write && !p.RateLimitBeforeAction {
				return false, nil
			}
			return p.MaxWait <= 0 || wait <= p.MaxWait, nil
		}
	}
	return !write && p.Transient != nil && p.Transient(resp), nil
}

// Backoff is a retryablehttp.Backoff: it waits what a rate-limit answer
// says, and otherwise backs off as retryablehttp.DefaultBackoff does
// (exponentially, or Retry-After on a 429 or 503).
func (p Policy) Backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && p.RateLimited != nil {
		if wait, limited := p.RateLimited(resp); limited && wait > 0 {
			return wait
		}
	}
	return retryablehttp.DefaultBackoff(lo, hi, attempt, resp)
}
