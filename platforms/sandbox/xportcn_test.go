package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/xportcn"
)

const xpShop = "xp-test"

// xpClient is the real Xportcn client against this sandbox, on its clock,
// with the sandbox's status codes enabled and no retries.
func (e *env) xpClient(shop, secret string, edit ...func(*xportcn.Config)) *xportcn.Client {
	cfg := xportcn.Config{
		BaseURL: e.url + "/api", AccessKey: XportcnAccessKeyFor(shop), AccessSecret: secret, Shop: shop,
		Now: e.clock.Now, MaxRetries: -1, Logger: slog.New(slog.DiscardHandler),
		ExtraStatuses: xportcn.SandboxStatuses, ExtraTimeoutTypes: xportcn.SandboxTimeoutTypes,
	}
	for _, f := range edit {
		f(&cfg)
	}
	return xportcn.New(cfg)
}

// xpAggregate is a refund-only request of ¥39.90 waiting for the seller,
// with the seller's deadline 48h after t0, changed by top-level overrides
// and refundOrder overrides.
func xpAggregate(id string, ro map[string]any, top map[string]any) map[string]any {
	r := map[string]any{
		"refundId": id, "refundStatus": xpWaitSellerAgree, "refundFee": 3990, "refundType": 1,
		"timeoutType": xpTimeoutSellerAgree, "timeoutDate": xpMillis(t0.Add(48 * time.Hour)),
		"reasonDesc": "我不想要了", "reasonId": 150013, "goodsStatus": 1,
	}
	for k, v := range ro {
		r[k] = v
	}
	c := map[string]any{
		"logistics": nil, "subUserId": nil, "refundOrder": r,
		"purchaseOrderLine": map[string]any{
			"salesOrderId": "500918-1", "quantity": 1, "totalPrice": 3990, "itemTitle": "测试商品",
			"purchaseOrderLineId": 200028508721, "purchaseOrderId": 200028508720, "currency": "CNY",
			"createTime": t0.Add(-72 * time.Hour).UnixMilli(),
		},
	}
	for k, v := range top {
		c[k] = v
	}
	return c
}

func xpMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func (e *env) xpPut(c map[string]any) {
	e.t.Helper()
	if err := e.sb.PutCase(PlatformXportcn, xpShop, c); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) xpGet(c *xportcn.Client, id string) platforms.Case {
	e.t.Helper()
	cs, err := c.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

// xpRaw sends a request with the given headers and decodes the envelope.
func (e *env) xpRaw(method, path string, h http.Header, body string) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+"/api"+path, strings.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if resp.StatusCode != 200 || decodeJSON(raw, &m) != nil {
		e.t.Fatalf("HTTP %d: %s", resp.StatusCode, raw)
	}
	return m
}

// xpHeaders signs a request for shop at the sandbox's time.
func (e *env) xpHeaders(shop, secret string, at time.Time) http.Header {
	ts := xportcn.Timestamp(xportcn.SignMD5, at)
	nonce := xportcn.Nonce()
	sig, _ := xportcn.Sign(xportcn.SignMD5, XportcnAccessKeyFor(shop), secret, ts, nonce)
	return http.Header{
		"Access-Key": {XportcnAccessKeyFor(shop)}, "Timestamp": {ts}, "Nonce-Str": {nonce},
		"Signature": {sig}, "User-Id": {"2100007341207"}, "Content-Type": {"application/json"},
	}
}

