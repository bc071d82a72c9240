package taobao

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// TopError is TOP's error envelope, the value of "error_response". TOP sends
// it with HTTP 200, so every answer must be checked for it.
type TopError struct {
	Code      json.Number `json:"code"`
	Msg       string      `json:"msg"`
	SubCode   string      `json:"sub_code"`
	SubMsg    string      `json:"sub_msg"`
	RequestID string      `json:"request_id"`
}

// defaultBan is the wait assumed when a rate-limit answer does not say how
// long the ban lasts.
const defaultBan = time.Second

// banRe finds N in TOP's "This ban will last for N more seconds".
var banRe = regexp.MustCompile(`last for (\d+) more second`)

// Classify maps a TOP error onto the kinds the workflows act on, following
// TOP's error guide (PLATFORMS.md §1.6): call-limit codes wait, isp.* is the
// server's fault and can be retried, isv.* and argument codes are ours.
// Order matters: call-limit and credential codes win over sub codes.
func Classify(e TopError) *platforms.Error {
	code, _ := strconv.Atoi(e.Code.String())
	sub := e.SubCode
	out := &platforms.Error{Platform: platforms.Taobao, Code: e.Code.String(), Message: e.message()}
	if sub != "" {
		out.Code = sub
	}

	switch {
	case code == 7 || code == 4 || code == 5 || code == 6 || code == 8 ||
		strings.HasPrefix(sub, "accesscontrol.limited-by"):
		out.Kind = platforms.ErrRateLimited
		out.RetryAfter = banDuration(e.SubMsg)
	case code == 25 || code == 26 || code == 27 || code == 28 || code == 29 || code == 11 || code == 12:
		out.Kind = platforms.ErrAuth
	case code == 10:
		out.Kind = platforms.ErrTransient
	case code == 31:
		// Our clock is more than 10 minutes off: a fresh timestamp may pass.
		out.Kind = platforms.ErrTransient
	case sub == "isv.refund-not-exist":
		out.Kind = platforms.ErrNotFound
	case sub == "isv.refund-version-mismatch" || sub == "isv.refund-status-not-support":
		// The case moved or is in a state that forbids the action: a business
		// answer, recorded and escalated rather than retried.
		out.Kind = platforms.ErrRefused
	case strings.HasPrefix(sub, "isp."):
		out.Kind = platforms.ErrTransient
	case strings.HasPrefix(sub, "isv.") || code == 40 || code == 41 || code == 22:
		out.Kind = platforms.ErrInvalid
	default:
		out.Kind = platforms.ErrInvalid
	}
	return out
}

// message keeps TOP's texts and request id (TOP support asks for it).
// TOP error texts name the failing check, never the buyer.
func (e TopError) message() string {
	parts := []string{}
	for _, s := range []string{e.Msg, e.SubMsg} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	m := strings.Join(parts, ": ")
	if e.RequestID != "" {
		m += " (request_id " + e.RequestID + ")"
	}
	return m
}

// banDuration reads the ban length out of a rate-limit sub_msg.
func banDuration(subMsg string) time.Duration {
	m := banRe.FindStringSubmatch(subMsg)
	if m == nil {
		return defaultBan
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	switch {
	case err != nil || n > int64(maxBan/time.Second): // too long to count in a Duration
		return maxBan
	case n <= 0:
		return defaultBan
	}
	return time.Duration(n) * time.Second
}

// maxBan bounds the wait read from a rate-limit answer, so that a huge
// number of seconds cannot overflow time.Duration (into a short or negative
// wait); a longer ban is waited out again after this.
const maxBan = 24 * time.Hour

// topErr builds a classified error of the given kind for failures that are
// not TOP error envelopes (transport, decoding, local validation).
func topErr(kind platforms.ErrorKind, code, msg string) *platforms.Error {
	return &platforms.Error{Kind: kind, Platform: platforms.Taobao, Code: code, Message: msg}
}
