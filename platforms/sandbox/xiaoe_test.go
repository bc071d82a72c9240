package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// xeGetToken calls GET /token and returns the answer's code and token.
func (e *env) xeGetToken(appID, clientID, secret string) (int, string) {
	e.t.Helper()
	q := url.Values{"app_id": {appID}, "client_id": {clientID}, "secret_key": {secret}, "grant_type": {"client_credential"}}
	m := e.xeDo(http.MethodGet, "/token?"+q.Encode(), "", nil)
	data, _ := m["data"].(map[string]any)
	return xeCode(m), getString(data, "access_token")
}

// xeToken returns a fresh token of shop's default credentials.
func (e *env) xeToken(shop string) string {
	e.t.Helper()
	code, tok := e.xeGetToken(XiaoeAppIDFor(shop), DefaultXiaoeClientID, DefaultXiaoeSecretKey)
	if code != 0 || tok == "" {
		e.t.Fatalf("token: code %d", code)
	}
	return tok
}

// xeCall POSTs a JSON body to an API with token and decodes the envelope.
func (e *env) xeCall(api, token string, body map[string]any) map[string]any {
	e.t.Helper()
	b := map[string]any{"access_token": token}
	maps.Copy(b, body)
	raw, _ := json.Marshal(b)
	return e.xeDo(http.MethodPost, "/"+api+"/1.0.0", "application/json", raw)
}

func (e *env) xeDo(method, path, contentType string, body []byte) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, raw)
	}
	var m map[string]any
	if err := decodeJSON(raw, &m); err != nil {
		e.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	if _, ok := m["code"]; !ok {
		e.t.Fatalf("%s %s: no code in %s", method, path, raw)
	}
	return m
}

func xeCode(m map[string]any) int {
	n, _ := xiaoeInt(m, "code", -999)
	return n
}

func xeData(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	if xeCode(m) != 0 {
		t.Fatalf("answer %v, want code 0", m)
	}
	return m["data"].(map[string]any)
}

// xeCase is a refund-only application of ¥9.90 awaiting the merchant, with a
// deadline 48h after t0, changed by overrides.
func xeCase(id string, over map[string]any) map[string]any {
	c := map[string]any{
		"aftersale_id": id, "order_id": "o_" + id, "sku_id": "SKU_" + id, "state": 0, "sale_type": 1,
		"apply_refund_money": 990, "refund_money": 0, "reason": "不想学了", "goods_name": "课程",
		"created_at": xiaoe.FormatTime(t0.Add(-2 * time.Hour)), "updated_at": xiaoe.FormatTime(t0.Add(-time.Hour)),
		"invalid_time": xiaoe.FormatTime(t0.Add(7 * 24 * time.Hour)), "state_invalid_time": xiaoe.FormatTime(t0.Add(48 * time.Hour)),
		"nick_name": "学员",
	}
	maps.Copy(c, over)
	return c
}

func (e *env) xePut(shop string, c map[string]any) {
	e.t.Helper()
	if err := e.sb.PutCase(PlatformXiaoe, shop, c); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) xeStored(shop, id string) map[string]any {
	e.t.Helper()
	for _, c := range e.sb.Cases(PlatformXiaoe, shop) {
		if getString(c.Case, "aftersale_id") == id {
			return c.Case
		}
	}
	e.t.Fatalf("application %s not stored", id)
	return nil
}

func (e *env) xeActions(shop string) []Action {
	var out []Action
	for _, a := range e.sb.Actions() {
		if a.Platform == PlatformXiaoe && a.Shop == shop {
			out = append(out, a)
		}
	}
	return out
}

