package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms/taobao"
)

const listMethod = "taobao.refunds.receive.get"

func TestTOPSignMethods(t *testing.T) {
	for _, m := range []string{taobao.SignMD5, taobao.SignHMAC, taobao.SignHMACSHA256} {
		t.Run(m, func(t *testing.T) {
			e := newEnv(t)
			p := e.params(listMethod, map[string]string{"fields": "refund_id"})
			p.Set("sign_method", m)
			ans := e.send(sign(t, p, DefaultTOPAppSecret))
			if _, ok := ans["refunds_receive_get_response"]; !ok {
				t.Fatalf("correctly signed %s call rejected: %v", m, ans)
			}

			p.Set("sign", strings.Repeat("0", len(p.Get("sign"))))
			if code, _ := errCode(e.send(p)); code != 25 {
				t.Fatalf("wrong %s signature: code %d, want 25", m, code)
			}
		})
	}
}

func TestTOPAuthentication(t *testing.T) {
	tests := []struct {
		name   string
		before func(p url.Values) // edits before signing
		after  func(p url.Values) // edits after signing
		secret string             // signing secret, default the app's
		code   int                // 0: accepted
	}{
		{name: "accepted"},
		{name: "sign compared case-insensitively", after: func(p url.Values) { p.Set("sign", strings.ToLower(p.Get("sign"))) }},
		{name: "missing app_key", before: func(p url.Values) { p.Del("app_key") }, code: 28},
		{name: "unknown app_key", before: func(p url.Values) { p.Set("app_key", "nope") }, code: 29},
		{name: "missing sign", after: func(p url.Values) { p.Del("sign") }, code: 25},
		{name: "wrong secret", secret: "other-secret", code: 25},
		{name: "param changed after signing", after: func(p url.Values) { p.Set("fields", "refund_id,status") }, code: 25},
		{name: "unknown sign_method", after: func(p url.Values) { p.Set("sign_method", "sha1") }, code: 25},
		{name: "timestamp 9 min behind", before: func(p url.Values) { p.Set("timestamp", topTime(t0.Add(-9*time.Minute))) }},
		{name: "timestamp 11 min behind", before: func(p url.Values) { p.Set("timestamp", topTime(t0.Add(-11*time.Minute))) }, code: 31},
		{name: "timestamp 11 min ahead", before: func(p url.Values) { p.Set("timestamp", topTime(t0.Add(11*time.Minute))) }, code: 31},
		{name: "timestamp in UTC is 8h off", before: func(p url.Values) { p.Set("timestamp", t0.UTC().Format(topLayout)) }, code: 31},
		{name: "timestamp unparseable", before: func(p url.Values) { p.Set("timestamp", t0.Format(time.RFC3339)) }, code: 31},
		{name: "missing session", before: func(p url.Values) { p.Del("session") }, code: 26},
		{name: "unknown session", before: func(p url.Values) { p.Set("session", "nope") }, code: 27},
		{name: "unknown method", before: func(p url.Values) { p.Set("method", "taobao.trade.get") }, code: 22},
		{name: "missing fields", before: func(p url.Values) { p.Del("fields") }, code: 40},
		{name: "page_size above 100", before: func(p url.Values) { p.Set("page_size", "101") }, code: 41},
		{name: "page_no zero", before: func(p url.Values) { p.Set("page_no", "0") }, code: 41},
		{name: "bad status", before: func(p url.Values) { p.Set("status", "DONE") }, code: 41},
		{name: "bad start_modified", before: func(p url.Values) { p.Set("start_modified", "yesterday") }, code: 41},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.params(listMethod, map[string]string{"fields": "refund_id"})
			if tt.before != nil {
				tt.before(p)
			}
			secret := DefaultTOPAppSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			sign(t, p, secret)
			if tt.after != nil {
				tt.after(p)
			}
			ans := e.send(p)
			code, _ := errCode(ans)
			if code != tt.code {
				t.Fatalf("code %d, want %d: %v", code, tt.code, ans)
			}
			if code != 0 {
				er := ans["error_response"].(map[string]any)
				if getString(er, "msg") == "" || getString(er, "request_id") == "" {
					t.Fatalf("error_response lacks msg or request_id: %v", er)
				}
				if code == 25 && getString(er, "msg") != "Invalid signature" {
					t.Fatalf("msg %q, want Invalid signature", getString(er, "msg"))
				}
			}
			violations := e.sb.Calls().Violations[PlatformTaobao]
			if want := min(tt.code, 1); violations != want {
				t.Fatalf("violations %d, want %d", violations, want)
			}
		})
	}
}