func TestXportcnAuth(t *testing.T) {
	e := newEnv(t)
	e.xpPut(xpAggregate("110002687818", nil, nil))
	body := `{"refundId":"110002687818","pageNo":1,"pageSize":1}`

	ok := e.xpRaw("POST", xportcn.PathQueryList, e.xpHeaders(xpShop, DefaultXportcnAccessSecret, t0), body)
	if getString(ok, "code") != "200" || getString(ok, "msg") != "成功" {
		t.Fatalf("answer %v", ok)
	}
	stale := e.xpHeaders(xpShop, DefaultXportcnAccessSecret, t0.Add(-601*time.Second))
	noNonce := e.xpHeaders(xpShop, DefaultXportcnAccessSecret, t0)
	noNonce.Del("Nonce-Str")
	unknownKey := e.xpHeaders(xpShop, DefaultXportcnAccessSecret, t0)
	unknownKey.Set("Access-Key", "someone-else")
	for name, h := range map[string]http.Header{
		"wrong secret": e.xpHeaders(xpShop, "wrong", t0),
		"stale":        stale,
		"no nonce":     noNonce,
		"unknown key":  unknownKey,
	} {
		ans := e.xpRaw("POST", xportcn.PathQueryList, h, body)
		if getString(ans, "code") != "401" || ans["data"] != nil {
			t.Errorf("%s: answer %v, want the 401 envelope", name, ans)
		}
	}
	if v := e.sb.Calls().Violations[PlatformXportcn]; v != 4 {
		t.Errorf("%d violations, want 4", v)
	}
	// 600 s of skew is still accepted.
	if ans := e.xpRaw("POST", xportcn.PathQueryList, e.xpHeaders(xpShop, DefaultXportcnAccessSecret, t0.Add(600*time.Second)), body); getString(ans, "code") != "200" {
		t.Errorf("600 s skew: %v", ans)
	}

	_, err := e.xpClient(xpShop, "wrong").Get(context.Background(), "110002687818")
	if k := platforms.KindOf(err); k != platforms.ErrAuth {
		t.Fatalf("client kind %q (%v), want auth", k, err)
	}
	// Another shop's key sees none of this shop's cases.
	_, err = e.xpClient("other", DefaultXportcnAccessSecret).Get(context.Background(), "110002687818")
	if k := platforms.KindOf(err); k != platforms.ErrNotFound {
		t.Fatalf("other shop: kind %q (%v)", k, err)
	}
}

func TestXportcnRegisteredKeysAndAlgorithm(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Xportcn = XportcnOptions{Keys: map[string]XportcnKey{}, SignAlgorithm: xportcn.SignHMACSHA256}
	})
	if err := e.sb.RegisterShop(ShopCredentials{Platform: PlatformXportcn, Shop: xpShop, AppKey: "ak-1", AppSecret: "s-1"}); err != nil {
		t.Fatal(err)
	}
	e.xpPut(xpAggregate("1", nil, nil))
	c := func(key, alg string) error {
		_, err := xportcn.New(xportcn.Config{BaseURL: e.url + "/api", AccessKey: key, AccessSecret: "s-1", SignAlgorithm: alg,
			Shop: xpShop, Now: e.clock.Now, MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)}).Get(context.Background(), "1")
		return err
	}
	if err := c("ak-1", xportcn.SignHMACSHA256); err != nil {
		t.Fatal(err)
	}
	if k := platforms.KindOf(c("ak-1", xportcn.SignMD5)); k != platforms.ErrAuth {
		t.Fatalf("md5 against an hmac sandbox: %q", k)
	}
	if k := platforms.KindOf(c(XportcnAccessKeyFor(xpShop), xportcn.SignHMACSHA256)); k != platforms.ErrAuth {
		t.Fatalf("default key with registered keys only: %q", k)
	}
}

