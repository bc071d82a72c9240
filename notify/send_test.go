package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// now is the sending time the tests' Sender reports.
var now = time.Date(2026, 11, 23, 4, 31, 0, 0, time.UTC)

// got is what a test server received.
type got struct {
	mu     sync.Mutex
	url    *url.URL
	header http.Header
	body   []byte
}

// serve starts a webhook on 127.0.0.1 that records the request and answers
// status and answer; answer may use the request (to echo it back).
func serve(t *testing.T, status int, answer func(*http.Request) string) (*httptest.Server, *got) {
	t.Helper()
	g := &got{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.url, g.header, g.body = r.URL, r.Header, body
		g.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, answer(r))
	}))
	t.Cleanup(srv.Close)
	return srv, g
}

func fixed(s string) func(*http.Request) string { return func(*http.Request) string { return s } }

func sender(srv *httptest.Server) *Sender {
	return &Sender{HTTP: srv.Client(), Now: func() time.Time { return now }}
}

// decode unmarshals the body the server got into a generic map, so that the
// test checks the wire shape, not our own structs.
func decode(t *testing.T, g *got) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(g.body, &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, g.body)
	}
	return m
}

// field walks nested objects: field(m, "markdown", "title").
func field(t *testing.T, m map[string]any, path ...string) any {
	t.Helper()
	var v any = m
	for _, k := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v: not an object at %q", path, k)
		}
		v = obj[k]
	}
	return v
}

func TestGenericBodyAndSignature(t *testing.T) {
	srv, g := serve(t, http.StatusNoContent, fixed(""))
	tg := Target{Name: "ops", URL: srv.URL + "/hook", Secret: "generic-secret"}
	if err := sender(srv).Send(context.Background(), tg, sample()); err != nil {
		t.Fatal(err)
	}
	m := decode(t, g)
	title, _ := Text(sample())
	for k, want := range map[string]any{
		"event": "escalated", "workflow_id": "case/taobao/shop-a/123", "platform": "taobao",
		"shop": "shop-a", "case_id": "123", "kind": "refund", "status": "waiting_seller",
		"platform_status": "WAIT_SELLER_AGREE", "amount": 12000.0, "currency": "CNY",
		"deadline": "2026-11-23T18:00:00+08:00", "rule": "big-ticket", "reason": "amount over 100.00 CNY",
		"on_deadline": "agree", "at": "2026-11-23T12:30:00+08:00",
		"inbox_url": "https://inbox.example/cases/taobao/shop-a/123", "text": title,
	} {
		if m[k] != want {
			t.Errorf("%s = %#v, want %#v", k, m[k], want)
		}
	}
	if ct := g.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	// The receiver's check, written out independently of the package.
	mac := hmac.New(sha256.New, []byte("generic-secret"))
	mac.Write(g.body)
	if sig, want := g.header.Get("X-Aftersale-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); sig != want {
		t.Errorf("signature = %q, want %q", sig, want)
	}
}

func TestGenericWithoutSecretOrDeadline(t *testing.T) {
	srv, g := serve(t, http.StatusOK, fixed("ok"))
	n := sample()
	n.Deadline, n.Kind = time.Time{}, ""
	if err := sender(srv).Send(context.Background(), Target{Name: "ops", URL: srv.URL, Format: "generic"}, n); err != nil {
		t.Fatal(err)
	}
	if h := g.header.Get("X-Aftersale-Signature"); h != "" {
		t.Errorf("unsigned target sent a signature %q", h)
	}
	m := decode(t, g)
	for _, k := range []string{"deadline", "kind"} {
		if _, ok := m[k]; ok {
			t.Errorf("empty %s is in the body: %s", k, g.body)
		}
	}
}

