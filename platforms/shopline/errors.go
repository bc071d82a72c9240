package shopline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale/platforms"
)

// defaultRateWait is the wait assumed after a 429 without Retry-After:
// SHOPLINE's bucket drains 4 requests a second, so a quarter second frees
// one; a full second leaves room for other workers on the same store.
const defaultRateWait = time.Second

// Classify maps a SHOPLINE HTTP answer that is not a success onto the kinds
// the workflows act on (PLATFORMS.md §4.4, "HTTP status code" page):
//
//	401            auth: token missing or expired. Refreshing it is OAuth,
//	               outside this client: the case escalates.
//	402, 423       refused: store frozen or locked; a person must act.
//	404            not_found
//	400, 403, 412, 422 and other 4xx
//	               invalid: our request is wrong (or the content is blocked)
//	429            rate_limited, with Retry-After when sent (none documented)
//	433, 434, 5xx  transient: security throttling or server trouble
//	435, 436       refused: security blocks the docs only say to "wait" on,
//	               with no bound; a person looks rather than retrying blindly.
//
// body is the answer's body ({"errors": "..."}); traceID its traceId header,
// kept in the message because SHOPLINE support asks for it.
func Classify(status int, body []byte, traceID string) *platforms.Error {
	e := &platforms.Error{
		Platform: platforms.Shopline,
		Code:     "http_" + strconv.Itoa(status),
		Message:  errorText(status, body, traceID),
	}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind = platforms.ErrAuth
		e.Message += ": the access token is missing or expired; renew it (OAuth) and retry"
	case status == http.StatusPaymentRequired || status == http.StatusLocked:
		e.Kind = platforms.ErrRefused
	case status == http.StatusNotFound:
		e.Kind = platforms.ErrNotFound
	case status == http.StatusTooManyRequests:
		e.Kind = platforms.ErrRateLimited
		e.RetryAfter = defaultRateWait
	case status == 433 || status == 434 || status >= 500:
		e.Kind = platforms.ErrTransient
	case status == 435 || status == 436:
		e.Kind = platforms.ErrRefused
	case status >= 400:
		e.Kind = platforms.ErrInvalid
	default:
		e.Kind = platforms.ErrMalformed
	}
	return e
}

// errorText reads SHOPLINE's {"errors": ...} envelope: usually a string,
// sometimes (as in other Shopify-like APIs) an object or a list.
func errorText(status int, body []byte, traceID string) string {
	msg := http.StatusText(status)
	var env struct {
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Errors) > 0 && !bytes.Equal(env.Errors, []byte("null")) {
		var s string
		if json.Unmarshal(env.Errors, &s) == nil {
			msg = s
		} else {
			msg = string(env.Errors)
		}
	}
	msg = fmt.Sprintf("HTTP %d %s", status, truncate(strings.TrimSpace(msg), 300))
	if traceID != "" {
		msg += " (traceId " + traceID + ")"
	}
	return msg
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) { // never cut a character in two
		n--
	}
	return s[:n] + "…"
}

// slErr builds a classified error for failures that are not SHOPLINE
// answers (transport, decoding, local validation).
func slErr(kind platforms.ErrorKind, code, msg string) *platforms.Error {
	return &platforms.Error{Kind: kind, Platform: platforms.Shopline, Code: code, Message: msg}
}