// TestXportcnServesTheSeedShape stores the seed's own aggregate and checks
// that queryList answers it in the seed's shape.
func TestXportcnServesTheSeedShape(t *testing.T) {
	raw, err := os.ReadFile("../xportcn/testdata/xportcn-aftersale-refund-querylist.txt")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte("返回响应"))
	sample := raw[i+bytes.IndexByte(raw[i:], '{'):]
	var seed map[string]any
	if err := json.NewDecoder(bytes.NewReader(sample)).Decode(&seed); err != nil {
		t.Fatal(err)
	}
	seedData := seed["data"].(map[string]any)
	agg := seedData["refundOrderAggregates"].([]any)[0].(map[string]any)

	e := newEnv(t)
	e.clock.Add(time.UnixMilli(1698300000000).Sub(t0)) // before the seed's deadline
	e.xpPut(agg)
	ans := e.xpRaw("POST", xportcn.PathQueryList, e.xpHeaders(xpShop, DefaultXportcnAccessSecret, e.clock.Now()), `{"pageNo":1,"pageSize":1}`)
	for _, k := range []string{"requestId", "code", "developId", "msg", "data"} {
		if _, ok := ans[k]; !ok {
			t.Errorf("envelope lacks %s", k)
		}
	}
	data := ans["data"].(map[string]any)
	for k := range seedData {
		if _, ok := data[k]; !ok {
			t.Errorf("data lacks %s", k)
		}
	}
	got, _ := json.Marshal(data["refundOrderAggregates"].([]any)[0])
	want, _ := json.Marshal(agg)
	if string(got) != string(want) {
		t.Errorf("aggregate\n%s\nwant the seed's\n%s", got, want)
	}
	// The client reads the sandbox's answer as it reads the seed.
	cs := e.xpGet(e.xpClient(xpShop, DefaultXportcnAccessSecret), "110002687818")
	if cs.Status != platforms.StatusAwaitingSeller || cs.Amount != 392 || !cs.Deadline.Equal(time.UnixMilli(1698313367000)) {
		t.Errorf("case %+v", cs)
	}
}

func TestXportcnSellerMoves(t *testing.T) {
	tests := []struct {
		name  string
		ro    map[string]any
		knobs map[string]any
		steps []struct {
			after time.Duration
			want  string
		}
	}{
		{"seller agrees a refund", nil, map[string]any{xpKnobSellerAfter: 60}, []struct {
			after time.Duration
			want  string
		}{{59 * time.Second, xpWaitSellerAgree}, {time.Second, xpSuccess}}},
		{"seller agrees a return, we never ship", map[string]any{"refundType": 2}, map[string]any{xpKnobSellerAfter: 60, xpKnobReturnWindow: 3600}, []struct {
			after time.Duration
			want  string
		}{{time.Minute, xpWaitBuyerReturn}, {59 * time.Minute, xpWaitBuyerReturn}, {time.Minute, xpClosed}}},
		{"seller refuses, we let it close", nil, map[string]any{xpKnobSeller: "refuse", xpKnobSellerAfter: 60}, []struct {
			after time.Duration
			want  string
		}{{time.Minute, xpSellerRefused}, {7 * 24 * time.Hour, xpClosed}}},
		{"silent seller: refund paid at the deadline", nil, map[string]any{xpKnobSeller: "none"}, []struct {
			after time.Duration
			want  string
		}{{48*time.Hour - time.Second, xpWaitSellerAgree}, {time.Second, xpSuccess}}},
		{"silent seller: return agreed at the deadline", map[string]any{"refundType": 2}, map[string]any{xpKnobSeller: "none"}, []struct {
			after time.Duration
			want  string
		}{{48 * time.Hour, xpWaitBuyerReturn}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.xpPut(xpAggregate("7", tt.ro, tt.knobs))
			c := e.xpClient(xpShop, DefaultXportcnAccessSecret)
			for _, s := range tt.steps {
				e.clock.Add(s.after)
				if cs := e.xpGet(c, "7"); cs.PlatformStatus != s.want {
					t.Fatalf("after %s: status %s, want %s", s.after, cs.PlatformStatus, s.want)
				}
			}
			if n := len(e.sb.Actions()); n != 0 {
				t.Fatalf("%d actions logged without any call", n)
			}
		})
	}
}