func TestXiaoeToken(t *testing.T) {
	e := newEnv(t)
	code, tok := e.xeGetToken(XiaoeAppIDFor(testShop), DefaultXiaoeClientID, DefaultXiaoeSecretKey)
	if code != 0 || !strings.HasPrefix(tok, "xe_") {
		t.Fatalf("code %d token %q", code, tok)
	}
	q := url.Values{"app_id": {XiaoeAppIDFor(testShop)}, "client_id": {DefaultXiaoeClientID}, "secret_key": {DefaultXiaoeSecretKey}, "grant_type": {"client_credential"}}
	m := e.xeDo(http.MethodGet, "/token?"+q.Encode(), "", nil)
	if got := getString(m["data"].(map[string]any), "expires_in"); got != "7200" {
		t.Errorf("expires_in = %s", got)
	}

	tests := []struct {
		name                    string
		appID, clientID, secret string
		code                    int
	}{
		{"wrong secret", XiaoeAppIDFor(testShop), DefaultXiaoeClientID, "nope", xiaoe.CodeBadSecret},
		{"wrong client", XiaoeAppIDFor(testShop), "nope", DefaultXiaoeSecretKey, xiaoe.CodeBadSecret},
		{"unknown app", "app-unknown", DefaultXiaoeClientID, DefaultXiaoeSecretKey, xiaoe.CodeBadSecret},
		{"missing secret", XiaoeAppIDFor(testShop), DefaultXiaoeClientID, "", xiaoe.CodeBadParam},
	}
	for _, tt := range tests {
		if code, _ := e.xeGetToken(tt.appID, tt.clientID, tt.secret); code != tt.code {
			t.Errorf("%s: code %d, want %d", tt.name, code, tt.code)
		}
	}
	if m := e.xeDo(http.MethodPost, "/token?"+q.Encode(), "", nil); xeCode(m) != xiaoe.CodeBadParam {
		t.Errorf("POST /token: %v", m)
	}
	q.Set("grant_type", "password")
	if m := e.xeDo(http.MethodGet, "/token?"+q.Encode(), "", nil); xeCode(m) != xiaoe.CodeBadParam {
		t.Errorf("grant_type password: %v", m)
	}
	st := e.sb.Calls()
	if st.Calls[PlatformXiaoe]["token"] != 8 || st.Violations[PlatformXiaoe] != 6 {
		t.Errorf("calls %v violations %v", st.Calls[PlatformXiaoe], st.Violations[PlatformXiaoe])
	}
}

func TestXiaoeTokenLifetime(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Xiaoe.TokenTTL = time.Hour })
	e.xePut(testShop, xeCase("A1", nil))
	detail := func(tok string) int {
		return xeCode(e.xeCall(xiaoeDetail, tok, map[string]any{"aftersale_id": "A1"}))
	}
	t1 := e.xeToken(testShop)
	e.clock.Add(10 * time.Minute)
	t2 := e.xeToken(testShop)
	if t1 == t2 {
		t.Fatal("the same token issued twice")
	}
	// The previous token lives 5 more minutes.
	e.clock.Add(5*time.Minute - time.Second)
	if c1, c2 := detail(t1), detail(t2); c1 != 0 || c2 != 0 {
		t.Fatalf("within 5 min: codes %d %d", c1, c2)
	}
	e.clock.Add(time.Second)
	m := e.xeCall(xiaoeDetail, t1, map[string]any{"aftersale_id": "A1"})
	if xeCode(m) != xiaoe.CodeTokenInvalid || !strings.Contains(getString(m, "msg"), "过期") {
		t.Fatalf("old token after 5 min: %v", m)
	}
	if detail(t2) != 0 {
		t.Fatal("new token rejected")
	}
	// The new one expires after TokenTTL.
	e.clock.Add(time.Hour - 5*time.Minute)
	if detail(t2) != xiaoe.CodeTokenInvalid {
		t.Fatal("token alive after its TTL")
	}
	// Expired tokens are normal life; unknown ones break the protocol.
	if v := e.sb.Calls().Violations[PlatformXiaoe]; v != 0 {
		t.Errorf("violations = %d after expiries", v)
	}
	if detail("xe_made_up") != xiaoe.CodeTokenInvalid || detail("") != xiaoe.CodeTokenInvalid {
		t.Error("made-up token accepted")
	}
	if v := e.sb.Calls().Violations[PlatformXiaoe]; v != 2 {
		t.Errorf("violations = %d, want 2", v)
	}
}

