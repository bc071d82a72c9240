package xiaoe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aftersale/aftersale/platforms"
)

// maxRateWait is the longest rate-limit wait the HTTP layer sits out by
// itself; longer ones go back to the caller as ErrRateLimited, so that
// Temporal waits instead of a blocked activity.
const maxRateWait = 10 * time.Second

// maxBody bounds how much of an answer is read; pages are far smaller.
const maxBody = 10 << 20

// mutating lists the endpoints that change a case. A failure after the
// request was sent may mean the change happened, so these are retried only
// when the request certainly did not reach Xiaoe.
var mutating = map[string]bool{endpointRefund: true}

type endpointKey struct{}

// withEndpoint marks the Xiaoe endpoint on the request context: retry
// decisions depend on it, and a transport error comes without the request.
func withEndpoint(ctx context.Context, endpoint string) context.Context {
	return context.WithValue(ctx, endpointKey{}, endpoint)
}

func endpointFrom(ctx context.Context) string {
	e, _ := ctx.Value(endpointKey{}).(string)
	return e
}

// checkRetry is the retryablehttp.CheckRetry for Xiaoe. Reads are retried on
// network errors, 429, 5xx, short rate-limit answers and "system busy".
// xe.order.refund is retried only when Xiaoe certainly did not act: the
// connection was never made, or the rate limiter turned the call away
// (we assume it runs before the handler, as rate limiters do). /token is
// never retried on a rate-limit answer: each try spends the fetch budget.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	endpoint := endpointFrom(ctx)
	write := mutating[endpoint]

	if err != nil {
		if write {
			return notSent(err), nil
		}
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		return retry, nil
	}

	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return endpoint != endpointToken && rateLimitWait(resp) <= maxRateWait, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return !write, nil
	case resp.StatusCode != http.StatusOK:
		return false, nil
	}

	env, ok := peekEnvelope(resp)
	if !ok {
		return false, nil
	}
	n, _ := env.code()
	if n == CodeOK {
		return false, nil
	}
	pe := Classify(endpoint, env)
	switch {
	case pe.Kind == platforms.ErrRateLimited:
		return endpoint != endpointToken && pe.RetryAfter <= maxRateWait, nil
	case pe.Kind == platforms.ErrTransient:
		return !write, nil
	}
	return false, nil
}

// backoff waits what a rate-limit answer implies, and backs off
// exponentially otherwise.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if resp.StatusCode == http.StatusTooManyRequests {
			return rateLimitWait(resp)
		}
		if env, ok := peekEnvelope(resp); ok {
			if n, _ := env.code(); n != CodeOK {
				if pe := Classify("", env); pe.Kind == platforms.ErrRateLimited {
					return pe.RetryAfter
				}
			}
		}
	}
	return retryablehttp.DefaultBackoff(min, max, attempt, resp)
}

// rateLimitWait reads Retry-After of an HTTP 429, or assumes the default.
func rateLimitWait(resp *http.Response) time.Duration {
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return defaultRetryAfter
}

// notSent reports whether a transport error happened before any byte of the
// request reached Xiaoe, so that repeating a mutation cannot apply it twice.
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

// peekedBody is a response body already read into memory. It replaces
// resp.Body so that later readers see the full answer again, and keeps the
// bytes because retryablehttp drains the body before calling Backoff.
type peekedBody struct {
	*bytes.Reader
	raw []byte
}

func (peekedBody) Close() error { return nil }

// peek reads resp.Body once, restores it, and returns its bytes.
func peek(resp *http.Response) []byte {
	if pb, ok := resp.Body.(*peekedBody); ok {
		return pb.raw
	}
	if resp.Body == nil {
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	resp.Body = &peekedBody{Reader: bytes.NewReader(raw), raw: raw}
	return raw
}

// peekEnvelope decodes the answer's {code, msg, data}; false when it is not
// such an object.
func peekEnvelope(resp *http.Response) (Envelope, bool) {
	var env Envelope
	if json.Unmarshal(peek(resp), &env) != nil || env.Code == "" {
		return Envelope{}, false
	}
	return env, true
}
