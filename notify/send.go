package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Sender posts notices. HTTP nil → a client with a 10 s timeout; Now nil → time.Now.
type Sender struct {
	HTTP *http.Client
	Now  func() time.Time
}

var defaultClient = &http.Client{Timeout: 10 * time.Second}

// Send posts once (no retry loop: the caller, a Temporal activity, retries).
// It returns nil on success, or a *DeliveryError. It does not look at
// t.Events: the caller picks the targets with Target.Wants.
func (s *Sender) Send(ctx context.Context, t Target, n Notice) error {
	now, hc := time.Now, defaultClient
	if s != nil && s.Now != nil {
		now = s.Now
	}
	if s != nil && s.HTTP != nil {
		hc = s.HTTP
	}

	req, err := request(ctx, t, n, now())
	if err != nil {
		return t.fail(true, 0, err.Error()) // configuration: the same notice fails again
	}
	resp, err := hc.Do(req)
	if err != nil {
		// *url.Error quotes the URL, which is a credential: keep its cause only.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return t.fail(false, 0, err.Error())
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return t.fail(false, resp.StatusCode, "reading the answer: "+err.Error())
	}
	if failed, permanent, msg := classify(t.Format, resp.StatusCode, raw); failed {
		return t.fail(permanent, resp.StatusCode, msg)
	}
	return nil
}

// DeliveryError is a notice that did not get through. Error() names the
// target and the reason, never the URL (it holds access tokens) nor the secret.
type DeliveryError struct {
	Target    string // Target.Name
	Permanent bool   // sending the same notice again cannot help: fix the target's configuration
	Status    int    // HTTP status; 0 when no answer came
	Msg       string // the vendor's error code and message, or why no answer came
}

func (e *DeliveryError) Error() string {
	kind := "transient"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Status != 0 {
		return fmt.Sprintf("notify %q: HTTP %d: %s (%s)", e.Target, e.Status, e.Msg, kind)
	}
	return fmt.Sprintf("notify %q: %s (%s)", e.Target, e.Msg, kind)
}

// fail builds the DeliveryError, scrubbing msg: a server or a transport
// error may echo the URL or the secret back.
func (t Target) fail(permanent bool, status int, msg string) *DeliveryError {
	return &DeliveryError{Target: t.Name, Permanent: permanent, Status: status, Msg: redact(msg, t)}
}

// classify reads a vendor's answer. DingTalk and WeCom answer HTTP 200 with
// {"errcode":0,"errmsg":"ok"}, any other errcode being a failure; Slack
// and generic receivers speak through the HTTP status.
func classify(format string, status int, body []byte) (failed, permanent bool, msg string) {
	text := truncate(strings.TrimSpace(string(body)), 200)
	if status < 200 || status > 299 {
		if text == "" {
			text = http.StatusText(status)
		}
		return true, !transientStatus(status), text
	}
	var retryable []int // errcodes worth another try
	switch format {
	case "dingtalk":
		retryable = []int{-1, 130101} // system busy; over 20 messages a minute
	case "wecom":
		retryable = []int{-1, 45009} // system busy; over the robot's call limit
	default:
		return false, false, "" // generic and Slack: a 2xx is success
	}
	var ans struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.ErrCode == nil {
		// Not the vendor speaking (a proxy page?): nothing says the message went out.
		return true, false, "unexpected answer: " + text
	}
	if *ans.ErrCode == 0 {
		return false, false, ""
	}
	return true, !slices.Contains(retryable, *ans.ErrCode), fmt.Sprintf("errcode %d: %s", *ans.ErrCode, ans.ErrMsg)
}

// transientStatus reports whether an HTTP failure may pass by itself:
// timeouts, rate limits and server errors. Other 4xx answers (Slack's
// invalid_payload, no_service, channel_not_found…) need a person.
func transientStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooEarly ||
		status == http.StatusTooManyRequests || status >= 500
}

// redact replaces the secret and the credential parts of t.URL (the whole
// URL, its query and query values, its user info, long path segments such
// as Slack's token) in msg, then bounds msg's length. Parts shorter than 4
// bytes are left: replacing them would garble the message, not hide a key.
func redact(msg string, t Target) string {
	parts := []string{t.URL, t.Secret}
	if u, err := url.Parse(t.URL); err == nil {
		parts = append(parts, u.RawQuery, u.User.String())
		for _, vs := range u.Query() {
			for _, v := range vs {
				parts = append(parts, v, url.QueryEscape(v))
			}
		}
		for seg := range strings.SplitSeq(u.Path, "/") {
			if len(seg) >= 16 {
				parts = append(parts, seg)
			}
		}
	}
	// Longest first, so that the whole URL goes before its pieces.
	slices.SortFunc(parts, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, p := range parts {
		if len(p) >= 4 {
			msg = strings.ReplaceAll(msg, p, "[redacted]")
		}
	}
	return truncate(msg, 300)
}
