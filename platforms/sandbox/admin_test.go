package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestAdminPutCase(t *testing.T) {
	tests := []struct {
		name string
		body any
		code int
	}{
		{"minimal case gets defaults", map[string]any{"platform": "taobao", "shop": "s1",
			"case": json.RawMessage(`{"refund_id":2026112300000000123,"refund_fee":"12.00"}`)}, http.StatusOK},
		{"id as a string", map[string]any{"platform": "taobao", "shop": "s1",
			"case": map[string]any{"refund_id": "2026112300000000123"}}, http.StatusOK},
		{"missing refund_id", map[string]any{"platform": "taobao", "shop": "s1", "case": map[string]any{"status": "CLOSED"}},
			http.StatusBadRequest},
		{"case not an object", map[string]any{"platform": "taobao", "shop": "s1", "case": []int{1}}, http.StatusBadRequest},
		{"missing case", map[string]any{"platform": "taobao", "shop": "s1"}, http.StatusBadRequest},
		{"unknown platform", map[string]any{"platform": "ebay", "shop": "s1", "case": map[string]any{"refund_id": "1"}},
			http.StatusBadRequest},
		{"missing shop", map[string]any{"platform": "taobao", "case": map[string]any{"refund_id": "1"}}, http.StatusBadRequest},
		{"bad modified", map[string]any{"platform": "taobao", "shop": "s1",
			"case": map[string]any{"refund_id": "1", "modified": "2026-11-23T10:00:00Z"}}, http.StatusBadRequest},
		{"bad refund_fee", map[string]any{"platform": "taobao", "shop": "s1",
			"case": map[string]any{"refund_id": "1", "refund_fee": "12,00"}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got StoredCase
			code := e.admin("POST", "/_sandbox/cases", tt.body, &got)
			if code != tt.code {
				t.Fatalf("HTTP %d, want %d", code, tt.code)
			}
			if code != http.StatusOK {
				return
			}
			c := got.Case
			if getString(c, "refund_id") != "2026112300000000123" {
				t.Fatalf("refund_id %s", getString(c, "refund_id"))
			}
			if getString(c, "status") != topWaitSellerAgree || getString(c, "modified") != topTime(t0) ||
				getString(c, "created") != topTime(t0) || getString(c, "refund_version") != "1795399200000" {
				t.Fatalf("defaults not filled: %v", c)
			}
		})
	}
}

func TestAdminListCases(t *testing.T) {
	e := newEnv(t)
	e.put("s1", refundCase("2026112300000000002", nil))
	e.put("s1", refundCase("2026112300000000001", nil))
	e.put("s2", refundCase("9", nil))
	e.put("s1", refundCase("2026112300000000001", map[string]any{"title": "replaced"}))

	tests := []struct {
		query string
		want  []string // shop/refund_id
	}{
		{"", []string{"s1/2026112300000000001", "s1/2026112300000000002", "s2/9"}},
		{"?platform=taobao&shop=s1", []string{"s1/2026112300000000001", "s1/2026112300000000002"}},
		{"?shop=s2", []string{"s2/9"}},
		{"?platform=xiaoe", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got []StoredCase
			if code := e.admin("GET", "/_sandbox/cases"+tt.query, nil, &got); code != http.StatusOK {
				t.Fatalf("HTTP %d", code)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d cases, want %d", len(got), len(tt.want))
			}
			for i, c := range got {
				if key := c.Shop + "/" + getString(c.Case, "refund_id"); key != tt.want[i] || c.Platform != "taobao" {
					t.Fatalf("case %d is %s/%s, want %s", i, c.Platform, key, tt.want[i])
				}
			}
		})
	}
	if got := e.sb.Cases("taobao", "s1")[0].Case["title"]; got != "replaced" {
		t.Fatalf("case not replaced: title %v", got)
	}
}

func TestAdminReadAppliesExpiry(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", nil))
	e.clock.Add(49 * time.Hour)
	var got []StoredCase
	e.admin("GET", "/_sandbox/cases", nil, &got)
	if getString(got[0].Case, "status") != topSuccess {
		t.Fatalf("status %s after the deadline", getString(got[0].Case, "status"))
	}
}

