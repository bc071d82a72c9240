package sandbox

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/taobao"
)

const exID = "2026112300000000901"

// exchangeCase is a status-1 exchange with a seller deadline 48h after t0,
// changed by overrides.
func exchangeCase(id string, overrides map[string]any) map[string]any {
	c := map[string]any{
		"dispute_id":   id,
		"biz_order_id": "3961024500000000901",
		"status":       exWaitSeller,
		"good_status":  "已发货",
		"price":        "59.00",
		"num":          1,
		"reason":       "尺码不合适",
		"title":        "纯棉短袖T恤",
		"bought_sku":   "尺码:L",
		"exchange_sku": "尺码:XL",
		"created":      topTime(t0.Add(-2 * time.Hour)),
		"modified":     topTime(t0.Add(-time.Hour)),
		"time_out":     topTime(t0.Add(48 * time.Hour)),
		"buyer_nick":   "t**1",
	}
	maps.Copy(c, overrides)
	return c
}

// exchangeStored returns exchange id of testShop as the admin API shows it.
func (e *env) exchangeStored(id string) map[string]any {
	e.t.Helper()
	for _, c := range e.sb.Cases(PlatformTaobao, testShop) {
		if getString(c.Case, "dispute_id") == id {
			return c.Case
		}
	}
	e.t.Fatalf("exchange %s not stored", id)
	return nil
}

// exResult returns the result object of an exchange answer.
func exResult(t *testing.T, inner map[string]any) map[string]any {
	t.Helper()
	res, ok := inner["result"].(map[string]any)
	if !ok {
		t.Fatalf("no result in %v", inner)
	}
	return res
}

func TestTOPExchangeLifecycle(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, exchangeCase(exID, nil))
	fields := "dispute_id,bizorder_id,status,modified,time_out"

	got := exResult(t, e.ok("tmall.exchange.get", map[string]string{"dispute_id": exID, "fields": fields}))
	if !getBool(got, "success") {
		t.Fatalf("get: %v", got)
	}
	x := got["exchange"].(map[string]any)
	if getString(x, "status") != "1" || getString(x, "biz_order_id") != "3961024500000000901" || x["buyer_nick"] != nil {
		t.Fatalf("exchange = %v", x)
	}

	steps := []struct {
		method string
		params map[string]string
		wait   time.Duration // then let the buyer move
		status string
	}{
		{"tmall.exchange.agree", map[string]string{"address_id": "10001"}, 0, exWaitBuyerReturn},
		{"", nil, 20 * time.Second, exWaitSellerReceipt}, // the buyer ships the goods back
		{"tmall.exchange.returngoods.agree", nil, 0, exWaitSellerResend},
		{"tmall.exchange.consigngoods", map[string]string{"logistics_no": "SF1", "logistics_type": "200", "logistics_company_name": "顺丰速运"}, 0, exWaitBuyerReceipt},
		{"", nil, 20 * time.Second, exSuccess}, // the buyer confirms receipt
	}
	for _, s := range steps {
		before := e.exchangeStored(exID)
		if s.method != "" {
			p := map[string]string{"dispute_id": exID, "fields": "dispute_id,status,modified"}
			maps.Copy(p, s.params)
			res := exResult(t, e.ok(s.method, p))
			if !getBool(res, "success") || getString(res["exchange"].(map[string]any), "status") != s.status {
				t.Fatalf("%s: %v", s.method, res)
			}
		}
		e.clock.Add(s.wait)
		after := e.exchangeStored(exID)
		if st := getString(after, "status"); st != s.status {
			t.Fatalf("after %s: status %s, want %s", s.method, st, s.status)
		}
		if getString(after, "refund_version") == getString(before, "refund_version") {
			t.Errorf("%s: refund_version did not change", s.status)
		}
	}
	if c := e.exchangeStored(exID); getString(c, "seller_logistic_no") != "SF1" || getString(c, "time_out") != "" {
		t.Fatalf("final exchange %v", c)
	}

	acts := e.sb.Actions()
	want := []string{"tmall.exchange.agree", "tmall.exchange.returngoods.agree", "tmall.exchange.consigngoods"}
	if len(acts) != len(want) {
		t.Fatalf("actions = %+v", acts)
	}
	for i, a := range acts {
		if a.Action != want[i] || a.CaseID != "exchange-"+exID || !a.OK || a.Shop != testShop {
			t.Errorf("action %d = %+v, want ok %s", i, a, want[i])
		}
	}
}