func TestExpireXiaoeTokens(t *testing.T) {
	e := newEnv(t)
	e.xePut(testShop, xeCase("A1", nil))
	tok := e.xeToken(testShop)
	e.sb.ExpireXiaoeTokens()
	if c := xeCode(e.xeCall(xiaoeDetail, tok, map[string]any{"aftersale_id": "A1"})); c != xiaoe.CodeTokenInvalid {
		t.Fatalf("expired token: code %d", c)
	}
	if c := xeCode(e.xeCall(xiaoeDetail, e.xeToken(testShop), map[string]any{"aftersale_id": "A1"})); c != 0 {
		t.Fatalf("fresh token: code %d", c)
	}
}

func TestXiaoeTokenFetchLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 100 {
		if code, _ := e.xeGetToken(XiaoeAppIDFor(testShop), DefaultXiaoeClientID, DefaultXiaoeSecretKey); code != 0 {
			t.Fatalf("fetch %d: code %d", i+1, code)
		}
	}
	if code, _ := e.xeGetToken(XiaoeAppIDFor(testShop), DefaultXiaoeClientID, DefaultXiaoeSecretKey); code != xiaoe.CodeRateLimited {
		t.Fatalf("fetch 101: code %d, want %d", code, xiaoe.CodeRateLimited)
	}
	// Another shop has its own budget.
	if code, _ := e.xeGetToken(XiaoeAppIDFor("other"), DefaultXiaoeClientID, DefaultXiaoeSecretKey); code != 0 {
		t.Fatalf("other shop: code %d", code)
	}
	e.clock.Add(10 * time.Second) // 100 per 600 s: one more after 6 s
	if code, _ := e.xeGetToken(XiaoeAppIDFor(testShop), DefaultXiaoeClientID, DefaultXiaoeSecretKey); code != 0 {
		t.Fatalf("after 10 s: code %d", code)
	}
	if n := e.sb.Calls().RateLimited[PlatformXiaoe]; n != 1 {
		t.Errorf("rate_limited = %d", n)
	}
}

func TestXiaoeRegisteredApps(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Xiaoe.Apps = map[string]XiaoeApp{"app-real": {Shop: "real-shop", ClientID: "xop-real", SecretKey: "s3cret"}}
	})
	if code, _ := e.xeGetToken("app-real", "xop-real", "s3cret"); code != 0 {
		t.Fatalf("registered app: code %d", code)
	}
	// With explicit apps, the per-shop defaults are off.
	if code, _ := e.xeGetToken(XiaoeAppIDFor(testShop), DefaultXiaoeClientID, DefaultXiaoeSecretKey); code != xiaoe.CodeBadSecret {
		t.Fatalf("default credentials: code %d", code)
	}
	if err := e.sb.RegisterShop(ShopCredentials{Platform: PlatformXiaoe, Shop: "s2", AppKey: "app-2", Session: "xop-2", AppSecret: "k2"}); err != nil {
		t.Fatal(err)
	}
	e.xePut("s2", xeCase("A9", nil))
	code, tok := e.xeGetToken("app-2", "xop-2", "k2")
	if code != 0 {
		t.Fatalf("app registered through the admin API: code %d", code)
	}
	if c := xeCode(e.xeCall(xiaoeDetail, tok, map[string]any{"aftersale_id": "A9"})); c != 0 {
		t.Fatalf("its shop's application: code %d", c)
	}
	if err := e.sb.RegisterShop(ShopCredentials{Platform: PlatformXiaoe, Shop: "s3", AppKey: "app-3"}); err == nil {
		t.Error("incomplete credentials registered")
	}
}

