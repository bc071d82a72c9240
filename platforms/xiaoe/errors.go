package xiaoe

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Envelope is every Xiaoe answer: {code, msg, data}, HTTP 200 even for
// errors. code 0 is success; anything else is an error.
type Envelope struct {
	Code json.Number     `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// Xiaoe publishes no global error-code table (PLATFORMS.md §3.4). The codes
// below are the ones this client and the sandbox agree on. Only 2001 is
// documented (token endpoint, official wiki); 2017 and 2051 come from
// third-party material [3P]; the rest are UNCONFIRMED conventions. Token and
// rate-limit problems are also recognised by their message text, so a real
// code we have not seen still gets the right treatment.
const (
	CodeOK            = 0
	CodeBusy          = -1   // 系统繁忙: retry later [UNCONFIRMED]
	CodeBadSecret     = 2001 // invalid secret_key (token endpoint) [OK]
	CodeBadParam      = 2002 // missing or invalid parameter [UNCONFIRMED]
	CodeTokenInvalid  = 2008 // access_token invalid or expired [UNCONFIRMED]
	CodeNoPermission  = 2017 // API not granted to the app [3P]
	CodeRateLimited   = 2029 // too many requests (300/min, 100/10 s, token 100/10 min) [UNCONFIRMED]
	CodeIPNotAllowed  = 2051 // caller IP not whitelisted [3P]
	CodeNotFound      = 2404 // after-sale application or order not found [UNCONFIRMED]
	CodeStateConflict = 2409 // state or amount forbids the operation [UNCONFIRMED]
)

// codeKinds maps the known codes; any other non-zero code is ErrInvalid
// (non-retryable): escalating is safer than retrying something we do not
// understand.
var codeKinds = map[int]platforms.ErrorKind{
	CodeBusy:          platforms.ErrTransient,
	CodeBadSecret:     platforms.ErrAuth,
	CodeBadParam:      platforms.ErrInvalid,
	CodeTokenInvalid:  platforms.ErrAuth, // after one re-fetch of the token
	CodeNoPermission:  platforms.ErrAuth,
	CodeRateLimited:   platforms.ErrRateLimited,
	CodeIPNotAllowed:  platforms.ErrAuth,
	CodeNotFound:      platforms.ErrNotFound,
	CodeStateConflict: platforms.ErrRefused,
}

// defaultRetryAfter is the wait assumed on a rate-limit answer: Xiaoe does
// not say how long. The API budgets refill at 5 to 10 calls a second.
const defaultRetryAfter = time.Second

// code returns the envelope's code as an int; a missing or non-integer code
// is reported as not ok.
func (e Envelope) code() (int, bool) {
	n, err := strconv.Atoi(e.Code.String())
	return n, err == nil
}

// tokenRejected reports whether the answer says our access_token is bad or
// expired: the client fetches a new token once and repeats the call.
func (e Envelope) tokenRejected() bool {
	if n, ok := e.code(); ok && n == CodeTokenInvalid {
		return true
	}
	m := strings.ToLower(e.Msg)
	return strings.Contains(m, "token") &&
		(strings.Contains(m, "过期") || strings.Contains(m, "无效") || strings.Contains(m, "失效") ||
			strings.Contains(m, "expired") || strings.Contains(m, "invalid"))
}

// Classify maps an error envelope (code != 0) onto the kinds the workflows
// act on. The message is Xiaoe's; it names the failing check, not a buyer.
func Classify(endpoint string, e Envelope) *platforms.Error {
	out := &platforms.Error{Platform: platforms.Xiaoe, Code: e.Code.String(), Message: endpoint + ": " + e.Msg}
	n, _ := e.code()
	kind, known := codeKinds[n]
	switch {
	case known:
		out.Kind = kind
	case e.tokenRejected():
		out.Kind = platforms.ErrAuth
	case rateLimitText(e.Msg):
		out.Kind = platforms.ErrRateLimited
	default:
		out.Kind = platforms.ErrInvalid
	}
	if out.Kind == platforms.ErrRateLimited {
		out.RetryAfter = defaultRetryAfter
	}
	return out
}

func rateLimitText(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "频繁") || strings.Contains(m, "限流") ||
		strings.Contains(m, "rate limit") || strings.Contains(m, "too many")
}

// xeErr builds a classified error for failures that are not Xiaoe envelopes
// (transport, decoding, local validation).
func xeErr(kind platforms.ErrorKind, code, msg string) *platforms.Error {
	return &platforms.Error{Kind: kind, Platform: platforms.Xiaoe, Code: code, Message: msg}
}

// tokenError marks an answer that rejected our access_token, so that the
// caller fetches a new one and repeats the call once.
type tokenError struct{ err *platforms.Error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }
