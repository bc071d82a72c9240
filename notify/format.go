package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// signatureHeader carries the generic format's body signature.
const signatureHeader = "X-Aftersale-Signature"

// inboxLabel is the text of the inbox link in the chat formats.
const inboxLabel = "Open in the escalation inbox"

// Request builds the HTTP request for a target (URL may change: DingTalk
// signing adds query params). now is the signing time: DingTalk rejects a
// timestamp more than an hour off, so a retry must build a new request.
func Request(ctx context.Context, t Target, n Notice, now time.Time) (*http.Request, error) {
	req, err := request(ctx, t, n, now)
	if err != nil {
		return nil, fmt.Errorf("notify: target %q: %w", t.Name, err)
	}
	return req, nil
}

// request is Request with errors that do not name the target, for Send,
// whose DeliveryError names it.
func request(ctx context.Context, t Target, n Notice, now time.Time) (*http.Request, error) {
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Not err itself: url.Parse quotes the URL, and the URL is a credential.
		return nil, errors.New("URL is not an absolute http(s) URL")
	}

	header := http.Header{}
	var body []byte
	switch t.Format {
	case "", "generic":
		body, err = genericBody(n)
		if err == nil && t.Secret != "" {
			header.Set(signatureHeader, "sha256="+hex.EncodeToString(hmacSHA256(t.Secret, body)))
		}
	case "dingtalk":
		body, err = dingtalkBody(n)
		if t.Secret != "" {
			q := u.Query()
			q.Set("timestamp", strconv.FormatInt(now.UnixMilli(), 10))
			q.Set("sign", dingtalkSign(t.Secret, now))
			u.RawQuery = q.Encode() // url-encodes sign's +, / and =
		}
	case "wecom":
		body, err = wecomBody(n)
	case "slack":
		body, err = slackBody(n)
	default:
		return nil, fmt.Errorf("unknown format %q", t.Format)
	}
	if err != nil {
		return nil, err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("cannot build the request") // err may quote the URL
	}
	header.Set("Content-Type", "application/json; charset=utf-8")
	header.Set("User-Agent", "aftersale-notify")
	req.Header = header
	return req, nil
}

// genericBody is the Notice itself plus "text", the title: receivers get
// every field typed, and a plain-text line if all they do is show it.
func genericBody(n Notice) ([]byte, error) {
	title, _ := Text(n)
	return json.Marshal(struct {
		Notice
		Text string `json:"text"`
	}{n, title})
}

// dingtalkBody is a DingTalk custom robot markdown message:
// {"msgtype":"markdown","markdown":{"title":…,"text":…}}. The title is what
// the chat list previews. DingTalk's markdown needs a blank line between
// lines to keep them apart.
//
// Body, signing and limits (20 messages a minute, errcode 130101 "send too
// fast, exceed 20 times per minute"; errcode 310000 for a failed keyword,
// signature or IP check):
// https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages
// https://open.dingtalk.com/document/robots/custom-robot-access
func dingtalkBody(n Notice) ([]byte, error) {
	title, lines, link := message(n)
	text := "#### " + title + "\n\n" + strings.Join(lines, "\n\n")
	if link != "" {
		text += "\n\n[" + inboxLabel + "](" + link + ")"
	}
	type markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	return json.Marshal(struct {
		MsgType  string   `json:"msgtype"`
		Markdown markdown `json:"markdown"`
	}{"markdown", markdown{title, text}})
}

// dingtalkSign is DingTalk's "加签": base64(HMAC-SHA256(key: secret,
// message: timestamp in ms + "\n" + secret)). The caller url-encodes it.
// https://open.dingtalk.com/document/robots/custom-robot-access
func dingtalkSign(secret string, now time.Time) string {
	msg := strconv.FormatInt(now.UnixMilli(), 10) + "\n" + secret
	return base64.StdEncoding.EncodeToString(hmacSHA256(secret, []byte(msg)))
}

// wecomMaxContent is WeCom's limit on markdown.content, in bytes.
const wecomMaxContent = 4096

// wecomBody is a WeCom group robot markdown message:
// {"msgtype":"markdown","markdown":{"content":…}}, content at most 4096
// bytes of UTF-8. The robot may send 20 messages a minute; over it the
// answer is errcode 45009.
// https://developer.work.weixin.qq.com/document/path/91770
// https://developer.work.weixin.qq.com/document/path/90313 (global error
// codes: -1 system busy, 45009 over the call limit)
func wecomBody(n Notice) ([]byte, error) {
	title, lines, link := message(n)
	tail := ""
	if link != "" {
		tail = "\n[" + inboxLabel + "](" + link + ")"
	}
	// Cut the lines, never the link: the link is what the reader acts on.
	content := truncate("**"+title+"**\n"+strings.Join(lines, "\n"), wecomMaxContent-len(tail)) + tail
	type markdown struct {
		Content string `json:"content"`
	}
	return json.Marshal(struct {
		MsgType  string   `json:"msgtype"`
		Markdown markdown `json:"markdown"`
	}{"markdown", markdown{content}})
}

// slackMaxSection is Slack's limit on a section block's text, in characters
// (counted here in bytes, which is stricter).
const slackMaxSection = 3000

// slackBody is a Slack incoming webhook message: "text" (the notification
// and fallback line) and one section block in mrkdwn. &, < and > are
// Slack's control characters (<!channel> would ping everyone), so every
// value is escaped.
// https://api.slack.com/messaging/webhooks
// https://docs.slack.dev/messaging/formatting-message-text (escaping)
// https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks (errors)
func slackBody(n Notice) ([]byte, error) {
	title, lines, link := message(n)
	for i := range lines {
		lines[i] = slackEscape(lines[i])
	}
	tail := ""
	if link != "" {
		tail = "\n<" + slackEscape(link) + "|" + inboxLabel + ">"
	}
	text := truncate("*"+slackEscape(title)+"*\n"+strings.Join(lines, "\n"), slackMaxSection-len(tail)) + tail
	type textObject struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type string     `json:"type"`
		Text textObject `json:"text"`
	}
	return json.Marshal(struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks"`
	}{slackEscape(title), []block{{"section", textObject{"mrkdwn", text}}}})
}

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackEscape(s string) string { return slackEscaper.Replace(s) }

func hmacSHA256(key string, msg []byte) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(msg)
	return m.Sum(nil)
}

// truncate cuts s to at most limit bytes, on a rune boundary, marking the cut.
func truncate(s string, limit int) string {
	const mark = "…"
	if len(s) <= limit {
		return s
	}
	cut := max(limit-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