func TestTOPExchangeDeadlines(t *testing.T) {
	tests := []struct {
		status string
		knobs  map[string]any
		want   string
	}{
		{exWaitSeller, nil, exWaitBuyerReturn}, // the system agrees for a silent seller
		{exWaitBuyerReturn, map[string]any{knobBuyerShips: false}, exClosed},
		{exWaitSellerReceipt, nil, exWaitSellerResend},
		{exWaitBuyerModify, nil, exClosed},
		{exWaitSellerResend, nil, exRefund},
		{exWaitBuyerReceipt, map[string]any{knobBuyerConfirms: false}, exSuccess},
		{exClosed, nil, exClosed},
		{exSuccess, nil, exSuccess},
		{exRefund, nil, exRefund},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			e := newEnv(t)
			c := exchangeCase(exID, map[string]any{"status": tt.status, "time_out": topTime(t0.Add(time.Hour))})
			maps.Copy(c, tt.knobs)
			e.put(testShop, c)
			e.clock.Add(time.Hour - time.Second)
			if st := getString(e.exchangeStored(exID), "status"); st != tt.status {
				t.Fatalf("moved to %s before the deadline", st)
			}
			e.clock.Add(time.Second)
			got := e.exchangeStored(exID)
			if st := getString(got, "status"); st != tt.want {
				t.Fatalf("status %s at the deadline, want %s", st, tt.want)
			}
			if tt.want != tt.status && getString(got, "modified") != topTime(t0.Add(time.Hour)) {
				t.Errorf("modified = %s", getString(got, "modified"))
			}
		})
	}
}

// A time_out the sandbox cannot read as a TOP timestamp never lapses.
func TestTOPExchangeOddTimeOutNeverLapses(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, exchangeCase(exID, map[string]any{"time_out": "3天"}))
	e.clock.Add(30 * 24 * time.Hour)
	if st := getString(e.exchangeStored(exID), "status"); st != exWaitSeller {
		t.Fatalf("status %s", st)
	}
}

func TestTOPExchangeBuyerShipsBeforeDeadline(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.BuyerShipAfter = time.Hour })
	e.put(testShop, exchangeCase(exID, map[string]any{"status": exWaitBuyerReturn, "time_out": topTime(t0.Add(30 * time.Minute))}))
	e.clock.Add(2 * time.Hour)
	if st := getString(e.exchangeStored(exID), "status"); st != exClosed {
		t.Fatalf("status %s: the deadline came before the buyer shipped", st)
	}
}

func TestTOPExchangeErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		over    map[string]any
		method  string
		params  map[string]string
		code    int    // error_response code, 0 if the call answers a result
		sub     string // error_response sub_code or result msg_code
		logged  bool   // in the action log, as failed
		nowThen string // status afterwards
	}{
		{name: "agree without address", status: exWaitSeller, method: "tmall.exchange.agree", code: 40, sub: "isv.missing-parameter", logged: true},
		{name: "agree with a bad address", status: exWaitSeller, method: "tmall.exchange.agree", params: map[string]string{"address_id": "A1"}, code: 41, logged: true},
		{name: "agree twice", status: exWaitBuyerReturn, method: "tmall.exchange.agree", params: map[string]string{"address_id": "1"}, sub: "isv.exchange-status-not-support", logged: true},
		{name: "agree on web", status: exWaitSeller, over: map[string]any{"operation_contraint": "refund_onweb"}, method: "tmall.exchange.agree", params: map[string]string{"address_id": "1"}, sub: "isv.exchange-onweb", logged: true},
		{name: "refuse without reason", status: exWaitSeller, method: "tmall.exchange.refuse", code: 40, logged: true},
		{name: "refuse with an unknown reason", status: exWaitSeller, method: "tmall.exchange.refuse", params: map[string]string{"seller_refuse_reason_id": "99"}, sub: "isv.invalid-refuse-reason", logged: true},
		{name: "refuse forbidden", status: exWaitSeller, over: map[string]any{"operation_contraint": "cannot_refuse"}, method: "tmall.exchange.refuse", params: map[string]string{"seller_refuse_reason_id": "12"}, sub: "isv.exchange-cannot-refuse", logged: true},
		{name: "refuse", status: exWaitSeller, method: "tmall.exchange.refuse", params: map[string]string{"seller_refuse_reason_id": "12"}, nowThen: exWaitBuyerModify},
		{name: "confirm receipt too early", status: exWaitBuyerReturn, method: "tmall.exchange.returngoods.agree", sub: "isv.exchange-status-not-support", logged: true},
		{name: "resend without waybill", status: exWaitSellerResend, method: "tmall.exchange.consigngoods", params: map[string]string{"logistics_type": "200", "logistics_company_name": "顺丰"}, code: 40, logged: true},
		{name: "resend by carrier pigeon", status: exWaitSellerResend, method: "tmall.exchange.consigngoods", params: map[string]string{"logistics_no": "1", "logistics_type": "300", "logistics_company_name": "鸽子"}, code: 41, logged: true},
		{name: "no such exchange", status: exWaitSeller, method: "tmall.exchange.get", params: map[string]string{"dispute_id": "42"}, code: 15, sub: "isv.exchange-not-exist"},
		{name: "bad dispute_id", status: exWaitSeller, method: "tmall.exchange.get", params: map[string]string{"dispute_id": "x"}, code: 41},
		{name: "get without fields", status: exWaitSeller, method: "tmall.exchange.get", params: map[string]string{"fields": ""}, code: 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			over := map[string]any{"status": tt.status}
			maps.Copy(over, tt.over)
			e.put(testShop, exchangeCase(exID, over))
			p := map[string]string{"dispute_id": exID, "fields": "dispute_id,status"}
			maps.Copy(p, tt.params)
			ans := e.call(tt.method, p)
			code, sub := errCode(ans)
			if code != tt.code {
				t.Fatalf("code %d (%v), want %d", code, ans, tt.code)
			}
			if code == 0 {
				res := exResult(t, ans[topRoot(tt.method)].(map[string]any))
				if getBool(res, "success") != (tt.sub == "") {
					t.Fatalf("result %v", res)
				}
				sub = getString(res, "msg_code")
			}
			if tt.sub != "" && sub != tt.sub {
				t.Fatalf("sub code %q, want %q", sub, tt.sub)
			}
			acts := e.sb.Actions()
			if tt.logged && (len(acts) != 1 || acts[0].OK || acts[0].CaseID != "exchange-"+exID || acts[0].Error == "") {
				t.Fatalf("actions = %+v, want one failed", acts)
			}
			want := tt.status
			if tt.nowThen != "" {
				want = tt.nowThen
			}
			if st := getString(e.exchangeStored(exID), "status"); st != want {
				t.Fatalf("status %s, want %s", st, want)
			}
		})
	}
}