func TestXportcnShipReturnFlow(t *testing.T) {
	e := newEnv(t)
	e.xpPut(xpAggregate("8", map[string]any{"refundStatus": xpWaitBuyerReturn, "refundType": 2,
		"timeoutType": xpTimeoutBuyerReturn, "timeoutDate": xpMillis(t0.Add(72 * time.Hour))},
		map[string]any{xpKnobSellerAfter: 120}))
	c := e.xpClient(xpShop, DefaultXportcnAccessSecret)
	cs := e.xpGet(c, "8")
	if cs.Status != platforms.StatusAwaitingBuyerReturn || cs.DeadlineOwner != platforms.RoleBuyer || !cs.Allows(platforms.ActionShipReturn) {
		t.Fatalf("case %+v", cs)
	}
	v0 := cs.Version
	_, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionShipReturn,
		Params: map[string]string{xportcn.ParamLogisticsCompany: "SF", xportcn.ParamLogisticsNo: "SF1234567890"}})
	if err != nil {
		t.Fatal(err)
	}
	cs = e.xpGet(c, "8")
	if cs.Status != platforms.StatusAwaitingSellerReceipt || cs.GoodsStatus != platforms.GoodsReturned ||
		cs.DeadlineOwner != platforms.RoleSeller || cs.Version == v0 || cs.Attrs["return_logistics"] != "submitted" {
		t.Fatalf("after shipping: %+v", cs)
	}
	e.clock.Add(2 * time.Minute)
	if cs = e.xpGet(c, "8"); cs.Status != platforms.StatusSucceeded || !cs.Deadline.IsZero() {
		t.Fatalf("after the seller's confirmation: %+v", cs)
	}
	acts := e.sb.Actions()
	if len(acts) != 1 || acts[0].Action != xportcn.PathShipReturn || !acts[0].OK || acts[0].CaseID != "8" ||
		acts[0].Params["logisticsNo"] != "SF1234567890" || acts[0].Params["logisticsCompanyCode"] != "SF" {
		t.Fatalf("actions %+v", acts)
	}
	// A second submission is refused by the platform and logged.
	ans := e.xpRaw("POST", xportcn.PathShipReturn, e.xpHeaders(xpShop, DefaultXportcnAccessSecret, e.clock.Now()),
		`{"refundId":"8","logisticsCompanyCode":"SF","logisticsNo":"SF1"}`)
	if getString(ans, "code") != "409" {
		t.Fatalf("answer %v", ans)
	}
	if acts = e.sb.Actions(); len(acts) != 2 || acts[1].OK {
		t.Fatalf("actions %+v", acts)
	}
}

func TestXportcnCancel(t *testing.T) {
	e := newEnv(t)
	e.xpPut(xpAggregate("9", nil, nil))
	e.xpPut(xpAggregate("10", map[string]any{"refundStatus": xpWaitSellerConfirm, "timeoutType": xpTimeoutSellerConfirm}, map[string]any{xpKnobSeller: "none"}))
	c := e.xpClient(xpShop, DefaultXportcnAccessSecret)
	if _, err := c.Act(context.Background(), e.xpGet(c, "9"), platforms.ActRequest{Action: platforms.ActionCancel}); err != nil {
		t.Fatal(err)
	}
	if cs := e.xpGet(c, "9"); cs.Status != platforms.StatusClosed || !cs.Deadline.IsZero() {
		t.Fatalf("after cancel: %+v", cs)
	}
	// The platform refuses to cancel a request whose goods are on their way back.
	ans := e.xpRaw("GET", xportcn.PathCancel+"?refundId=10", e.xpHeaders(xpShop, DefaultXportcnAccessSecret, t0), "")
	if getString(ans, "code") != "409" {
		t.Fatalf("answer %v", ans)
	}
	ans = e.xpRaw("GET", xportcn.PathCancel+"?refundId=404", e.xpHeaders(xpShop, DefaultXportcnAccessSecret, t0), "")
	if getString(ans, "code") != "404" {
		t.Fatalf("answer %v", ans)
	}
	acts := e.sb.Actions()
	if len(acts) != 3 || !acts[0].OK || acts[1].OK || acts[2].OK || acts[0].Action != xportcn.PathCancel || acts[0].Params["refundId"] != "9" {
		t.Fatalf("actions %+v", acts)
	}
}

func TestXportcnFaultsAndLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Xportcn.Limit = Limit{Rate: 0.001, Burst: 3} })
	e.xpPut(xpAggregate("11", nil, nil))
	c := e.xpClient(xpShop, DefaultXportcnAccessSecret)
	cs := e.xpGet(c, "11")
	if err := e.sb.SetFaults(Faults{Rate: 1, Kinds: []string{Fault500}, Methods: []string{xportcn.PathCancel}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionCancel})
	if k := platforms.KindOf(err); k != platforms.ErrTransient {
		t.Fatalf("kind %q (%v)", k, err)
	}
	acts := e.sb.Actions()
	if len(acts) != 1 || acts[0].OK || !strings.Contains(acts[0].Error, "not applied") {
		t.Fatalf("actions %+v", acts)
	}
	e.sb.SetFaults(Faults{})
	// The third call uses the burst up: the fourth is over the limit.
	if _, err := c.Get(context.Background(), "11"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), "11")
	if k := platforms.KindOf(err); k != platforms.ErrRateLimited {
		t.Fatalf("kind %q (%v), want rate_limited", k, err)
	}
	if n := e.sb.Calls().RateLimited[PlatformXportcn]; n != 1 {
		t.Fatalf("%d rate-limited calls counted", n)
	}
	if st := getString(e.sb.Cases(PlatformXportcn, xpShop)[0].Case["refundOrder"].(map[string]any), "refundStatus"); st != xpWaitSellerAgree {
		t.Fatalf("status %s after a faulted cancel", st)
	}
}

func TestXportcnOrderPage(t *testing.T) {
	e := newEnv(t)
	e.xpPut(xpAggregate("12", nil, map[string]any{xpKnobOrderStatus: 10}))
	c := e.xpClient(xpShop, DefaultXportcnAccessSecret, func(cfg *xportcn.Config) { cfg.OrderContext = true })
	cs := e.xpGet(c, "12")
	if cs.GoodsStatus != platforms.GoodsNotShipped || cs.Attrs["order_status"] != "10" || cs.Attrs["order_amount"] != "3990" {
		t.Fatalf("case %+v", cs)
	}
	page, err := c.Orders(context.Background(), xportcn.OrderQuery{ID: "200028508720"})
	if err != nil || len(page.Orders) != 1 || page.Orders[0].CreateTime == "" || len(page.Orders[0].SubOrders) != 1 {
		t.Fatalf("orders %+v, %v", page, err)
	}
	if page, _ = c.Orders(context.Background(), xportcn.OrderQuery{ID: "1"}); len(page.Orders) != 0 {
		t.Fatalf("filter by id: %+v", page)
	}
}

func TestXportcnPrepareRejects(t *testing.T) {
	e := newEnv(t)
	for _, c := range []map[string]any{
		{"refundOrder": "x"},
		xpAggregate("R-1", nil, nil),
		xpAggregate("1", map[string]any{"refundFee": "3.92"}, nil),
		xpAggregate("1", map[string]any{"timeoutDate": "tomorrow"}, nil),
		xpAggregate("1", nil, map[string]any{xpKnobSeller: "maybe"}),
	} {
		if err := e.sb.PutCase(PlatformXportcn, xpShop, c); err == nil {
			t.Errorf("accepted %v", c)
		}
	}
	// Defaults: a bare request waits for the seller, who has 48 hours.
	if err := e.sb.PutCase(PlatformXportcn, xpShop, map[string]any{"refundOrder": map[string]any{"refundId": 5, "refundFee": 100}}); err != nil {
		t.Fatal(err)
	}
	cs := e.xpGet(e.xpClient(xpShop, DefaultXportcnAccessSecret), "5")
	if cs.Status != platforms.StatusAwaitingSeller || !cs.Deadline.Equal(t0.Add(48*time.Hour)) || cs.DeadlineOwner != platforms.RoleSeller {
		t.Fatalf("case %+v", cs)
	}
}

