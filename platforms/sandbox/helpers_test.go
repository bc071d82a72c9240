package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms/taobao"
)

// t0 is the tests' starting sandbox time.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, cst)

const testShop = "shop1"

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a sandbox on a fake clock behind an httptest server.
type env struct {
	t     *testing.T
	sb    *Sandbox
	clock *fakeClock
	url   string
}

func newEnv(t *testing.T, edit ...func(*Options)) *env {
	t.Helper()
	clock := &fakeClock{t: t0}
	opts := Options{Now: clock.Now, FaultSeed: 1}
	for _, f := range edit {
		f(&opts)
	}
	sb := New(opts)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, sb: sb, clock: clock, url: srv.URL}
}

// params returns the unsigned parameters of a call by testShop.
func (e *env) params(method string, biz map[string]string) url.Values {
	p := url.Values{
		"method":      {method},
		"app_key":     {DefaultTOPAppKey},
		"session":     {TOPSessionFor(testShop)},
		"timestamp":   {topTime(e.clock.Now())},
		"format":      {"json"},
		"v":           {"2.0"},
		"sign_method": {taobao.SignMD5},
	}
	for k, v := range biz {
		p.Set(k, v)
	}
	return p
}

func sign(t *testing.T, p url.Values, secret string) url.Values {
	t.Helper()
	s, err := taobao.Sign(p, secret, p.Get("sign_method"))
	if err != nil {
		t.Fatal(err)
	}
	p.Set("sign", s)
	return p
}

// post sends a form and returns the status and body.
func (e *env) post(p url.Values) (int, []byte) {
	e.t.Helper()
	resp, err := http.PostForm(e.url+"/router/rest", p)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// call signs and sends a TOP call by testShop and decodes the answer.
func (e *env) call(method string, biz map[string]string) map[string]any {
	e.t.Helper()
	return e.send(sign(e.t, e.params(method, biz), DefaultTOPAppSecret))
}

func (e *env) send(p url.Values) map[string]any {
	e.t.Helper()
	code, body := e.post(p)
	if code != http.StatusOK {
		e.t.Fatalf("HTTP %d: %s", code, body)
	}
	var m map[string]any
	if err := decodeJSON(body, &m); err != nil {
		e.t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	return m
}

// ok calls method and returns the inside of its <root>_response, failing
// on an error_response.
func (e *env) ok(method string, biz map[string]string) map[string]any {
	e.t.Helper()
	m := e.call(method, biz)
	inner, found := m[topRoot(method)].(map[string]any)
	if !found {
		e.t.Fatalf("%s: no %s in %v", method, topRoot(method), m)
	}
	return inner
}

// errCode returns the error_response code and sub_code of an answer, or 0.
func errCode(m map[string]any) (int, string) {
	er, ok := m["error_response"].(map[string]any)
	if !ok {
		return 0, ""
	}
	code, _ := er["code"].(json.Number).Int64()
	return int(code), getString(er, "sub_code")
}

// refundCase is a WAIT_SELLER_AGREE refund-only case of ¥100.00 with a
// seller deadline 48h after t0, changed by overrides.
func refundCase(id string, overrides map[string]any) map[string]any {
	c := map[string]any{
		"refund_id":       id,
		"tid":             "3961024500000000001",
		"status":          topWaitSellerAgree,
		"good_status":     "BUYER_NOT_RECEIVED",
		"has_good_return": false,
		"order_status":    "WAIT_SELLER_SEND_GOODS",
		"refund_fee":      "100.00",
		"refund_phase":    "onsale",
		"title":           "测试商品",
		"reason":          "不想要了",
		"created":         topTime(t0.Add(-2 * time.Hour)),
		"modified":        topTime(t0.Add(-time.Hour)),
		"refund_version":  "1700000000000",
		"refund_remind_timeout": map[string]any{
			"exist_timeout": true, "remind_type": 1, "timeout": topTime(t0.Add(48 * time.Hour)),
		},
	}
	maps.Copy(c, overrides)
	return c
}

func (e *env) put(shop string, c map[string]any) {
	e.t.Helper()
	if err := e.sb.PutCase(PlatformTaobao, shop, c); err != nil {
		e.t.Fatal(err)
	}
}

// stored returns a case of testShop as the admin API shows it now.
func (e *env) stored(id string) map[string]any {
	e.t.Helper()
	for _, c := range e.sb.Cases(PlatformTaobao, testShop) {
		if getString(c.Case, "refund_id") == id {
			return c.Case
		}
	}
	e.t.Fatalf("case %s not stored", id)
	return nil
}

func timeout(c map[string]any) string {
	rt, _ := c["refund_remind_timeout"].(map[string]any)
	if !getBool(rt, "exist_timeout") {
		return ""
	}
	return getString(rt, "timeout")
}

// admin sends a request to the admin API and decodes the JSON answer into out.
func (e *env) admin(method, path string, body any, out any) int {
	e.t.Helper()
	var r io.Reader
	if raw, ok := body.(string); ok {
		r = strings.NewReader(raw)
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := decodeJSON(b, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func infos(parts ...string) string { return strings.Join(parts, ",") }
