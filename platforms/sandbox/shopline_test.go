package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/shopline"
)

const (
	slTestReturn = "2606000000000000000101"
	slTestOrder  = "21066400000000000000000101"
)

// slReturnCase is an OPEN return of 2 × 12.50 USD whose package is on its
// way, changed by overrides.
func slReturnCase(overrides map[string]any) map[string]any {
	c := map[string]any{
		"id": slTestReturn, "order_id": slTestOrder, "status": "OPEN",
		"created_at": slTime(t0.Add(-time.Hour)),
		"return_line_items": []any{map[string]any{
			"id": "RLI1", "line_item_id": "L1", "quantity": 2, "return_reason": "SIZE_TOO_SMALL",
			"fulfillment_line_item": map[string]any{"line_item": map[string]any{
				"id": "L1", "title": "Shirt", "price": "12.50",
				"price_set": map[string]any{"shop_money": map[string]any{"amount": "12.50", "currency_code": "USD"}},
			}},
		}},
	}
	maps.Copy(c, overrides)
	return c
}

// slDo calls the SHOPLINE API as testShop and decodes the answer.
func (e *env) slDo(method, path, token string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+ShoplineAPIPrefix+"/"+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := decodeJSON(raw, &m); err != nil {
		e.t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
	}
	return resp.StatusCode, m, resp.Header
}

func (e *env) sl(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	code, m, _ := e.slDo(method, path, ShoplineTokenFor(testShop), body)
	return code, m
}

func (e *env) slPut(c map[string]any) {
	e.t.Helper()
	if err := e.sb.PutCase(PlatformShopline, testShop, c); err != nil {
		e.t.Fatal(err)
	}
}

