package xiaoe

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/httpretry"
)

// maxRateWait is the longest rate-limit wait the HTTP layer sits out by
// itself; longer ones go back to the caller as ErrRateLimited, so that
// Temporal waits instead of a blocked activity.
const maxRateWait = 10 * time.Second

// mutating lists the endpoints that change a case. A failure after the
// request was sent may mean the change happened, so these are retried only
// when the request certainly did not reach Xiaoe.
var mutating = map[string]bool{endpointRefund: true}

type endpointKey struct{}

// withEndpoint marks the Xiaoe endpoint on the request context, and whether
// it is a mutation: retry decisions depend on it, and a transport error
// comes without the request.
func withEndpoint(ctx context.Context, endpoint string) context.Context {
	ctx = context.WithValue(ctx, endpointKey{}, endpoint)
	if mutating[endpoint] {
		ctx = httpretry.WithMutating(ctx)
	}
	return ctx
}

func endpointFrom(ctx context.Context) string {
	e, _ := ctx.Value(endpointKey{}).(string)
	return e
}

// policy is the retry policy for Xiaoe. Reads are retried on network
// errors, 429, 5xx, short rate-limit answers and "system busy".
// xe.order.refund is retried only when Xiaoe certainly did not act: the
// connection was never made, or the rate limiter turned the call away
// (we assume it runs before the handler, as rate limiters do).
var policy = httpretry.Policy{
	RateLimited:           rateLimited,
	Transient:             transient,
	MaxWait:               maxRateWait,
	RateLimitBeforeAction: true,
}

var backoff = policy.Backoff

// checkRetry is the retryablehttp.CheckRetry for Xiaoe: policy, except that
// /token is never retried on a rate-limit answer, as each try spends the
// fetch budget.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, cerr := policy.CheckRetry(ctx, resp, err)
	if retry && err == nil && endpointFrom(ctx) == endpointToken {
		if _, limited := rateLimited(resp); limited {
			return false, nil
		}
	}
	return retry, cerr
}

// rateLimited reports whether resp is a rate-limit answer (HTTP 429 or a
// rate-limit envelope) and how long to wait.
func rateLimited(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode == http.StatusTooManyRequests {
		return rateLimitWait(resp), true
	}
	if pe := peekError(resp); pe != nil && pe.Kind == platforms.ErrRateLimited {
		return pe.RetryAfter, true
	}
	return 0, false
}

// transient reports whether a read may repeat resp: a 5xx (but 501), or a
// "system busy" envelope.
func transient(resp *http.Response) bool {
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
		return true
	}
	pe := peekError(resp)
	return pe != nil && pe.Kind == platforms.ErrTransient
}

// peekError classifies the error envelope of an HTTP 200 answer; nil when
// the answer is not one (another status, not an envelope, or code 0).
func peekError(resp *http.Response) *platforms.Error {
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	env, ok := peekEnvelope(resp)
	if !ok {
		return nil
	}
	if n, _ := env.code(); n == CodeOK {
		return nil
	}
	return Classify("", env)
}

// rateLimitWait reads Retry-After of an HTTP 429, or assumes the default.
func rateLimitWait(resp *http.Response) time.Duration {
	return httpretry.RetryAfter(resp, defaultRetryAfter)
}

// peekEnvelope decodes the answer's {code, msg, data}; false when it is not
// such an object.
func peekEnvelope(resp *http.Response) (Envelope, bool) {
	var env Envelope
	if json.Unmarshal(httpretry.Peek(resp), &env) != nil || env.Code == "" {
		return Envelope{}, false
	}
	return env, true
}
