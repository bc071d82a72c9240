package xportcn

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Envelope is every Xportcn answer: {requestId, code, developId, msg, data},
// code 200 meaning success (PandaPon development manual, PLATFORMS.md §2.2).
// Errors come inside it, typically with HTTP 200.
type Envelope struct {
	RequestID text            `json:"requestId"`
	Code      json.Number     `json:"code"`
	DevelopID text            `json:"developId"`
	Msg       string          `json:"msg"`
	Data      json.RawMessage `json:"data"`
}

// codeOK is the envelope code of success.
const codeOK = "200"

// defaultRateWait is the wait assumed after a rate-limit answer: Xportcn
// documents no limit and no ban length (UNCONFIRMED).
const defaultRateWait = time.Second

// Classify maps an error envelope onto the kinds the workflows act on. The
// error-code page was not retrieved (UNCONFIRMED), so this is conservative:
// HTTP-like codes and auth- or rate-looking messages are read the obvious way,
// and everything else is "invalid" (never retried; the workflow escalates
// with the message). Order matters: auth wins over rate, rate over 5xx.
//
//	401, 403, or msg about signature/key/permission/timestamp → auth
//	429, or msg about limits/frequency                        → rate_limited
//	500..599                                                   → transient
//	anything else                                              → invalid
func Classify(e Envelope) *platforms.Error {
	code := e.Code.String()
	n, _ := e.Code.Int64()
	msg := strings.ToLower(e.Msg)
	out := &platforms.Error{Platform: platforms.Xportcn, Code: code, Message: e.message()}
	switch {
	case n == 401 || n == 403 || authRe.MatchString(msg):
		out.Kind = platforms.ErrAuth
	case n == 429 || rateRe.MatchString(msg):
		out.Kind = platforms.ErrRateLimited
		out.RetryAfter = defaultRateWait
	case n >= 500 && n <= 599:
		out.Kind = platforms.ErrTransient
	default:
		out.Kind = platforms.ErrInvalid
	}
	return out
}

// authRe marks a failure of our credentials or signature ("sign" as a word
// start, so "assigned" does not count). A stale timestamp is one too: our
// clock is off, and retrying cannot fix it.
var authRe = regexp.MustCompile(`\b(sign|access[- ]?key|secret|unauthori[sz]ed|forbidden|permission|timestamp|nonce)|签名|密钥|权限|鉴权|认证|时间戳`)

// rateRe marks a rate-limit answer.
var rateRe = regexp.MustCompile(`rate.?limit|too many|frequent|频繁|限流`)

// message keeps Xportcn's text and request id (their support asks for it).
func (e Envelope) message() string {
	m := e.Msg
	if e.RequestID != "" {
		m += " (requestId " + string(e.RequestID) + ")"
	}
	return m
}

// xpErr builds a classified error for failures that are not error
// envelopes (transport, decoding, local validation).
func xpErr(kind platforms.ErrorKind, code, msg string) *platforms.Error {
	return &platforms.Error{Kind: kind, Platform: platforms.Xportcn, Code: code, Message: msg}
}