func TestXiaoeList(t *testing.T) {
	e := newEnv(t)
	at := func(d time.Duration) string { return xiaoe.FormatTime(t0.Add(d)) }
	e.xePut(testShop, xeCase("A1", map[string]any{"updated_at": at(-26 * time.Hour)})) // yesterday in Beijing
	e.xePut(testShop, xeCase("A2", map[string]any{"updated_at": at(-2 * time.Hour), "state": 13}))
	e.xePut(testShop, xeCase("A3", map[string]any{"updated_at": at(-time.Hour), "sandbox_note": "hidden"}))
	e.xePut(testShop, xeCase("A4", map[string]any{"updated_at": at(-3 * time.Hour), "state": 2}))
	e.xePut("other", xeCase("B1", map[string]any{"updated_at": at(-time.Hour)}))
	tok := e.xeToken(testShop)
	today := t0.Format("2006-01-02")
	list := func(body map[string]any) ([]string, int) {
		b := map[string]any{"page_index": 1, "page_size": 10, "created_at": today + "||" + today, "date_type": "updated_at"}
		maps.Copy(b, body)
		d := xeData(t, e.xeCall(xiaoeList, tok, b))
		var ids []string
		for _, it := range d["list"].([]any) {
			m := it.(map[string]any)
			ids = append(ids, getString(m, "aftersale_id"))
			if _, ok := m["sandbox_note"]; ok {
				t.Error("sandbox knob shown")
			}
		}
		n, _ := xiaoeInt(d, "row_count", -1)
		return ids, n
	}
	check := func(name string, body map[string]any, wantIDs []string, wantRows int) {
		t.Helper()
		ids, n := list(body)
		if strings.Join(ids, ",") != strings.Join(wantIDs, ",") || n != wantRows {
			t.Errorf("%s: ids %v rows %d, want %v rows %d", name, ids, n, wantIDs, wantRows)
		}
	}
	check("today newest first", nil, []string{"A3", "A2", "A4"}, 3)
	check("page 2 of 2", map[string]any{"page_index": 2, "page_size": 2}, []string{"A4"}, 3)
	check("two days", map[string]any{"created_at": t0.Add(-24*time.Hour).Format("2006-01-02") + "||" + today}, []string{"A3", "A2", "A4", "A1"}, 4)
	check("awaiting merchant", map[string]any{"sales_state": 1}, []string{"A3", "A4"}, 2)
	check("succeeded", map[string]any{"sales_state": 2}, []string{"A2"}, 1)
	check("all", map[string]any{"sales_state": -1}, []string{"A3", "A2", "A4"}, 3)
	check("by id", map[string]any{"aftersale_id": "A4"}, []string{"A4"}, 1)
	check("by order", map[string]any{"order_id": "o_A2"}, []string{"A2"}, 1)
	check("created_at is the default date_type", map[string]any{"date_type": ""}, []string{"A1", "A2", "A3", "A4"}, 4)
	for name, body := range map[string]map[string]any{
		"no created_at":       {"created_at": ""},
		"bad created_at":      {"created_at": today},
		"reversed created_at": {"created_at": today + "||2020-01-01"},
		"no page_size":        {"page_size": nil},
		"page_size 101":       {"page_size": 101},
		"page_index 0":        {"page_index": 0},
		"bad date_type":       {"date_type": "modified"},
		"bad sales_state":     {"sales_state": 5},
	} {
		b := map[string]any{"page_index": 1, "page_size": 10, "created_at": today + "||" + today}
		maps.Copy(b, body)
		if c := xeCode(e.xeCall(xiaoeList, tok, b)); c != xiaoe.CodeBadParam {
			t.Errorf("%s: code %d", name, c)
		}
	}
}