func TestTOPQueryParams(t *testing.T) {
	e := newEnv(t)
	p := sign(t, e.params(listMethod, map[string]string{"fields": "refund_id"}), DefaultTOPAppSecret)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, err := http.NewRequest(method, e.url+"/router/rest?"+p.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ans map[string]any
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := decodeJSON(b, &ans); err != nil {
			t.Fatal(err)
		}
		if _, ok := ans["refunds_receive_get_response"]; !ok {
			t.Fatalf("%s with query params: %v", method, ans)
		}
	}
}

func TestTOPAnswersAlwaysHTTP200(t *testing.T) {
	e := newEnv(t)
	code, body := e.post(url.Values{"method": {listMethod}})
	if code != http.StatusOK || !strings.Contains(string(body), `"error_response"`) {
		t.Fatalf("HTTP %d %s", code, body)
	}
}

func TestTOPSessions(t *testing.T) {
	tests := []struct {
		name     string
		sessions map[string]string
		register *ShopCredentials
		appKey   string
		secret   string
		session  string
		code     int
	}{
		{name: "default session of any shop", session: TOPSessionFor("any-shop")},
		{name: "empty shop in default session", session: TOPSessionFor(""), code: 27},
		{name: "configured session", sessions: map[string]string{"s-1": "shop1"}, session: "s-1"},
		{name: "prefix off once sessions are configured", sessions: map[string]string{"s-1": "shop1"},
			session: TOPSessionFor("shop1"), code: 27},
		{name: "configured app", appKey: "app2", secret: "secret2", session: TOPSessionFor("shop1")},
		{name: "registered app and session",
			register: &ShopCredentials{Platform: "taobao", Shop: "shop9", AppKey: "k9", AppSecret: "s9", Session: "sess9"},
			appKey:   "k9", secret: "s9", session: "sess9"},
		{name: "registered session used by another app",
			register: &ShopCredentials{Platform: "taobao", Shop: "shop9", AppKey: "k9", AppSecret: "s9", Session: "sess9"},
			session:  "sess9", code: 27},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) {
				o.TOPSessions = tt.sessions
				o.TOPApps = map[string]string{"app2": "secret2"}
			})
			if tt.register != nil {
				if code := e.admin("POST", "/_sandbox/shops", tt.register, nil); code != http.StatusOK {
					t.Fatalf("register: HTTP %d", code)
				}
			}
			p := e.params(listMethod, map[string]string{"fields": "refund_id"})
			p.Set("session", tt.session)
			secret := DefaultTOPAppSecret
			if tt.appKey != "" {
				p.Set("app_key", tt.appKey)
				secret = tt.secret
			}
			if code, _ := errCode(e.send(sign(t, p, secret))); code != tt.code {
				t.Fatalf("code %d, want %d", code, tt.code)
			}
		})
	}
}

func TestTOPShopsAreSeparate(t *testing.T) {
	e := newEnv(t)
	e.put("other-shop", refundCase("501", nil))
	ans := e.call("taobao.refund.get", map[string]string{"refund_id": "501", "fields": "refund_id"})
	if _, sub := errCode(ans); sub != "isv.refund-not-exist" {
		t.Fatalf("another shop's refund visible: %v", ans)
	}
	list := e.ok(listMethod, map[string]string{"fields": "refund_id"})
	if getString(list, "total_results") != "0" {
		t.Fatalf("another shop's refund listed: %v", list)
	}
}
