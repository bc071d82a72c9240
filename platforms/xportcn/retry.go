package xportcn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aftersale/aftersale/platforms"
)

// maxBody bounds how much of an answer is read; list pages are far smaller.
const maxBody = 10 << 20

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
	return context.WithValue(ctx, endpointKey{}, ep)
}

func endpointFrom(ctx context.Context) endpoint {
	ep, _ := ctx.Value(endpointKey{}).(endpoint)
	return ep
}

// checkRetry is the retryablehttp.CheckRetry for Xportcn. Reads are retried
// on network errors, 429, 5xx, and rate-limit or 5xx-ish envelopes.
// Mutations are retried only when the request certainly never reached
// Xportcn: whether its rate limiter runs before the action is not
// documented, so a rate-limited mutation goes back to the caller, whose
// retry re-reads the case first.
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
	if write {
		return false, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, nil
	case resp.StatusCode != http.StatusOK:
		return false, nil
	}
	env, ok := peekEnvelope(resp)
	if !ok || env.Code.String() == codeOK {
		return false, nil
	}
	k := Classify(env).Kind
	return k == platforms.ErrRateLimited || k == platforms.ErrTransient, nil
}

// notSent reports whether a transport error happened before any byte of the
// request reached Xportcn, so that repeating a mutation cannot apply it twice.
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
// bytes because retryablehttp drains the body between attempts.
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

// peekEnvelope decodes the answer's envelope; false if it is not one (not
// JSON, or no code).
func peekEnvelope(resp *http.Response) (Envelope, bool) {
	var env Envelope
	if err := json.Unmarshal(peek(resp), &env); err != nil || env.Code == "" {
		return Envelope{}, false
	}
	return env, true
}