func TestDingTalkBodyAndSigning(t *testing.T) {
	const secret = "SEC0123456789abcdef0123456789abcdef"
	srv, g := serve(t, http.StatusOK, fixed(`{"errcode":0,"errmsg":"ok"}`))
	tg := Target{Name: "ding", Format: "dingtalk", URL: srv.URL + "/robot/send?access_token=tok123", Secret: secret}
	if err := sender(srv).Send(context.Background(), tg, sample()); err != nil {
		t.Fatal(err)
	}

	m := decode(t, g)
	title, _ := Text(sample())
	if v := field(t, m, "msgtype"); v != "markdown" {
		t.Errorf("msgtype = %v", v)
	}
	if v := field(t, m, "markdown", "title"); v != title {
		t.Errorf("markdown.title = %v, want %q", v, title)
	}
	text, _ := field(t, m, "markdown", "text").(string)
	for _, s := range []string{title, "Reason: amount over 100.00 CNY", "[Open in the escalation inbox](https://inbox.example/cases/taobao/shop-a/123)"} {
		if !strings.Contains(text, s) {
			t.Errorf("markdown.text lacks %q:\n%s", s, text)
		}
	}

	// The signature, recomputed the way DingTalk's documentation shows it.
	q := g.url.Query()
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	wantSign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if q.Get("access_token") != "tok123" || q.Get("timestamp") != ts || q.Get("sign") != wantSign {
		t.Errorf("query = %v, want access_token=tok123 timestamp=%s sign=%s", q, ts, wantSign)
	}
	// On the wire the sign is url-encoded: a raw + would read as a space.
	if !strings.Contains(g.url.RawQuery, "sign="+url.QueryEscape(wantSign)) {
		t.Errorf("raw query %q lacks the url-encoded sign", g.url.RawQuery)
	}
}

func TestDingTalkUnsigned(t *testing.T) {
	srv, g := serve(t, http.StatusOK, fixed(`{"errcode":0,"errmsg":"ok"}`))
	tg := Target{Name: "ding", Format: "dingtalk", URL: srv.URL + "/robot/send?access_token=tok123"}
	if err := sender(srv).Send(context.Background(), tg, sample()); err != nil {
		t.Fatal(err)
	}
	if q := g.url.Query(); q.Has("sign") || q.Has("timestamp") || q.Get("access_token") != "tok123" {
		t.Errorf("query = %v, want only the access_token", q)
	}
}

func TestWeComBody(t *testing.T) {
	srv, g := serve(t, http.StatusOK, fixed(`{"errcode":0,"errmsg":"ok"}`))
	tg := Target{Name: "wx", Format: "wecom", URL: srv.URL + "/cgi-bin/webhook/send?key=k-123"}
	if err := sender(srv).Send(context.Background(), tg, sample()); err != nil {
		t.Fatal(err)
	}
	m := decode(t, g)
	title, _ := Text(sample())
	if v := field(t, m, "msgtype"); v != "markdown" {
		t.Errorf("msgtype = %v", v)
	}
	content, _ := field(t, m, "markdown", "content").(string)
	for _, s := range []string{"**" + title + "**", "Status: waiting_seller", "[Open in the escalation inbox](https://inbox.example/cases/taobao/shop-a/123)"} {
		if !strings.Contains(content, s) {
			t.Errorf("markdown.content lacks %q:\n%s", s, content)
		}
	}
	if g.url.Query().Get("key") != "k-123" {
		t.Errorf("key lost: %v", g.url.Query())
	}
}

func TestWeComContentLimit(t *testing.T) {
	srv, g := serve(t, http.StatusOK, fixed(`{"errcode":0,"errmsg":"ok"}`))
	n := sample()
	n.Reason = strings.Repeat("很长的原因", 500) // 7500 bytes
	if err := sender(srv).Send(context.Background(), Target{Name: "wx", Format: "wecom", URL: srv.URL}, n); err != nil {
		t.Fatal(err)
	}
	content, _ := field(t, decode(t, g), "markdown", "content").(string)
	if len(content) > 4096 || !strings.HasSuffix(content, "(https://inbox.example/cases/taobao/shop-a/123)") {
		t.Errorf("content: %d bytes, ends %q", len(content), content[max(len(content)-60, 0):])
	}
}