func TestTOPExchangeList(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", nil))
	e.put(testShop, exchangeCase("11", map[string]any{"modified": topTime(t0.Add(-3 * time.Hour)), "sandbox_buyer_ships": false}))
	e.put(testShop, exchangeCase("12", map[string]any{"status": exWaitSellerReceipt, "modified": topTime(t0.Add(-2 * time.Hour))}))
	e.put(testShop, exchangeCase("13", map[string]any{"status": exSuccess, "modified": topTime(t0.Add(-time.Hour))}))
	e.put("other-shop", exchangeCase("14", nil))

	list := func(p map[string]string) ([]string, map[string]any) {
		t.Helper()
		if p["fields"] == "" {
			p["fields"] = "dispute_id,bizorder_id,status,sandbox_buyer_ships"
		}
		ans := e.ok("tmall.exchange.receive.get", p)
		var ids []string
		if res, ok := ans["results"].(map[string]any); ok {
			for _, x := range res["exchange"].([]any) {
				m := x.(map[string]any)
				if m["sandbox_buyer_ships"] != nil || m["biz_order_id"] == nil {
					t.Errorf("fields %v", m)
				}
				ids = append(ids, getString(m, "dispute_id"))
			}
		}
		return ids, ans
	}
	eq := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) || (len(want) > 0 && !maps.Equal(toSet(got), toSet(want))) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}

	ids, ans := list(map[string]string{})
	eq("all", ids, "11", "12", "13")
	if getString(ans, "total_results") != "3" || getString(ans, "page_results") != "3" || getBool(ans, "has_next") {
		t.Errorf("answer %v", ans)
	}
	ids, _ = list(map[string]string{"dispute_status_array": "1,3"})
	eq("status 1 and 3", ids, "11", "12")
	ids, _ = list(map[string]string{"start_gmt_modified_time": topTime(t0.Add(-2 * time.Hour)), "end_gmt_modifed_time": topTime(t0.Add(-2 * time.Hour))})
	eq("modified window (inclusive, end param spelled as TOP spells it)", ids, "12")
	ids, _ = list(map[string]string{"end_gmt_modified_time": topTime(t0.Add(-3 * time.Hour))})
	eq("the correct spelling is not a parameter", ids, "11", "12", "13")
	ids, ans = list(map[string]string{"page_size": "2", "page_no": "2"})
	eq("page 2", ids, "13")
	if getBool(ans, "has_next") || ans["results"] == nil {
		t.Errorf("page 2 answer %v", ans)
	}
	ids, ans = list(map[string]string{"page_no": "3", "page_size": "2"})
	eq("past the end", ids)
	if _, ok := ans["results"]; ok {
		t.Errorf("empty page carries results: %v", ans)
	}

	// The refund list shows refunds only.
	refunds := e.ok(listMethod, map[string]string{"fields": "refund_id"})
	if getString(refunds, "total_results") != "1" {
		t.Errorf("refunds list %v", refunds)
	}

	for name, p := range map[string]map[string]string{
		"bad status":   {"dispute_status_array": "1,7"},
		"bad window":   {"start_gmt_modified_time": "yesterday"},
		"page too big": {"page_size": "101"},
		"bad order":    {"biz_order_id": "x"},
	} {
		p["fields"] = "dispute_id"
		if code, _ := errCode(e.call("tmall.exchange.receive.get", p)); code != 41 {
			t.Errorf("%s: code %d, want 41", name, code)
		}
	}
}

func toSet(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

func TestTOPExchangeRefuseReasons(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, exchangeCase(exID, nil))
	res := exResult(t, e.ok("tmall.exchange.refusereason.get", map[string]string{"dispute_id": exID, "fields": "reason_id,reason_text", "dispute_type": "0"}))
	list := res["results"].(map[string]any)["reason"].([]any)
	if len(list) != len(exRefuseReasons) || getString(list[0].(map[string]any), "reason_id") != "11" {
		t.Fatalf("reasons %v", res)
	}
	if code, sub := errCode(e.call("tmall.exchange.refusereason.get", map[string]string{"dispute_id": "5", "fields": "reason_id"})); code != 15 || sub != "isv.exchange-not-exist" {
		t.Fatalf("unknown exchange: %d %s", code, sub)
	}
	if len(e.sb.Actions()) != 0 {
		t.Fatal("a read was logged as an action")
	}
}

