// Package httpretry is the retrying HTTP plumbing shared by the platform
// clients (taobao, xiaoe, shopline, xportcn).
//
// It exists because all four clients sit on go-retryablehttp and need the
// same careful pieces around it: a constructor with our defaults, a way to
// mark a call as mutating, the test of whether a transport error happened
// before anything was sent, a body that can be read by the retry policy and
// again by the caller, Retry-After parsing, and one retry policy skeleton.
// The skeleton is where mistakes are costly: reads are retried on network
// errors, rate limits and transient answers; a mutation is retried only when
// it certainly did not take effect, so that a refund is never paid twice.
//
// What an answer means (a TOP error_response, a Xiaoe {code,msg,data}
// envelope, a SHOPLINE status, an Xportcn envelope) stays in each platform
// package: it plugs into Policy as RateLimited and Transient.
package httpretry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// MaxBody bounds how much of an answer Peek reads; platform answers are far
// smaller.
const MaxBody = 10 << 20

type mutatingKey struct{}

// WithMutating marks ctx as carrying a call that changes something on the
// platform. The HTTP method does not tell (some platforms mutate with GET
// and read with POST), so the client marks it when it builds the request.
func WithMutating(ctx context.Context) context.Context {
	return context.WithValue(ctx, mutatingKey{}, true)
}

// IsMutating reports whether ctx was marked by WithMutating.
func IsMutating(ctx context.Context) bool {
	m, _ := ctx.Value(mutatingKey{}).(bool)
	return m
}

// NotSent reports whether a transport error happened before any byte of the
// request reached the platform (dial failure, DNS failure, connection
// refused), so that repeating a mutation cannot apply it twice. A reset or
// a timeout after the connection was made is not such an error.
func NotSent(err error) bool {
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

// Peek reads resp.Body once (at most MaxBody bytes), restores it for later
// readers, and returns its bytes. Later calls return the same bytes, even
// after the restored body was read or closed. A nil body gives nil.
func Peek(resp *http.Response) []byte {
	if pb, ok := resp.Body.(*peekedBody); ok {
		return pb.raw
	}
	if resp.Body == nil {
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	resp.Body.Close()
	resp.Body = &peekedBody{Reader: bytes.NewReader(raw), raw: raw}
	return raw
}

// RetryAfter reads resp's Retry-After header, in seconds or as an HTTP
// date, and returns def when it is absent, unparseable, zero or past.
func RetryAfter(resp *http.Response, def time.Duration) time.Duration {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return def
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		// Capped before multiplying: a huge value would wrap negative.
		return time.Duration(min(s, int(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return def
}

// maxRetryAfter bounds a platform's Retry-After: beyond a day it is noise.
const maxRetryAfter = 24 * time.Hour
