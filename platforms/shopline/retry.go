package shopline

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
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
	return context.WithValue(ctx, endpointKey{}, ep)
}

func endpointFrom(ctx context.Context) endpoint {
	ep, _ := ctx.Value(endpointKey{}).(endpoint)
	return ep
}

// checkRetry is the retryablehttp.CheckRetry for SHOPLINE. Reads are retried
// on network errors, 429, 5xx and the 433/434 security throttles. The
// refund creation is retried only when SHOPLINE certainly did not act: the
// connection was never made, or its rate limiter turned the call away
// (a 429 is answered before the request is processed). An ambiguous
// failure of a mutation goes back to the caller, which re-reads the case
// before anything is sent again.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	write := endpointFrom(ctx).mutating
	if err != nil {
		if write {
			return notSent(err), nil
		}
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		return retry, nil
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		return retryAfter(resp) <= maxRateWait, nil
	case s == 433 || s == 434 || s >= 500 && s != http.StatusNotImplemented:
		return !write, nil
	}
	return false, nil
}

// backoff honours Retry-After on a 429 and otherwise backs off
// exponentially from the client's minimum wait (at least 250 ms).
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		if wait := retryAfter(resp); wait > 0 {
			return wait
		}
		lo = max(lo, minRateBackoff)
	}
	return retryablehttp.DefaultBackoff(lo, hi, attempt, resp)
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); 0 when
// absent, which is what SHOPLINE documents.
func retryAfter(resp *http.Response) time.Duration {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// notSent reports whether a transport error happened before any byte of the
// request reached SHOPLINE, so that repeating a mutation cannot apply it
// twice.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}