// slClient is the real client against the sandbox.
func (e *env) slClient(token string) *shopline.Client {
	return shopline.New(shopline.Config{BaseURL: e.url, Token: token, Shop: testShop, Timeout: 2 * time.Second,
		MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
}

func (e *env) slActions() []Action {
	var out []Action
	for _, a := range e.sb.Actions() {
		if a.Platform == PlatformShopline {
			out = append(out, a)
		}
	}
	return out
}

func TestShoplineAuthAndHeaders(t *testing.T) {
	e := newEnv(t)
	e.slPut(slReturnCase(nil))
	for name, token := range map[string]string{"no token": "", "unknown token": "nope"} {
		code, m, h := e.slDo("GET", "return.json?id="+slTestReturn, token, nil)
		if code != 401 || getString(m, "errors") == "" || h.Get("traceId") == "" {
			t.Errorf("%s: HTTP %d %v", name, code, m)
		}
	}
	req, _ := http.NewRequest("GET", e.url+ShoplineAPIPrefix+"/return.json?id="+slTestReturn, nil)
	req.Header.Set("Authorization", "Bearer "+ShoplineTokenFor(testShop))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("no Content-Type: HTTP %d", resp.StatusCode)
	}
	if code, m := e.sl("GET", "nope.json", nil); code != 404 || getString(m, "errors") != "Not Found" {
		t.Errorf("unknown endpoint: %d %v", code, m)
	}
	st := e.sb.Calls()
	if st.Violations[PlatformShopline] != 3 || st.Calls[PlatformShopline]["return.json"] != 3 {
		t.Fatalf("calls %+v", st)
	}
	// A registered token names its shop; another shop's token does not see its cases.
	if err := e.sb.RegisterShop(ShopCredentials{Platform: PlatformShopline, Shop: testShop, Session: "tok-x"}); err != nil {
		t.Fatal(err)
	}
	if code, m, _ := e.slDo("GET", "return.json?id="+slTestReturn, "tok-x", nil); code != 200 || len(m["returns"].([]any)) != 1 {
		t.Fatalf("registered token: %d %v", code, m)
	}
	if code, m, _ := e.slDo("GET", "return.json?id="+slTestReturn, ShoplineTokenFor("other"), nil); code != 200 || len(m["returns"].([]any)) != 0 {
		t.Fatalf("other shop: %d %v", code, m)
	}
}

func TestShoplineRateLimit(t *testing.T) {
	e := newEnv(t)
	e.slPut(slReturnCase(nil))
	for i := range 40 {
		if code, _ := e.sl("GET", "return.json?id="+slTestReturn, nil); code != 200 {
			t.Fatalf("call %d: HTTP %d", i+1, code)
		}
	}
	code, m := e.sl("GET", "return.json?id="+slTestReturn, nil)
	if code != 429 || getString(m, "errors") != "Too many request" {
		t.Fatalf("41st call: %d %v", code, m)
	}
	e.clock.Add(time.Second) // drains 4
	for i := range 4 {
		if code, _ := e.sl("GET", "return.json?id="+slTestReturn, nil); code != 200 {
			t.Fatalf("after a second, call %d: HTTP %d", i+1, code)
		}
	}
	if code, _ := e.sl("GET", "return.json?id="+slTestReturn, nil); code != 429 {
		t.Fatalf("5th call after a second: HTTP %d", code)
	}
	if n := e.sb.Calls().RateLimited[PlatformShopline]; n != 2 {
		t.Fatalf("%d rate-limited calls counted", n)
	}
}

func TestShoplineReturnLifecycle(t *testing.T) {
	e := newEnv(t)
	e.slPut(slReturnCase(map[string]any{slKnobArriveAfter: 60}))

	code, m := e.sl("GET", "return.json?id="+slTestReturn, nil)
	ret := m["returns"].([]any)[0].(map[string]any)
	if code != 200 || getString(ret, "status") != "OPEN" || ret[slKnobPackage] != nil {
		t.Fatalf("return: %d %v", code, m)
	}
	if code, m := e.sl("GET", "return.json", nil); code != 422 || getString(m, "errors") != "id and order_id cannot both be empty" {
		t.Fatalf("no id: %d %v", code, m)
	}
	pkgStatus := func() string {
		_, m := e.sl("GET", "return_fulfillment.json?return_id="+slTestReturn, nil)
		return getString(m["order_return_fulfillment_list"].([]any)[0].(map[string]any), "status")
	}
	if s := pkgStatus(); s != "OPEN" {
		t.Fatalf("package %s", s)
	}
	e.clock.Add(61 * time.Second)
	if s := pkgStatus(); s != "CLOSED" {
		t.Fatalf("package %s after it arrived", s)
	}

	calcPath := "orders/" + slTestOrder + "/refunds/calculate.json"
	lines := []any{map[string]any{"line_item_id": "L1", "quantity": 2, "type": "Returned"}}
	if code, m := e.sl("POST", calcPath, map[string]any{"currency": "EUR", "refund_line_items": lines}); code != 422 || getString(m, "errors") != "currency must be USD" {
		t.Fatalf("wrong currency: %d %v", code, m)
	}
	for name, bad := range map[string][]any{
		"too many": {map[string]any{"line_item_id": "L1", "quantity": 3, "type": "Returned"}},
		"no type":  {map[string]any{"line_item_id": "L1", "quantity": 1}},
		"unknown":  {map[string]any{"line_item_id": "L9", "quantity": 1, "type": "Returned"}},
	} {
		if code, _ := e.sl("POST", calcPath, map[string]any{"refund_line_items": bad}); code != 422 {
			t.Errorf("%s: HTTP %d", name, code)
		}
	}
	code, m = e.sl("POST", calcPath, map[string]any{"currency": "USD", "refund_line_items": lines})
	calc := m["refund"].(map[string]any)
	txn := calc["transactions"].([]any)[0].(map[string]any)
	if code != 200 || getString(txn, "amount") != "25.00" || getString(txn, "currency") != "USD" || getString(txn, "maximum_refundable") != "25.00" {
		t.Fatalf("calculate: %d %v", code, m)
	}
	if n := len(e.slActions()); n != 0 {
		t.Fatalf("the trial logged %d actions", n)
	}

	create := func(amount string) (int, map[string]any) {
		return e.sl("POST", "order/refund.json", map[string]any{
			"order_id": slTestOrder, "currency": "USD", "refund_line_items": lines,
			"transactions": []any{map[string]any{"amount": amount, "currency": "USD", "kind": "refund",
				"gateway": getString(txn, "gateway"), "parent_id": getString(txn, "parent_id")}},
		})
	}
	if code, m := create("30.00"); code != 422 || !strings.Contains(getString(m, "errors"), "calculate the refund first") {
		t.Fatalf("invented amount: %d %v", code, m)
	}
	code, m = create("25.00")
	refund := m["refund"].(map[string]any)
	if code != 200 || getString(refund, "order_id") != slTestOrder {
		t.Fatalf("create: %d %v", code, m)
	}
	_, m = e.sl("GET", "return.json?order_id="+slTestOrder, nil)
	if s := getString(m["returns"].([]any)[0].(map[string]any), "status"); s != "CLOSED" {
		t.Fatalf("return %s after its refund", s)
	}
	_, m = e.sl("GET", "orders/"+slTestOrder+"/refunds.json?limit=250", nil)
	if n := len(m["refunds"].([]any)); n != 1 {
		t.Fatalf("%d refunds listed", n)
	}
	code, m = e.sl("GET", "orders/"+slTestOrder+"/refunds/"+getString(refund, "id")+".json", nil)
	got := m["refund"].(map[string]any)
	if code != 200 || getString(got["transactions"].([]any)[0].(map[string]any), "status") != "success" {
		t.Fatalf("get refund: %d %v", code, m)
	}
	if code, _ := create("25.00"); code != 422 {
		t.Fatalf("a second refund of the same units: HTTP %d", code)
	}

	acts := e.slActions()
	if len(acts) != 3 || acts[0].OK || !acts[1].OK || acts[2].OK {
		t.Fatalf("actions %+v", acts)
	}
	for _, a := range acts {
		if a.CaseID != "return-"+slTestReturn || a.Action != "order/refund.json" || a.Params["order_id"] != slTestOrder {
			t.Fatalf("action %+v", a)
		}
	}
	if acts[1].Params["refund_line_items"] != "L1:2" || acts[1].Params["transactions"] != "25.00 USD" {
		t.Fatalf("params %v", acts[1].Params)
	}
}

func TestShoplineClientRefundsAnArrivedReturn(t *testing.T) {
	e := newEnv(t)
	e.slPut(slReturnCase(map[string]any{slKnobPackage: "CLOSED"}))
	c := e.slClient(ShoplineTokenFor(testShop))
	ctx := context.Background()
	cs, err := c.Get(ctx, shopline.ReturnCaseID(slTestReturn))
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != platforms.StatusAwaitingSellerReceipt || cs.Amount != 2500 || cs.Currency != "USD" || !cs.Allows(platforms.ActionAgree) {
		t.Fatalf("case %+v", cs)
	}
	if _, err := c.Act(ctx, cs, platforms.ActRequest{Action: platforms.ActionAgree}); err != nil {
		t.Fatal(err)
	}
	after, err := c.Get(ctx, cs.ID)
	if err != nil || after.Status != platforms.StatusSucceeded || after.Version == cs.Version {
		t.Fatalf("after: %+v %v", after, err)
	}
	if acts := e.slActions(); len(acts) != 1 || !acts[0].OK {
		t.Fatalf("actions %+v", acts)
	}
	calls := e.sb.Calls().Calls[PlatformShopline]
	if calls["orders/:order_id/refunds/calculate.json"] != 1 || calls["order/refund.json"] != 1 {
		t.Fatalf("calls %v", calls)
	}
	// A wrong token is an auth error.
	if _, err := e.slClient("wrong").Get(ctx, cs.ID); platforms.KindOf(err) != platforms.ErrAuth {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestShoplineRefundResults(t *testing.T) {
	for result, want := range map[string]platforms.Status{
		"pending": platforms.StatusRefunding,
		"failure": platforms.StatusAwaitingSeller,
	} {
		e := newEnv(t)
		e.slPut(slReturnCase(map[string]any{slKnobPackage: "CLOSED", slKnobRefundResult: result}))
		c := e.slClient(ShoplineTokenFor(testShop))
		cs, err := c.Get(context.Background(), shopline.ReturnCaseID(slTestReturn))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionConfirmReceipt}); err != nil {
			t.Fatal(err)
		}
		after, err := c.Get(context.Background(), cs.ID)
		if err != nil || after.Status != want || after.PlatformStatus != "OPEN" || len(after.Allowed) != 0 {
			t.Fatalf("%s: %+v %v", result, after, err)
		}
		// The refund itself is a case too.
		refund := e.sb.Cases(PlatformShopline, testShop)[0].Case
		rc, err := c.Get(context.Background(), shopline.RefundCaseID(slTestOrder, getString(refund, "id")))
		if err != nil || rc.PlatformStatus != result || rc.Amount != 2500 {
			t.Fatalf("%s refund: %+v %v", result, rc, err)
		}
	}
}

func TestShoplineFaultsOnCreate(t *testing.T) {
	e := newEnv(t)
	e.slPut(slReturnCase(map[string]any{slKnobPackage: "CLOSED"}))
	c := e.slClient(ShoplineTokenFor(testShop))
	cs, err := c.Get(context.Background(), shopline.ReturnCaseID(slTestReturn))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sb.SetFaults(Faults{Rate: 1, Kinds: []string{Fault500}, Methods: []string{"order/refund.json"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree})
	if platforms.KindOf(err) != platforms.ErrTransient {
		t.Fatalf("err = %v", err)
	}
	acts := e.slActions()
	if len(acts) != 1 || acts[0].OK || acts[0].CaseID != cs.ID || !strings.Contains(acts[0].Error, "not applied") {
		t.Fatalf("actions %+v", acts)
	}
	if again, _ := c.Get(context.Background(), cs.ID); again.Status != platforms.StatusAwaitingSellerReceipt {
		t.Fatalf("a failed call moved the case: %s", again.Status)
	}
}

func TestShoplineArriveByAdmin(t *testing.T) {
	e := newEnv(t)
	e.slPut(slReturnCase(nil))
	if code := e.admin("POST", "/_sandbox/shopline/arrive", map[string]string{"shop": testShop, "return_id": slTestReturn}, nil); code != 200 {
		t.Fatalf("HTTP %d", code)
	}
	cs, err := e.slClient(ShoplineTokenFor(testShop)).Get(context.Background(), shopline.ReturnCaseID(slTestReturn))
	if err != nil || cs.Status != platforms.StatusAwaitingSellerReceipt || cs.GoodsStatus != platforms.GoodsReturned {
		t.Fatalf("%+v %v", cs, err)
	}
	if code := e.admin("POST", "/_sandbox/shopline/arrive", map[string]string{"shop": testShop, "return_id": slTestReturn}, nil); code != 400 {
		t.Fatalf("arriving twice: HTTP %d", code)
	}
}

func TestShoplinePutCaseRejects(t *testing.T) {
	e := newEnv(t)
	for name, c := range map[string]map[string]any{
		"neither":          {"id": "1"},
		"no order":         slReturnCase(map[string]any{"order_id": ""}),
		"bad price":        slReturnCase(map[string]any{"return_line_items": []any{map[string]any{"line_item_id": "L1", "quantity": 1, "fulfillment_line_item": map[string]any{"line_item": map[string]any{"price": "1.001"}}}}}),
		"zero quantity":    slReturnCase(map[string]any{"return_line_items": []any{map[string]any{"line_item_id": "L1", "quantity": 0}}}),
		"bad result knob":  slReturnCase(map[string]any{slKnobRefundResult: "maybe"}),
		"refund no amount": {"id": "R1", "order_id": "O1", "transactions": []any{map[string]any{"currency": "USD"}}},
	} {
		if err := e.sb.PutCase(PlatformShopline, testShop, c); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
}

// slReceiver is a webhook receiver built from the client package.
type slReceiver struct {
	mu    sync.Mutex
	hints []platforms.Hint
}

func (r *slReceiver) got() []platforms.Hint {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]platforms.Hint(nil), r.hints...)
}

func TestShoplineWebhooks(t *testing.T) {
	rcv := &slReceiver{}
	h := shopline.NewWebhookHandler(DefaultShoplineAppSecret,
		shopline.ShopsByDomain(map[string]string{testShop: testShop}),
		func(_ context.Context, x platforms.Hint) error {
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			rcv.hints = append(rcv.hints, x)
			return nil
		}, platforms.NewDeduper(time.Hour, 100), slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	e := newEnv(t, func(o *Options) { o.Shopline.WebhookURL = srv.URL })
	e.slPut(slReturnCase(nil))
	if err := e.sb.ShoplineArrive(testShop, slTestReturn); err != nil {
		t.Fatal(err)
	}
	c := e.slClient(ShoplineTokenFor(testShop))
	cs, err := c.Get(context.Background(), shopline.ReturnCaseID(slTestReturn))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rcv.got()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	ids := map[string]int{}
	for _, x := range rcv.got() {
		if x.Platform != platforms.Shopline || x.Shop != testShop {
			t.Fatalf("hint %+v", x)
		}
		ids[x.CaseID]++
	}
	refund := e.sb.Cases(PlatformShopline, testShop)[0].Case
	want := map[string]int{
		"return-" + slTestReturn:                                    2, // return/create, return_package/update
		shopline.RefundCaseID(slTestOrder, getString(refund, "id")): 1, // refunds/create
	}
	if !maps.Equal(ids, want) {
		t.Fatalf("hints %v, want %v", ids, want)
	}
	// Restoring saved state does not announce the cases again.
	path := t.TempDir() + "/sb.json"
	if err := e.sb.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, func(o *Options) { o.Shopline.WebhookURL = srv.URL })
	if ok, err := e2.sb.LoadFile(path); !ok || err != nil {
		t.Fatalf("load: %t %v", ok, err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(rcv.got()); n != 3 {
		t.Fatalf("%d hints after a restore, want still 3", n)
	}
}

func TestDemoShoplineCases(t *testing.T) {
	e := newEnv(t)
	if err := e.sb.Seed(t0); err != nil {
		t.Fatal(err)
	}
	stored := e.sb.Cases(PlatformShopline, DemoShoplineShop)
	if len(stored) != len(DemoShoplineCases(t0)) {
		t.Fatalf("%d cases stored", len(stored))
	}
	c := shopline.New(shopline.Config{BaseURL: e.url, Token: ShoplineTokenFor(DemoShoplineShop), Shop: DemoShoplineShop,
		Logger: slog.New(slog.DiscardHandler)})
	got := map[platforms.Status][]int64{}
	for _, sc := range stored {
		id := shopline.ReturnCaseID(getString(sc.Case, "id"))
		if sc.Case["return_line_items"] == nil {
			id = shopline.RefundCaseID(getString(sc.Case, "order_id"), getString(sc.Case, "id"))
		}
		cs, err := c.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		got[cs.Status] = append(got[cs.Status], cs.Amount)
	}
	want := map[platforms.Status][]int64{
		platforms.StatusAwaitingSellerReceipt: {2500, 48000}, // small refunded, big escalated
		platforms.StatusAwaitingBuyerReturn:   {1800},        // on its way
		platforms.StatusSucceeded:             {990},         // closed
		platforms.StatusAwaitingSeller:        {3500},        // refund failed
	}
	for s, amounts := range want {
		if len(got[s]) != len(amounts) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		for _, a := range amounts {
			if !containsInt(got[s], a) {
				t.Fatalf("statuses %v, want %v", got, want)
			}
		}
	}
	// The parcel on its way arrives by itself.
	e.clock.Add(46 * time.Second)
	transit := ""
	for _, sc := range stored {
		if getString(sc.Case, slKnobArriveAfter) != "" {
			transit = getString(sc.Case, "id")
		}
	}
	cs, err := c.Get(context.Background(), shopline.ReturnCaseID(transit))
	if err != nil || cs.Status != platforms.StatusAwaitingSellerReceipt {
		t.Fatalf("after 46s: %+v %v", cs, err)
	}
}

func containsInt(xs []int64, x int64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
