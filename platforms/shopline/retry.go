package shopline

import (
	"context"
	"net/http"
	"time"

	"github.com/aftersale/aftersale/platforms/httpretry"
)

// maxRateWait is the longest Retry-After the client sits out by itself.
// Longer waits go back to the caller as ErrRateLimited so that Temporal
// waits instead of a blocked activity.
const maxRateWait = 10 * time.Second

// minRateBackoff is the least the client waits after a 429 that says
// nothing: the bucket drains 4 requests a second (PLATFORMS.md §4.4).
const minRateBackoff = 250 * time.Millisecond

// endpoint names one SHOPLINE API as its reference page does, and says
// whether calling it changes anything.
type endpoint struct {
	name     string // e.g. "order/refund.json"
	mutating bool
}

var (
	epRefunds    = endpoint{name: "orders/:order_id/refunds.json"}
	epRefund     = endpoint{name: "orders/:order_id/refunds/:refund_id.json"}
	epCalculate  = endpoint{name: "orders/:order_id/refunds/calculate.json"} // a trial: changes nothing
	epCreate     = endpoint{name: "order/refund.json", mutating: true}
	epReturns    = endpoint{name: "return.json"}
	epReturnFulf = endpoint{name: "return_fulfillment.json"}
)

type endpointKey struct{}

// withEndpoint marks the endpoint on the request context: retry decisions
// depend on whether it is a mutation, which the HTTP method does not tell
// (calculate is a POST that changes nothing).
func withEndpoint(ctx context.Context, ep endpoint) context.Context {
	ctx = context.WithValue(ctx, endpointKey{}, ep)
	if ep.mutating {
		ctx = httpretry.WithMutating(ctx)
	}
	return ctx
}

func endpointFrom(ctx context.Context) endpoint {
	ep, _ := ctx.Value(endpointKey{}).(endpoint)
	return ep
}

// policy is the retry policy for SHOPLINE. Reads are retried on network
// errors, 429, 5xx and the 433/434 security throttles. The refund creation
// is retried only when SHOPLINE certainly did not act: the connection was
// never made, or its rate limiter turned the call away (a 429 is answered
// before the request is processed).
var policy = httpretry.Policy{
	RateLimited: func(resp *http.Response) (time.Duration, bool) {
		if resp.StatusCode != http.StatusTooManyRequests {
			return 0, false
		}
		// 0 without Retry-After, which is what SHOPLINE documents.
		return httpretry.RetryAfter(resp, 0), true
	},
	Transient: func(resp *http.Response) bool {
		s := resp.StatusCode
		return s == 433 || s == 434 || s >= 500 && s != http.StatusNotImplemented
	},
	MaxWait:               maxRateWait,
	RateLimitBeforeAction: true,
}

var checkRetry = policy.CheckRetry

// backoff honours Retry-After on a 429 and otherwise backs off
// exponentially from the client's minimum wait (at least 250 ms after a
// 429).
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		lo = max(lo, minRateBackoff)
	}
	return policy.Backoff(lo, hi, attempt, resp)
}