// The taobao client reads and acts on sandbox exchanges end to end.
func TestTOPExchangeWithClient(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", nil))
	e.put(testShop, exchangeCase(exID, map[string]any{"status": exWaitSellerReceipt}))
	c := taobao.New(taobao.Config{
		Gateway: e.url + "/router/rest", AppKey: DefaultTOPAppKey, AppSecret: DefaultTOPAppSecret,
		Session: TOPSessionFor(testShop), Shop: testShop, Exchanges: true, Now: e.clock.Now,
	})
	ctx := context.Background()

	page, err := c.List(ctx, platforms.ListQuery{ModifiedFrom: t0.Add(-24 * time.Hour), ModifiedTo: t0})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 2 || page.Cases[0].ID != "1" || page.Cases[1].ID != "exchange-"+exID || page.HasNext {
		t.Fatalf("page %+v", page)
	}
	cs, err := c.Get(ctx, "exchange-"+exID)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != platforms.StatusAwaitingSellerReceipt || cs.Changed(page.Cases[1]) || !cs.Deadline.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("get %+v\nlist %+v", cs, page.Cases[1])
	}
	if _, err := c.Act(ctx, cs, platforms.ActRequest{Action: platforms.ActionConfirmReceipt}); err != nil {
		t.Fatal(err)
	}
	cs, err = c.Get(ctx, cs.ID)
	if err != nil || cs.Status != platforms.StatusAwaitingSellerResend || !cs.Allows(platforms.ActionResend) {
		t.Fatalf("after confirm: %+v %v", cs, err)
	}
	// A resend without a waybill never reaches the platform.
	_, err = c.Act(ctx, cs, platforms.ActRequest{Action: platforms.ActionResend})
	if platforms.KindOf(err) != platforms.ErrInvalid {
		t.Fatalf("resend without waybill: %v", err)
	}
	_, err = c.Act(ctx, cs, platforms.ActRequest{Action: platforms.ActionResend, Params: map[string]string{
		"logistics_no": "SF1", "logistics_type": "200", "logistics_company_name": "顺丰速运"}})
	if err != nil {
		t.Fatal(err)
	}
	// A refusal without a reason lists the sandbox's reasons.
	e.put(testShop, exchangeCase("77", nil))
	cs, err = c.Get(ctx, "exchange-77")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Act(ctx, cs, platforms.ActRequest{Action: platforms.ActionRefuse})
	if platforms.KindOf(err) != platforms.ErrInvalid || !strings.Contains(err.Error(), "12 换货商品缺货") {
		t.Fatalf("refuse without reason: %v", err)
	}
	if _, err := c.Get(ctx, "exchange-78"); platforms.KindOf(err) != platforms.ErrNotFound {
		t.Fatalf("missing exchange: %v", err)
	}

	acts := e.sb.Actions()
	if len(acts) != 2 || acts[0].Action != "tmall.exchange.returngoods.agree" || acts[1].Action != "tmall.exchange.consigngoods" {
		t.Fatalf("actions %+v", acts)
	}
}

func TestTOPExchangeSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, exchangeCase(exID, map[string]any{"status": exWaitBuyerReturn}))
	path := filepath.Join(t.TempDir(), "sandbox.json")
	if err := e.sb.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	fresh := New(Options{Now: e.clock.Now})
	if ok, err := fresh.LoadFile(path); !ok || err != nil {
		t.Fatalf("load: %v %v", ok, err)
	}
	e.clock.Add(20 * time.Second) // the buyer ships on schedule after the restart
	cs := fresh.Cases(PlatformTaobao, testShop)
	if len(cs) != 1 || getString(cs[0].Case, "status") != exWaitSellerReceipt {
		t.Fatalf("cases %+v", cs)
	}
}

func TestDemoTOPExchanges(t *testing.T) {
	e := newEnv(t)
	for _, d := range demoTOPExchanges(t0) {
		if err := e.sb.PutCase(d.Platform, d.Shop, d.Case); err != nil {
			t.Fatal(err)
		}
	}
	byStatus := map[string]int{}
	for _, shop := range []string{DemoTOPShopFlagship, DemoTOPShopOutlet} {
		for _, sc := range e.sb.Cases(PlatformTaobao, shop) {
			c := sc.Case
			x, err := taobao.ParseExchange(shop, taobaoExchange(t, c))
			if err != nil {
				t.Fatal(err)
			}
			if x.Deadline.IsZero() || x.HasFlag(taobao.FlagDeadlineUnparsed) || len(x.Allowed) == 0 {
				t.Errorf("demo exchange %+v", x)
			}
			byStatus[getString(c, "status")+"@"+shop]++
		}
	}
	want := map[string]int{"1@" + DemoTOPShopFlagship: 1, "1@" + DemoTOPShopOutlet: 1, "3@" + DemoTOPShopFlagship: 1, "12@" + DemoTOPShopOutlet: 1}
	if !maps.Equal(byStatus, want) {
		t.Fatalf("demo exchanges %v, want %v", byStatus, want)
	}
}

// taobaoExchange decodes a native exchange as the client would.
func taobaoExchange(t *testing.T, n map[string]any) taobao.Exchange {
	t.Helper()
	raw, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	var x taobao.Exchange
	if err := decodeJSON(raw, &x); err != nil {
		t.Fatal(err)
	}
	return x
}