// TestXportcnStatusCodesMatchTheClient keeps the simulator's codes and the
// client's sandbox tables in step.
func TestXportcnStatusCodesMatchTheClient(t *testing.T) {
	want := map[string]platforms.Status{
		xpWaitSellerAgree: platforms.StatusAwaitingSeller, xpWaitBuyerReturn: platforms.StatusAwaitingBuyerReturn,
		xpWaitSellerConfirm: platforms.StatusAwaitingSellerReceipt, xpSellerRefused: platforms.StatusRefused,
		xpSuccess: platforms.StatusSucceeded, xpClosed: platforms.StatusClosed,
	}
	for code, st := range want {
		got, ok := xportcn.RefundStatuses[code]
		if !ok {
			got = xportcn.SandboxStatuses[code]
		}
		if got != st {
			t.Errorf("%s: client says %q, sandbox means %q", code, got, st)
		}
	}
	owners := map[string]platforms.Role{
		xpTimeoutSellerAgree: platforms.RoleSeller, xpTimeoutSellerConfirm: platforms.RoleSeller,
		xpTimeoutBuyerReturn: platforms.RoleBuyer, xpTimeoutBuyerModify: platforms.RoleBuyer,
	}
	for typ, role := range owners {
		got, ok := xportcn.TimeoutTypes[typ]
		if !ok {
			got = xportcn.SandboxTimeoutTypes[typ]
		}
		if got != role {
			t.Errorf("%s: client says %q, sandbox means %q", typ, got, role)
		}
	}
}

func TestDemoXportcnCases(t *testing.T) {
	e := newEnv(t)
	if err := e.sb.Seed(t0); err != nil {
		t.Fatal(err)
	}
	c := e.xpClient(DemoXportcnShop, DefaultXportcnAccessSecret)
	page, err := c.List(context.Background(), platforms.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[platforms.Status]int{}
	for _, cs := range page.Cases {
		count[cs.Status]++
		if cs.Role != platforms.RoleBuyer || cs.Amount <= 0 || len(cs.Items) != 1 || cs.Items[0].Title == "" {
			t.Errorf("case %+v", cs)
		}
	}
	want := map[platforms.Status]int{
		platforms.StatusAwaitingSeller: 2, platforms.StatusRefused: 1,
		platforms.StatusAwaitingBuyerReturn: 1, platforms.StatusClosed: 1,
	}
	if len(page.Cases) != len(DemoXportcnCases(t0)) || len(count) != len(want) {
		t.Fatalf("statuses %v, want %v", count, want)
	}
	for st, n := range want {
		if count[st] != n {
			t.Errorf("%d %s cases, want %d", count[st], st, n)
		}
	}
	// The sellers answer: the return request becomes a return to ship, the
	// refund request is paid.
	e.clock.Add(11 * time.Minute)
	page, _ = c.List(context.Background(), platforms.ListQuery{})
	count = map[platforms.Status]int{}
	for _, cs := range page.Cases {
		count[cs.Status]++
	}
	if count[platforms.StatusAwaitingBuyerReturn] != 2 || count[platforms.StatusSucceeded] != 1 || count[platforms.StatusAwaitingSeller] != 0 {
		t.Fatalf("after the sellers answered: %v", count)
	}
}

func TestXportcnPersists(t *testing.T) {
	e := newEnv(t)
	e.xpPut(xpAggregate("13", nil, map[string]any{xpKnobSellerAfter: 60}))
	path := t.TempDir() + "/sandbox.json"
	if err := e.sb.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t)
	e2.clock.Add(time.Minute)
	if ok, err := e2.sb.LoadFile(path); !ok || err != nil {
		t.Fatal(ok, err)
	}
	// The seller's schedule survived the restart.
	if cs := e2.xpGet(e2.xpClient(xpShop, DefaultXportcnAccessSecret), "13"); cs.Status != platforms.StatusSucceeded {
		t.Fatalf("status %s", cs.Status)
	}
}