func TestXiaoeDetail(t *testing.T) {
	e := newEnv(t)
	e.xePut(testShop, xeCase("A1", nil))
	e.xePut("other", xeCase("B1", nil))
	tok := e.xeToken(testShop)
	d := xeData(t, e.xeCall(xiaoeDetail, tok, map[string]any{"aftersale_id": "A1"}))
	for k, want := range map[string]string{
		"aftersale_id": "A1", "state": "0", "state_str": "未受理", "sale_type_name": "退款",
		"apply_refund_money": "990", "state_invalid_time": xiaoe.FormatTime(t0.Add(48 * time.Hour)),
	} {
		if got := getString(d, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if c := xeCode(e.xeCall(xiaoeDetail, tok, map[string]any{"aftersale_id": "B1"})); c != xiaoe.CodeNotFound {
		t.Errorf("another shop's application: code %d", c)
	}
	if c := xeCode(e.xeCall(xiaoeDetail, tok, map[string]any{})); c != xiaoe.CodeBadParam {
		t.Errorf("no id: code %d", c)
	}
	if m := e.xeDo(http.MethodPost, "/"+xiaoeDetail+"/1.0.0", "text/plain", []byte(`{}`)); xeCode(m) != xiaoe.CodeBadParam {
		t.Errorf("not JSON: %v", m)
	}
}

func TestXiaoeRefund(t *testing.T) {
	e := newEnv(t)
	e.xePut(testShop, xeCase("A1", nil))
	tok := e.xeToken(testShop)
	d := xeData(t, e.xeCall(xiaoeRefund, tok, map[string]any{
		"order_id": "o_A1", "sku_id": "SKU_A1", "refund_price": 990, "refund_operator": "bot",
	}))
	if getString(d, "refund_type") != "1" || getString(d, "is_async") != "1" || getString(d, "refund_id") == "" {
		t.Errorf("answer data %v", d)
	}
	c := e.xeStored(testShop, "A1")
	if getString(c, "state") != "11" || getString(c, "refund_money") != "990" || getString(c, "updated_at") != xiaoe.FormatTime(t0) {
		t.Fatalf("after refund: %v", c)
	}
	acts := e.xeActions(testShop)
	if len(acts) != 1 || acts[0].CaseID != "A1" || acts[0].Action != xiaoeRefund || !acts[0].OK ||
		acts[0].Params["refund_price"] != "990" || acts[0].Params["access_token"] != "" {
		t.Fatalf("actions %+v", acts)
	}

	e.clock.Add(5 * time.Second)
	c = e.xeStored(testShop, "A1")
	if getString(c, "state") != "13" || getString(c, "refund_time") != xiaoe.FormatTime(t0.Add(5*time.Second)) {
		t.Fatalf("5 s later: %v", c)
	}
	if _, ok := c[knobRefundAt]; ok {
		t.Error("refund knob left behind")
	}
}

func TestXiaoeRefundPartial(t *testing.T) {
	e := newEnv(t)
	e.xePut(testShop, xeCase("A1", nil))
	d := xeData(t, e.xeCall(xiaoeRefund, e.xeToken(testShop), map[string]any{
		"order_id": "o_A1", "sku_id": "SKU_A1", "refund_price": 500, "user_phone": "13800000000",
	}))
	if getString(d, "refund_type") != "2" {
		t.Errorf("refund_type = %s", getString(d, "refund_type"))
	}
	if p := e.xeActions(testShop)[0].Params["user_phone"]; p != "***" {
		t.Errorf("user_phone logged as %q", p)
	}
}

func TestXiaoeRefundRejected(t *testing.T) {
	tests := []struct {
		name   string
		stored map[string]any
		body   map[string]any
		code   int
		caseID string
	}{
		{"a return", map[string]any{"sale_type": 2}, nil, xiaoe.CodeStateConflict, ""},
		{"already refunding", map[string]any{"state": 11}, nil, xiaoe.CodeStateConflict, ""},
		{"more than applied", nil, map[string]any{"refund_price": 991}, xiaoe.CodeStateConflict, "A1"},
		{"unknown order", nil, map[string]any{"order_id": "o_X"}, xiaoe.CodeNotFound, ""},
		{"other sku", nil, map[string]any{"sku_id": "SKU_X"}, xiaoe.CodeNotFound, ""},
		{"no sku", nil, map[string]any{"sku_id": nil}, xiaoe.CodeBadParam, ""},
		{"no operator", nil, map[string]any{"refund_operator": nil}, xiaoe.CodeBadParam, "A1"},
		{"zero price", nil, map[string]any{"refund_price": 0}, xiaoe.CodeBadParam, "A1"},
		{"fractional price", nil, map[string]any{"refund_price": 9.9}, xiaoe.CodeBadParam, "A1"},
		{"bad delete flag", nil, map[string]any{"is_purchase_delete_flag": 2}, xiaoe.CodeBadParam, "A1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.xePut(testShop, xeCase("A1", tt.stored))
			body := map[string]any{"order_id": "o_A1", "sku_id": "SKU_A1", "refund_price": 990, "refund_operator": "bot"}
			for k, v := range tt.body {
				if v == nil {
					delete(body, k)
				} else {
					body[k] = v
				}
			}
			if c := xeCode(e.xeCall(xiaoeRefund, e.xeToken(testShop), body)); c != tt.code {
				t.Fatalf("code %d, want %d", c, tt.code)
			}
			acts := e.xeActions(testShop)
			if len(acts) != 1 || acts[0].OK || acts[0].CaseID != tt.caseID || acts[0].Error == "" {
				t.Fatalf("actions %+v, want one failed action on %q", acts, tt.caseID)
			}
			if s := e.xeStored(testShop, "A1"); getString(s, "refund_money") != "0" {
				t.Fatalf("refunded anyway: %v", s)
			}
		})
	}
}

func TestXiaoeMerchantDeadlineLapses(t *testing.T) {
	e := newEnv(t)
	deadline := t0.Add(time.Hour)
	e.xePut(testShop, xeCase("A1", map[string]any{"state_invalid_time": xiaoe.FormatTime(deadline)}))
	e.xePut(testShop, xeCase("A2", map[string]any{"state": 2, "state_invalid_time": xiaoe.FormatTime(deadline)}))
	e.xePut(testShop, xeCase("A3", map[string]any{"state": 6, "state_invalid_time": xiaoe.FormatTime(deadline)}))
	e.clock.Add(time.Hour - time.Second)
	if s := getString(e.xeStored(testShop, "A1"), "state"); s != "0" {
		t.Fatalf("before the deadline: state %s", s)
	}
	e.clock.Add(time.Hour)
	for _, id := range []string{"A1", "A2"} {
		c := e.xeStored(testShop, id)
		if getString(c, "state") != "3" || getString(c, "state_str") != "商家逾期未处理" ||
			getString(c, "updated_at") != xiaoe.FormatTime(deadline) || getString(c, "refund_money") != "0" {
			t.Errorf("%s after the deadline: %v", id, c)
		}
	}
	// Only the merchant's turn lapses into 3; nothing is refunded by itself.
	if s := getString(e.xeStored(testShop, "A3"), "state"); s != "6" {
		t.Errorf("buyer's turn moved to %s", s)
	}
	e.clock.Add(30 * 24 * time.Hour)
	if s := getString(e.xeStored(testShop, "A1"), "state"); s != "3" {
		t.Errorf("a month later: state %s", s)
	}
	if c := xeCode(e.xeCall(xiaoeRefund, e.xeToken(testShop), map[string]any{
		"order_id": "o_A1", "sku_id": "SKU_A1", "refund_price": 990, "refund_operator": "bot",
	})); c != xiaoe.CodeStateConflict {
		t.Errorf("refund after the deadline: code %d", c)
	}
}

func TestXiaoeRateLimits(t *testing.T) {
	e := newEnv(t)
	e.xePut(testShop, xeCase("A1", nil))
	tok := e.xeToken(testShop)
	body := map[string]any{"aftersale_id": "A1"}
	for i := range 300 {
		if c := xeCode(e.xeCall(xiaoeDetail, tok, body)); c != 0 {
			t.Fatalf("call %d: code %d", i+1, c)
		}
	}
	if c := xeCode(e.xeCall(xiaoeDetail, tok, body)); c != xiaoe.CodeRateLimited {
		t.Fatalf("call 301: code %d", c)
	}
	// Per endpoint: the list still has its budget.
	today := t0.Format("2006-01-02")
	if c := xeCode(e.xeCall(xiaoeList, tok, map[string]any{"page_index": 1, "page_size": 1, "created_at": today + "||" + today})); c != 0 {
		t.Fatalf("list: code %d", c)
	}
	e.clock.Add(time.Second) // 300 a minute: 5 more a second
	if c := xeCode(e.xeCall(xiaoeDetail, tok, body)); c != 0 {
		t.Fatalf("a second later: code %d", c)
	}

	// xe.order.refund: 100 per 10 s.
	refund := map[string]any{"order_id": "o_X", "sku_id": "S", "refund_price": 1, "refund_operator": "bot"}
	for i := range 100 {
		if c := xeCode(e.xeCall(xiaoeRefund, tok, refund)); c != xiaoe.CodeNotFound {
			t.Fatalf("refund %d: code %d", i+1, c)
		}
	}
	if c := xeCode(e.xeCall(xiaoeRefund, tok, refund)); c != xiaoe.CodeRateLimited {
		t.Fatalf("refund 101: code %d", c)
	}
	if n := e.sb.Calls().RateLimited[PlatformXiaoe]; n != 2 {
		t.Errorf("rate_limited = %d", n)
	}
}

func TestXiaoeFaults(t *testing.T) {
	e := newEnv(t)
	e.xePut(testShop, xeCase("A1", nil))
	tok := e.xeToken(testShop)
	refund := map[string]any{"order_id": "o_A1", "sku_id": "SKU_A1", "refund_price": 990, "refund_operator": "bot"}

	if err := e.sb.SetFaults(Faults{Rate: 1, Kinds: []string{Fault429}, Methods: []string{xiaoeRefund}}); err != nil {
		t.Fatal(err)
	}
	if c := xeCode(e.xeCall(xiaoeRefund, tok, refund)); c != xiaoe.CodeRateLimited {
		t.Fatalf("429 fault: code %d", c)
	}
	// Only the named method gets faults.
	if c := xeCode(e.xeCall(xiaoeDetail, tok, map[string]any{"aftersale_id": "A1"})); c != 0 {
		t.Fatalf("detail: code %d", c)
	}

	e.sb.SetFaults(Faults{Rate: 1, Kinds: []string{FaultMalformed}, Methods: []string{xiaoeRefund}})
	raw, _ := json.Marshal(map[string]any{"access_token": tok, "order_id": "o_A1", "sku_id": "SKU_A1", "refund_price": 990, "refund_operator": "bot"})
	resp, err := http.Post(e.url+"/"+xiaoeRefund+"/1.0.0", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Valid(b) {
		t.Fatalf("malformed fault answered valid JSON %s", b)
	}
	if s := getString(e.xeStored(testShop, "A1"), "state"); s != "0" {
		t.Fatalf("a faulted refund was applied: state %s", s)
	}
	acts := e.xeActions(testShop)
	if len(acts) != 2 || acts[0].OK || acts[0].CaseID != "A1" || !strings.Contains(acts[1].Error, "not applied") {
		t.Fatalf("actions %+v", acts)
	}

	// A timeout applies the refund and never answers.
	e.sb.SetFaults(Faults{Rate: 1, Kinds: []string{FaultTimeout}, Methods: []string{xiaoeRefund}})
	hc := &http.Client{Timeout: 300 * time.Millisecond}
	if _, err := hc.Post(e.url+"/"+xiaoeRefund+"/1.0.0", "application/json", bytes.NewReader(raw)); err == nil {
		t.Fatal("timeout fault answered")
	}
	if s := getString(e.xeStored(testShop, "A1"), "state"); s != "11" {
		t.Fatalf("timeout fault: state %s, want the refund applied", s)
	}
}

func TestXiaoePrepare(t *testing.T) {
	e := newEnv(t)
	for name, c := range map[string]map[string]any{
		"no id":          {"aftersale_id": ""},
		"bad state":      {"state": "done"},
		"negative money": {"apply_refund_money": -1},
		"fractional":     {"refund_money": 9.9},
		"bad time":       {"updated_at": "2026-11-23T10:00:00Z"},
		"bad deadline":   {"state_invalid_time": "soon"},
	} {
		if err := e.sb.PutCase(PlatformXiaoe, testShop, xeCase("A1", c)); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
	e.xePut(testShop, map[string]any{"aftersale_id": "A2"})
	c := e.xeStored(testShop, "A2")
	for k, want := range map[string]string{
		"state": "0", "sale_type": "1", "state_str": "未受理", "sale_type_name": "退款",
		"state_invalid_time": xiaoeNoTime, "invalid_time": xiaoeNoTime, "updated_at": xiaoe.FormatTime(t0),
	} {
		if got := getString(c, k); got != want {
			t.Errorf("default %s = %q, want %q", k, got, want)
		}
	}
}

func TestDemoXiaoeCases(t *testing.T) {
	e := newEnv(t)
	demos := DemoXiaoeCases(t0)
	for _, d := range demos {
		if err := e.sb.PutCase(d.Platform, d.Shop, d.Case); err != nil {
			t.Fatal(err)
		}
	}
	cases := e.sb.Cases(PlatformXiaoe, DemoXiaoeShop)
	if len(cases) != len(demos) || len(cases) < 3 || len(cases) > 4 {
		t.Fatalf("%d demo cases stored", len(cases))
	}
	count := map[string]int{}
	for _, sc := range cases {
		c := sc.Case
		fen, _ := xiaoeInt(c, "apply_refund_money", 0)
		deadline, _ := xiaoe.ParseTime(getString(c, "state_invalid_time"))
		switch {
		case getString(c, "sale_type") == "2":
			count["return"]++
		case fen <= 20000 && deadline.Sub(t0) < 10*time.Minute:
			count["near"]++
		case fen <= 20000:
			count["small"]++
		default:
			count["big"]++
		}
		if getString(c, "order_id") == "" || getString(c, "sku_id") == "" || getString(c, "goods_name") == "" {
			t.Errorf("demo case lacks order, sku or goods: %v", c)
		}
	}
	if count["return"] != 1 || count["near"] != 1 || count["small"] < 1 {
		t.Errorf("demo mix %v", count)
	}
}

func TestXiaoeRefundSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	e.xePut(testShop, xeCase("A1", nil))
	xeData(t, e.xeCall(xiaoeRefund, e.xeToken(testShop), map[string]any{
		"order_id": "o_A1", "sku_id": "SKU_A1", "refund_price": 990, "refund_operator": "bot",
	}))
	path := t.TempDir() + "/sandbox.json"
	if err := e.sb.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	again := New(Options{Now: e.clock.Now})
	if ok, err := again.LoadFile(path); !ok || err != nil {
		t.Fatalf("load: %v %v", ok, err)
	}
	e.clock.Add(5 * time.Second)
	c := again.Cases(PlatformXiaoe, testShop)[0].Case
	if getString(c, "state") != "13" || getString(c, "refund_money") != "990" {
		t.Fatalf("after restart: %v", c)
	}
}
