package taobao

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/httpretry"
)

// maxBanWait is the longest rate-limit ban the client sits out by itself.
// Longer bans go back to the caller as ErrRateLimited so that Temporal
// waits instead of a blocked activity.
const maxBanWait = 10 * time.Second

// mutating lists the TOP methods that change a case. A failure after the
// request was sent may mean the change happened, so these are retried only
// when the request certainly did not reach TOP.
var mutating = map[string]bool{
	methodAgree:       true,
	methodRefuse:      true,
	methodReturnAgree: true,
}

type methodKey struct{}

// withMethod marks the TOP method on the request context, and whether it is
// a mutation: the HTTP layer only sees an opaque form body, and retry
// decisions depend on the method.
func withMethod(ctx context.Context, method string) context.Context {
	ctx = context.WithValue(ctx, methodKey{}, method)
	if mutating[method] {
		ctx = httpretry.WithMutating(ctx)
	}
	return ctx
}

func methodFrom(ctx context.Context) string {
	m, _ := ctx.Value(methodKey{}).(string)
	return m
}

// policy is the retry policy for TOP. Reads are retried on network errors,
// 429, 5xx, short rate-limit bans, isp.* answers and code 10. Mutations are
// retried only when TOP certainly did not act: the connection was never
// made, or TOP rejected the call at its rate limiter (which runs before the
// call, so even a mutation can be repeated once the ban is over).
var policy = httpretry.Policy{
	RateLimited:           rateLimitWait,
	Transient:             transient,
	MaxWait:               maxBanWait,
	RateLimitBeforeAction: true,
}

var (
	checkRetry = policy.CheckRetry
	backoff    = policy.Backoff
)

// transient reports whether a read may repeat resp: a 5xx (but 501), or an
// isp.* or code 10 error envelope.
func transient(resp *http.Response) bool {
	switch {
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true
	case resp.StatusCode != http.StatusOK:
		return false
	}
	e := peekError(resp)
	if e == nil {
		return false
	}
	code, _ := strconv.Atoi(e.Code.String())
	return strings.HasPrefix(e.SubCode, "isp.") || code == 10
}

// rateLimitWait reports whether resp is a rate-limit answer (HTTP 429 or a
// TOP call-limit envelope) and how long to wait before the next call.
func rateLimitWait(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return httpretry.RetryAfter(resp, defaultBan), true
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

// peekError returns the TOP error envelope in resp, if any.
func peekError(resp *http.Response) *TopError {
	var env struct {
		Err *TopError `json:"error_response"`
	}
	d := json.NewDecoder(bytes.NewReader(httpretry.Peek(resp)))
	d.UseNumber()
	if d.Decode(&env) != nil {
		return nil
	}
	return env.Err
}