func TestSlackBodyAndEscaping(t *testing.T) {
	srv, g := serve(t, http.StatusOK, fixed("ok"))
	n := sample()
	n.Shop = "a&b"
	n.Reason = "refund > 100 <!channel> & photos"
	n.InboxURL = "https://inbox.example/c?x=1&y=2"
	if err := sender(srv).Send(context.Background(), Target{Name: "slack", Format: "slack", URL: srv.URL}, n); err != nil {
		t.Fatal(err)
	}
	m := decode(t, g)
	if v, want := field(t, m, "text"), "Escalated: taobao/a&amp;b/123 · 120.00 CNY"; v != want {
		t.Errorf("text = %v, want %q", v, want)
	}
	blocks, _ := m["blocks"].([]any)
	if len(blocks) != 1 {
		t.Fatalf("blocks = %v", m["blocks"])
	}
	b, _ := blocks[0].(map[string]any)
	if field(t, b, "type") != "section" || field(t, b, "text", "type") != "mrkdwn" {
		t.Errorf("block = %v, want a mrkdwn section", b)
	}
	text, _ := field(t, b, "text", "text").(string)
	for _, s := range []string{
		"*Escalated: taobao/a&amp;b/123 · 120.00 CNY*",
		"Reason: refund &gt; 100 &lt;!channel&gt; &amp; photos",
		"<https://inbox.example/c?x=1&amp;y=2|Open in the escalation inbox>",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("section lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "<!channel>") {
		t.Errorf("unescaped mention reached Slack:\n%s", text)
	}
}

func TestClassification(t *testing.T) {
	tests := []struct {
		name, format string
		status       int
		answer       string
		wantErr      bool
		permanent    bool
		msg          string // part of the DeliveryError's Msg
	}{
		{"generic 200", "generic", 200, "", false, false, ""},
		{"generic 202", "", 202, "", false, false, ""},
		{"generic 400", "", 400, "bad body", true, true, "bad body"},
		{"generic 404", "", 404, "", true, true, "Not Found"},
		{"generic 408", "", 408, "", true, false, ""},
		{"generic 429", "", 429, "slow down", true, false, "slow down"},
		{"generic 500", "", 500, "", true, false, ""},
		{"generic 503", "", 503, "", true, false, ""},

		{"dingtalk ok", "dingtalk", 200, `{"errcode":0,"errmsg":"ok"}`, false, false, ""},
		{"dingtalk too fast", "dingtalk", 200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`, true, false, "errcode 130101: send too fast"},
		{"dingtalk busy", "dingtalk", 200, `{"errcode":-1,"errmsg":"系统繁忙"}`, true, false, "errcode -1"},
		{"dingtalk bad sign", "dingtalk", 200, `{"errcode":310000,"errmsg":"sign not match"}`, true, true, "errcode 310000: sign not match"},
		{"dingtalk keyword", "dingtalk", 200, `{"errcode":310000,"errmsg":"keywords not in content"}`, true, true, "keywords"},
		{"dingtalk bad token", "dingtalk", 200, `{"errcode":300005,"errmsg":"token is not exist"}`, true, true, "300005"},
		{"dingtalk not json", "dingtalk", 200, `<html>gateway</html>`, true, false, "unexpected answer"},
		{"dingtalk no errcode", "dingtalk", 200, `{}`, true, false, "unexpected answer"},
		{"dingtalk 502", "dingtalk", 502, ``, true, false, ""},

		{"wecom ok", "wecom", 200, `{"errcode":0,"errmsg":"ok"}`, false, false, ""},
		{"wecom rate", "wecom", 200, `{"errcode":45009,"errmsg":"api freq out of limit"}`, true, false, "errcode 45009"},
		{"wecom busy", "wecom", 200, `{"errcode":-1,"errmsg":"system busy"}`, true, false, "errcode -1"},
		{"wecom bad key", "wecom", 200, `{"errcode":93000,"errmsg":"invalid webhook url"}`, true, true, "errcode 93000"},
		{"wecom 500", "wecom", 500, ``, true, false, ""},

		{"slack ok", "slack", 200, "ok", false, false, ""},
		{"slack rate", "slack", 429, "rate_limited", true, false, "rate_limited"},
		{"slack invalid_payload", "slack", 400, "invalid_payload", true, true, "invalid_payload"},
		{"slack invalid_token", "slack", 403, "invalid_token", true, true, "invalid_token"},
		{"slack no_service", "slack", 404, "no_service", true, true, "no_service"},
		{"slack archived", "slack", 410, "channel_is_archived", true, true, "channel_is_archived"},
		{"slack rollup_error", "slack", 500, "rollup_error", true, false, "rollup_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.status, fixed(tt.answer))
			err := sender(srv).Send(context.Background(), Target{Name: "t1", Format: tt.format, URL: srv.URL}, sample())
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Send = %v, want nil", err)
				}
				return
			}
			de, ok := errors.AsType[*DeliveryError](err)
			if !ok {
				t.Fatalf("Send = %v (%T), want a *DeliveryError", err, err)
			}
			if de.Permanent != tt.permanent || de.Status != tt.status || de.Target != "t1" || !strings.Contains(de.Msg, tt.msg) {
				t.Errorf("got %+v, want Permanent=%v Status=%d Msg containing %q", *de, tt.permanent, tt.status, tt.msg)
			}
		})
	}
}

// TestErrorsHideCredentials makes servers and transports echo everything
// back, and checks that no error string carries the URL's token or the secret.
func TestErrorsHideCredentials(t *testing.T) {
	const token, secret = "TOKEN0123456789abcdef", "SECsigning0123456789"
	const slackPath = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
	echo := func(r *http.Request) string { return "you sent " + r.URL.String() + " " + secret }

	// A server that is gone, so that the transport error is the one reported.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()

	tests := []struct {
		name   string
		target func(base string) Target
		status int
		answer func(*http.Request) string
		hidden []string
		perm   bool
	}{
		{name: "generic error body echoes the URL", status: 400, answer: echo,
			target: func(b string) Target {
				return Target{Name: "g", URL: b + "/hook?token=" + token, Secret: secret}
			}, hidden: []string{token, secret}, perm: true},
		{name: "dingtalk errmsg echoes the URL", status: 200,
			answer: func(r *http.Request) string {
				m, _ := json.Marshal(r.URL.String() + " " + secret)
				return `{"errcode":310000,"errmsg":` + string(m) + `}`
			},
			target: func(b string) Target {
				return Target{Name: "d", Format: "dingtalk", URL: b + "/robot/send?access_token=" + token, Secret: secret}
			}, hidden: []string{token, secret}, perm: true},
		{name: "slack token in the path", status: 404, answer: func(r *http.Request) string { return "no_service " + r.URL.Path },
			target: func(b string) Target { return Target{Name: "s", Format: "slack", URL: b + slackPath} },
			hidden: []string{"XXXXXXXXXXXXXXXXXXXXXXXX"}, perm: true},
		{name: "transport error", target: func(string) Target {
			return Target{Name: "w", Format: "wecom", URL: gone.URL + "/cgi-bin/webhook/send?key=" + token}
		}, hidden: []string{token}},
		{name: "URL that does not parse", target: func(string) Target {
			return Target{Name: "b", URL: "http://[::1:bad/?access_token=" + token}
		}, hidden: []string{token}, perm: true},
		{name: "unknown format", target: func(b string) Target {
			return Target{Name: "u", Format: "teams", URL: b + "/?access_token=" + token, Secret: secret}
		}, hidden: []string{token, secret}, perm: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := "http://127.0.0.1:1"
			s := &Sender{Now: func() time.Time { return now }}
			if tt.answer != nil {
				srv, _ := serve(t, tt.status, tt.answer)
				base, s.HTTP = srv.URL, srv.Client()
			}
			err := s.Send(context.Background(), tt.target(base), sample())
			de, ok := errors.AsType[*DeliveryError](err)
			if !ok {
				t.Fatalf("Send = %v, want a *DeliveryError", err)
			}
			if de.Permanent != tt.perm {
				t.Errorf("Permanent = %v, want %v (%v)", de.Permanent, tt.perm, err)
			}
			for _, h := range tt.hidden {
				if strings.Contains(err.Error(), h) || strings.Contains(de.Msg, h) {
					t.Errorf("error reveals %q: %v", h, err)
				}
			}
		})
	}
}

func TestRequestUsesContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv, _ := serve(t, 200, fixed("ok"))
	err := sender(srv).Send(ctx, Target{Name: "c", URL: srv.URL}, sample())
	if de, ok := errors.AsType[*DeliveryError](err); !ok || de.Permanent || !strings.Contains(de.Msg, "context canceled") {
		t.Errorf("Send with a cancelled context = %v, want a transient DeliveryError", err)
	}
}