func TestActionsAndCalls(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", nil))
	e.put(testShop, refundCase("2", nil))

	e.ok(listMethod, map[string]string{"fields": "refund_id"})
	e.ok(listMethod, map[string]string{"fields": "refund_id", "page_no": "2"})
	e.ok("taobao.refund.get", map[string]string{"refund_id": "1", "fields": "refund_id"})
	e.ok("taobao.rp.refunds.agree", map[string]string{"refund_infos": "1|10000|1700000000000|onsale"})
	e.call("taobao.refund.refuse", map[string]string{"refund_id": "2", "refuse_message": "x"}) // 41: logged, violation
	bad := sign(t, e.params("taobao.refund.refuse", map[string]string{"refund_id": "2", "refuse_message": "商品已发出"}), "wrong")
	e.send(bad) // 25: not authenticated, not logged

	var acts []Action
	e.admin("GET", "/_sandbox/actions", nil, &acts)
	if len(acts) != 2 {
		t.Fatalf("%d actions, want 2: %+v", len(acts), acts)
	}
	want := []struct {
		caseID, action string
		ok             bool
	}{
		{"1", "taobao.rp.refunds.agree", true},
		{"2", "taobao.refund.refuse", false},
	}
	for i, w := range want {
		a := acts[i]
		if a.Platform != "taobao" || a.Shop != testShop || a.CaseID != w.caseID || a.Action != w.action || a.OK != w.ok {
			t.Fatalf("action %d: %+v", i, a)
		}
		if !a.At.Equal(t0) || (a.OK != (a.Error == "")) {
			t.Fatalf("action %d: at %v error %q", i, a.At, a.Error)
		}
		for _, secret := range []string{"app_key", "session", "sign", "sign_method", "timestamp", "method"} {
			if _, ok := a.Params[secret]; ok {
				t.Fatalf("action %d params carry %s: %v", i, secret, a.Params)
			}
		}
	}
	if acts[0].Params["refund_infos"] != "1|10000|1700000000000|onsale" || acts[1].Params["refuse_message"] != "x" {
		t.Fatalf("params %v / %v", acts[0].Params, acts[1].Params)
	}

	var calls CallStats
	e.admin("GET", "/_sandbox/calls", nil, &calls)
	wantCalls := map[string]int{listMethod: 2, "taobao.refund.get": 1, "taobao.rp.refunds.agree": 1, "taobao.refund.refuse": 2}
	for m, n := range wantCalls {
		if calls.Calls["taobao"][m] != n {
			t.Fatalf("calls %v, want %v", calls.Calls, wantCalls)
		}
	}
	if calls.Violations["taobao"] != 2 {
		t.Fatalf("violations %v, want 2", calls.Violations)
	}
}

func TestCallsShowEveryPlatform(t *testing.T) {
	e := newEnv(t)
	var raw map[string]map[string]json.RawMessage
	e.admin("GET", "/_sandbox/calls", nil, &raw)
	if string(raw["calls"]["taobao"]) != "{}" || string(raw["violations"]["taobao"]) != "0" {
		t.Fatalf("calls %s", raw)
	}
}

func TestReset(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", nil))
	e.ok("taobao.rp.refunds.agree", map[string]string{"refund_infos": "1|10000|1700000000000"})
	if code := e.admin("POST", "/_sandbox/faults", Faults{Rate: 1, Kinds: []string{Fault500}}, nil); code != http.StatusOK {
		t.Fatalf("faults: HTTP %d", code)
	}
	if code := e.admin("POST", "/_sandbox/reset", nil, nil); code != http.StatusOK {
		t.Fatalf("reset: HTTP %d", code)
	}
	if n := len(e.sb.Cases("", "")); n != 0 {
		t.Fatalf("%d cases after reset", n)
	}
	if n := len(e.sb.Actions()); n != 0 {
		t.Fatalf("%d actions after reset", n)
	}
	if n := len(e.sb.Calls().Calls["taobao"]); n != 0 {
		t.Fatalf("%d call counters after reset", n)
	}
	e.ok(listMethod, map[string]string{"fields": "refund_id"}) // no fault any more
}

func TestAdminShops(t *testing.T) {
	tests := []struct {
		name string
		body ShopCredentials
		code int
	}{
		{"app and session", ShopCredentials{Platform: "taobao", Shop: "s", AppKey: "k", AppSecret: "x", Session: "y"}, http.StatusOK},
		{"session only", ShopCredentials{Platform: "taobao", Shop: "s", Session: "y"}, http.StatusOK},
		{"key without secret", ShopCredentials{Platform: "taobao", Shop: "s", AppKey: "k"}, http.StatusBadRequest},
		{"nothing", ShopCredentials{Platform: "taobao", Shop: "s"}, http.StatusBadRequest},
		{"no shop", ShopCredentials{Platform: "taobao", Session: "y"}, http.StatusBadRequest},
		{"unknown platform", ShopCredentials{Platform: "ebay", Shop: "s", Session: "y"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if code := e.admin("POST", "/_sandbox/shops", tt.body, nil); code != tt.code {
				t.Fatalf("HTTP %d, want %d", code, tt.code)
			}
		})
	}
}
