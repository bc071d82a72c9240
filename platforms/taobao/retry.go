package taobao

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aftersale/aftersale/platforms"
)

// maxBanWait is the longest rate-limit ban the client sits out by itself.
// Longer bans go back to the caller as ErrRateLimited so that Temporal
// waits instead of a blocked activity.
const maxBanWait = 10 * time.Second

// maxBody bounds how much of an answer is read; refund pages are far smaller.
const maxBody = 10 << 20

// mutating lists the TOP methods that change a case. A failure after the
// request was sent may mean the change happened, so these are retried only
// when the request certainly did not reach TOP.
var mutating = map[string]bool{
	methodAgree:       true,
	methodRefuse:      true,
	methodReturnAgree: true,
}

type methodKey struct{}

// withMethod marks the TOP method on the request context: the HTTP layer
// only sees an opaque form body, and retry decisions depend on the method.
func withMethod(ctx context.Context, method string) context.Context {
	return context.WithValue(ctx, methodKey{}, method)
}

func methodFrom(ctx context.Context) string {
	m, _ := ctx.Value(methodKey{}).(string)
	return m
}

// checkRetry is the retryablehttp.CheckRetry for TOP. Reads are retried on
// network errors, 429, 5xx, short rate-limit bans and isp.* answers.
// Mutations are retried only when TOP certainly did not act: the connection
// was never made, or TOP rejected the call at its rate limiter.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	write := mutating[methodFrom(ctx)]

	if err != nil {
		if write {
			return notSent(err), nil
		}
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		return retry, nil
	}

	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, _ := rateLimitWait(resp)
		return wait <= maxBanWait, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return !write, nil
	case resp.StatusCode != http.StatusOK:
		return false, nil
	}

	e := peekError(resp)
	if e == nil {
		return false, nil
	}
	// TOP's rate limiter rejects a call before it runs, so even a mutation
	// can be repeated once the ban is over.
	if pe := Classify(*e); pe.Kind == platforms.ErrRateLimited {
		return pe.RetryAfter <= maxBanWait, nil
	}
	if write {
		return false, nil
	}
	code, _ := strconv.Atoi(e.Code.String())
	return strings.HasPrefix(e.SubCode, "isp.") || code == 10, nil
}

// backoff waits exactly the ban when TOP or the HTTP layer said how long,
// and backs off exponentially otherwise.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if wait, limited := rateLimitWait(resp); limited {
		return wait
	}
	return retryablehttp.DefaultBackoff(min, max, attempt, resp)
}

// rateLimitWait reports whether resp is a rate-limit answer (HTTP 429 or a
// TOP call-limit envelope) and how long to wait before the next call.
func rateLimitWait(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			return time.Duration(s) * time.Second, true
		}
		return defaultBan, true
	}
	if resp.StatusCode != http.StatusOK {
		return 0, false
	}
	if e := peekError(resp); e != nil {
		if pe := Classify(*e); pe.Kind == platforms.ErrRateLimited {
			return pe.RetryAfter, true
		}
	}
	return 0, false
}

// notSent reports whether a transport error happened before any byte of the
// request reached TOP, so that repeating a mutation cannot apply it twice.
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

// peekError returns the TOP error envelope in resp, if any.
func peekError(resp *http.Response) *TopError {
	var env struct {
		Err *TopError `json:"error_response"`
	}
	d := json.NewDecoder(bytes.NewReader(peek(resp)))
	d.UseNumber()
	if d.Decode(&env) != nil {
		return nil
	}
	return env.Err
}
