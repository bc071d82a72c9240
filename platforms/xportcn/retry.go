package xportcn

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/httpretry"
)

// endpoint is one API call: its method, path, and whether it changes a
// case. The cancellation is a GET that changes the case, so the HTTP method
// says nothing about safety: mutating does.
type endpoint struct {
	method   string
	path     string
	mutating bool
}

type endpointKey struct{}

// withEndpoint marks the endpoint on the request context: retry decisions
// depend on whether it is a mutation.
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

// policy is the retry policy for Xportcn. Reads are retried on network
// errors, 429, 5xx, and rate-limit or 5xx-ish envelopes, whatever the wait
// (Xportcn says none; retryablehttp's default backoff honours a
// Retry-After). Mutations are retried only when the request certainly never
// reached Xportcn: whether its rate limiter runs before the action is not
// documented, so a rate-limited mutation goes back to the caller, whose
// retry re-reads the case first.
var policy = httpretry.Policy{
	RateLimited: func(resp *http.Response) (time.Duration, bool) {
		if resp.StatusCode == http.StatusTooManyRequests {
			return defaultRateWait, true
		}
		if pe := peekError(resp); pe != nil && pe.Kind == platforms.ErrRateLimited {
			return pe.RetryAfter, true
		}
		return 0, false
	},
	Transient: func(resp *http.Response) bool {
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
			return true
		}
		pe := peekError(resp)
		return pe != nil && pe.Kind == platforms.ErrTransient
	},
}

var checkRetry = policy.CheckRetry

// peekError classifies the error envelope of an HTTP 200 answer; nil when
// the answer is not one (another status, not an envelope, or success).
func peekError(resp *http.Response) *platforms.Error {
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	env, ok := peekEnvelope(resp)
	if !ok || env.Code.String() == codeOK {
		return nil
	}
	return Classify(env)
}

// peekEnvelope decodes the answer's envelope; false if it is not one (not
// JSON, or no code).
func peekEnvelope(resp *http.Response) (Envelope, bool) {
	var env Envelope
	if err := json.Unmarshal(httpretry.Peek(resp), &env); err != nil || env.Code == "" {
		return Envelope{}, false
	}
	return env, true
}
