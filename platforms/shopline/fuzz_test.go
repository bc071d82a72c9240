package shopline

// Fuzz targets for every parser of SHOPLINE bytes: the answer classifier
// ({"errors": ...} in any status), a refund, a return with its packages and
// its order's refunds, decimal amounts, and the webhook receiver driven over
// http.Handler with genuine signatures (Sign) and forged ones. Each checks
// properties, not only "no panic": a parse gives a classified error or a
// Case whose invariants hold (checkCase); a forged webhook never becomes a
// hint.
//
//	GOTOOLCHAIN=local go test ./platforms/shopline -run '^$' -fuzz '^FuzzShoplineWebhook$' -fuzztime 20s

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/platformtest"
	"github.com/aftersale/aftersale/rules"
)

var fuzzNow = time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC)

// slAnswers is an in-memory SHOPLINE: it answers by endpoint, keyed by the
// path under the API prefix ("return.json", "return_fulfillment.json"),
// with "refunds.json" for any order's refund list and "refund" for any one
// refund.
type slAnswers map[string][]byte

func (a slAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	p := strings.TrimPrefix(r.URL.Path, prefix)
	key := p
	switch _, exact := a[p]; {
	case exact:
	case strings.HasSuffix(p, "/refunds.json"):
		key = "refunds.json"
	case strings.HasPrefix(p, "orders/") && strings.Contains(p, "/refunds/"):
		key = "refund"
	}
	body, ok := a[key]
	status := 200
	if !ok {
		status, body = 404, []byte(`{"errors":"Not Found"}`)
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(body))}, nil
}

// fuzzClient is a client of store "shop1" (currency USD) talking to
// answers, without retries.
func fuzzClient(answers slAnswers) *Client {
	c := New(Config{BaseURL: "http://shopline.fuzz", Token: "tok-1", Shop: "shop1", Currency: "USD",
		MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
	c.http.HTTPClient.Transport = answers
	return c
}

func checkErr(t *testing.T, err error) *platforms.Error {
	t.Helper()
	return platformtest.CheckError(t, err, platforms.Shopline)
}

// checkCase fails t unless c satisfies what every parsed SHOPLINE case
// promises.
func checkCase(t testing.TB, c platforms.Case) {
	t.Helper()
	switch {
	case c.Platform != platforms.Shopline || c.Shop != "shop1" || c.Role != platforms.RoleSeller:
		t.Fatalf("identity: %+v", c)
	case c.Currency == "" && (c.Amount != 0 || c.Status != platforms.StatusUnknown):
		t.Fatalf("amount %d without a currency", c.Amount)
	case c.Amount < 0:
		t.Fatalf("negative amount %d", c.Amount)
	case !c.Status.Valid():
		t.Fatalf("status %q is not a normalized status", c.Status)
	}
	if _, err := parseCaseID(c.ID); err != nil {
		t.Fatalf("case id: %v", err)
	}
	switch c.Kind {
	case platforms.KindRefund:
		// A refund's status is its worst transaction's.
		if NormalizeTransactionStatus(c.PlatformStatus) == platforms.StatusUnknown && c.Status != platforms.StatusUnknown {
			t.Fatalf("undocumented transaction status %q maps to %q", c.PlatformStatus, c.Status)
		}
		if len(c.Allowed) > 0 {
			t.Fatalf("refund allows %v", c.Allowed)
		}
	case platforms.KindReturn:
		if NormalizeReturnStatus(c.PlatformStatus) == platforms.StatusUnknown && c.Status != platforms.StatusUnknown {
			t.Fatalf("undocumented return status %q maps to %q", c.PlatformStatus, c.Status)
		}
		// A refund already covering the return must never allow another.
		if c.Attrs["refund_ids"] != "" && len(c.Allowed) > 0 {
			t.Fatalf("refunded return allows %v", c.Allowed)
		}
		if len(c.Allowed) > 0 {
			if _, err := decodeLines(c.Attrs["refund_lines"]); err != nil {
				t.Fatalf("actionable return with refund_lines %q: %v", c.Attrs["refund_lines"], err)
			}
		}
	default:
		t.Fatalf("kind %q", c.Kind)
	}
	if c.Status == platforms.StatusUnknown && len(c.Allowed) > 0 {
		t.Fatalf("unknown status allows %v", c.Allowed)
	}
	if !c.Modified.IsZero() && c.Modified.Location() != time.UTC {
		t.Fatalf("modified %v not in UTC", c.Modified)
	}
	platformtest.CheckCase(t, c, fuzzNow)
}

// seedRefunds is the refund list the seed page documents, rebuilt from its
// field list as TestSeedOrderRefundsPage does.
func seedRefunds(tb testing.TB) []byte {
	tb.Helper()
	page, err := os.ReadFile("testdata/shopline-order-refunds.txt")
	if err != nil {
		tb.Fatal(err)
	}
	sample, _ := build(tb, seedFields(tb, page), refundsSchema)
	raw, err := json.Marshal(sample)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

var endpoints = []endpoint{epRefunds, epRefund, epCalculate, epCreate, epReturns, epReturnFulf}

// FuzzShoplineAnswer feeds any status and body to the answer classifier:
// anything but a 2xx without "errors" is a classified error.
func FuzzShoplineAnswer(f *testing.F) {
	for _, body := range []string{`{"errors":"Not Found"}`, `{"errors":{"amount":["too big"]}}`, `{"errors":["a","b"]}`,
		`{"errors":null}`, `{"refund":{"id":"R1"}}`, calcAnswer, ``, `{`, `null`, `[]`, `"x"`,
		`{"errors":"` + strings.Repeat("é", 400) + `"}`, `{"errors":` + strings.Repeat(`[`, 20000) + `}`} {
		for _, status := range []int{200, 201, 400, 401, 402, 404, 422, 423, 429, 433, 435, 500, 503} {
			f.Add(uint8(0), status, []byte(body))
		}
	}
	f.Add(uint8(3), 502, []byte(`oops`))
	f.Fuzz(func(t *testing.T, e uint8, status int, body []byte) {
		ep := endpoints[int(e)%len(endpoints)]
		if status < 100 || status > 999 {
			status = 200
		}
		c := fuzzClient(nil)
		resp := &http.Response{StatusCode: status, Header: http.Header{"Traceid": {"trace-1"}}, Body: io.NopCloser(bytes.NewReader(body))}
		var out any
		err := c.answer(withEndpoint(context.Background(), ep), ep, resp, nil, &out)
		if err == nil {
			var env struct {
				Errors json.RawMessage `json:"errors"`
			}
			if status < 200 || status > 299 {
				t.Fatalf("HTTP %d accepted", status)
			}
			if json.Unmarshal(body, &env) == nil && len(env.Errors) > 0 && string(env.Errors) != "null" {
				t.Fatalf("errors %s accepted", env.Errors)
			}
			return
		}
		pe := checkErr(t, err)
		if status >= 200 && status <= 299 && pe.Kind != platforms.ErrMalformed && pe.Code != "errors" {
			t.Fatalf("HTTP %d: %+v", status, pe)
		}
		if !utf8.ValidString(pe.Message) && utf8.Valid(body) {
			t.Fatalf("message cut inside a character: %q", pe.Message)
		}
		if ep.mutating && status >= 500 && !strings.Contains(pe.Message, "outcome unknown") {
			t.Fatalf("ambiguous failure of a refund does not say so: %v", pe)
		}
		if _, cerr := checkRetry(withEndpoint(context.Background(), ep), resp, nil); cerr != nil {
			t.Fatalf("checkRetry: %v", cerr)
		}
		if b := backoff(time.Millisecond, 5*time.Second, 1, resp); b < 0 {
			t.Fatalf("backoff %v", b)
		}
	})
}

// refundAmount is the exact sum of a refund's refund transactions, or nil
// when one does not parse.
func refundAmount(r Refund) *big.Int {
	sum := new(big.Int)
	for _, tr := range r.refundTransactions() {
		n, err := Minor(tr.Amount, tr.Currency)
		if err != nil {
			return nil
		}
		sum.Add(sum, big.NewInt(n))
	}
	return sum
}

// refundVariants are edge cases of a refund's transactions.
var refundVariants = []string{
	`{"refund":{"id":"R1","order_id":"O1","transactions":[{"id":"t1","amount":"30.00","currency":"USD","kind":"refund","status":"pending"}]}}`,
	`{"refund":{"id":"R1","order_id":"O1","transactions":[{"amount":"999999999999999.999","currency":"KWD","status":"success"},` +
		`{"amount":"999999999999999.999","currency":"KWD","status":"success"},{"amount":"999999999999999.999","currency":"KWD","status":"success"},` +
		`{"amount":"999999999999999.999","currency":"KWD","status":"success"},{"amount":"999999999999999.999","currency":"KWD","status":"success"},` +
		`{"amount":"999999999999999.999","currency":"KWD","status":"success"},{"amount":"999999999999999.999","currency":"KWD","status":"success"},` +
		`{"amount":"999999999999999.999","currency":"KWD","status":"success"},{"amount":"999999999999999.999","currency":"KWD","status":"success"},` +
		`{"amount":"999999999999999.999","currency":"KWD","status":"success"}]}}`,
	`{"refund":{"id":"R1","order_id":"O1","transactions":[{"amount":1e3,"currency":"USD","status":"success"}]}}`,
	`{"refund":{"id":"R1","order_id":"O1","transactions":[{"amount":"-1","currency":"USD","status":"success"}]}}`,
	`{"refund":{"id":"R1","order_id":"O1","transactions":[{"amount":"1","currency":"USD","status":"reversed"}]}}`,
	`{"refund":{"id":"R1","order_id":"O1","transactions":[]}}`,
	`{"refund":{"id":"R1","order_id":"O1","created_at":"0000-01-01T00:00:00+01:00"}}`,
	`{"refund":{"id":"R1","order_id":"O1","processed_at":"9999-12-31T23:59:59-01:00"}}`,
	`{"refund":{"id":"R1","order_id":"O1","refund_line_items":[{"quantity":-1,"subtotal":"x","restock_type":"return"}]}}`,
	`{"refund":{"id":12345678901234567890123,"order_id":"O1"}}`, `{"refund":{"id":"R1","order_id":{}}}`,
	`{"refund":null}`, `{}`, `{"refund":{"id":"R1","order_id":"O1","transactions":{}}}`,
}

// FuzzShoplineRefund feeds one refund's answer to Get: a case only for the
// refund asked for, with the exact sum of its refund transactions.
func FuzzShoplineRefund(f *testing.F) {
	var list struct {
		Refunds []json.RawMessage `json:"refunds"`
	}
	if err := json.Unmarshal(seedRefunds(f), &list); err != nil || len(list.Refunds) != 1 {
		f.Fatalf("seed refunds: %v", err)
	}
	f.Add("21057168152571061289431726", "SL201AS4571669738589065294", []byte(`{"refund":`+string(list.Refunds[0])+`}`))
	f.Add("O1", "R1", []byte(`{"refund":{"id":"R1","transactions":[{"amount":"5","currency":"JPY","status":"success"}]}}`))
	for _, v := range refundVariants {
		f.Add("O1", "R1", []byte(v))
	}
	f.Add("O1", "12345678901234567890123", []byte(refundVariants[9]))
	f.Fuzz(func(t *testing.T, orderID, refundID string, body []byte) {
		c := fuzzClient(slAnswers{"refund": body})
		cs, err := c.Get(context.Background(), RefundCaseID(orderID, refundID))
		if err != nil {
			checkErr(t, err)
			return
		}
		if cs.ID != RefundCaseID(orderID, refundID) || cs.Kind != platforms.KindRefund {
			t.Fatalf("asked for refund %s of order %s, got %q", refundID, orderID, cs.ID)
		}
		checkCase(t, cs)
		var out struct {
			Refund Refund `json:"refund"`
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&out); err != nil {
			t.Fatalf("case from an answer that does not decode: %v", err)
		}
		if want := refundAmount(out.Refund); want == nil || want.Cmp(big.NewInt(cs.Amount)) != 0 {
			t.Fatalf("amount %d, want %v", cs.Amount, want)
		}
	})
}

// returnAmount is the exact value of a return's lines, or nil when one does
// not parse.
func returnAmount(r Return, currency string) *big.Int {
	sum := new(big.Int)
	for _, l := range r.LineItems {
		q, err := l.Quantity.Int()
		price, cur := l.FulfillmentLineItem.LineItem.Price, currency
		if ps := l.FulfillmentLineItem.LineItem.PriceSet; ps != nil && ps.ShopMoney.Amount != "" {
			price, cur = ps.ShopMoney.Amount, ps.ShopMoney.CurrencyCode
		}
		unit, perr := Minor(price, cur)
		if err != nil || perr != nil {
			return nil
		}
		sum.Add(sum, new(big.Int).Mul(big.NewInt(unit), big.NewInt(int64(q))))
	}
	return sum
}

// FuzzShoplineReturn feeds the three answers a return case is read from
// (the return, its packages, its order's refunds) to Get.
func FuzzShoplineReturn(f *testing.F) {
	returns := func(r string) []byte { return []byte(`{"returns":[` + r + `]}`) }
	pkgs := func(status string) []byte {
		return []byte(`{"order_return_fulfillment_list":[{"id":"RFO1","return_id":"` + returnID + `","status":"` + status + `"}]}`)
	}
	refunds := seedRefunds(f)
	for _, p := range []string{"CLOSED", "OPEN", "CANCELLED", "LOST"} {
		f.Add(returns(aReturn), pkgs(p), []byte(`{"refunds":[]}`))
	}
	f.Add(returns(aReturn), pkgs("CLOSED"), refunds)
	f.Add(returns(aReturn), pkgs("CLOSED"), []byte(`{"refunds":[{"id":"R9","order_id":"`+orderID+`","created_at":"2025-06-02T00:00:00Z",`+
		`"refund_line_items":[{"line_item_id":"L1","quantity":2},{"line_item_id":"L2","quantity":1}],"transactions":[{"id":"t","amount":"30","currency":"USD","status":"success"}]}]}`))
	f.Add(returns(aReturn), pkgs("CLOSED"), []byte(`{"refunds":[{"id":"R9","created_at":"not a time","refund_line_items":[{"line_item_id":"L1","quantity":1}]}]}`))
	f.Add(returns(strings.Replace(aReturn, `"quantity": 2`, `"quantity": 99999999999999999`, 1)), pkgs("CLOSED"), []byte(`{"refunds":[]}`))
	f.Add(returns(strings.Replace(aReturn, `"12.50"`, `"999999999999999.99"`, 2)), pkgs("CLOSED"), []byte(`{"refunds":[]}`))
	f.Add(returns(strings.Replace(aReturn, `"OPEN"`, `"cancelled"`, 1)), []byte(``), []byte(``))
	f.Add(returns(strings.Replace(aReturn, `"OPEN"`, `"REOPENED"`, 1)), []byte(``), []byte(``))
	f.Add(returns(strings.Replace(aReturn, `"2025-06-01T18:00:00+08:00"`, `"0000-01-01T00:00:00+08:00"`, 1)), pkgs("CLOSED"), []byte(`{"refunds":[]}`))
	f.Add(returns(`{"id":"`+returnID+`","order_id":"`+orderID+`","status":"OPEN","return_line_items":[]}`), pkgs("CLOSED"), []byte(`{"refunds":[]}`))
	f.Add([]byte(`{"returns":{}}`), []byte(`{}`), []byte(`{}`))
	f.Add(returns(aReturn), []byte(`{"order_return_fulfillment_list":null}`), []byte(`{"refunds":null}`))
	f.Fuzz(func(t *testing.T, ret, packages, orderRefunds []byte) {
		c := fuzzClient(slAnswers{"return.json": ret, "return_fulfillment.json": packages, "refunds.json": orderRefunds})
		cs, err := c.Get(context.Background(), ReturnCaseID(returnID))
		if err != nil {
			checkErr(t, err)
			return
		}
		if cs.ID != ReturnCaseID(returnID) || cs.Kind != platforms.KindReturn {
			t.Fatalf("asked for return %s, got %q", returnID, cs.ID)
		}
		checkCase(t, cs)
		var rets struct {
			Returns []Return `json:"returns"`
		}
		d := json.NewDecoder(bytes.NewReader(ret))
		d.UseNumber()
		if err := d.Decode(&rets); err != nil {
			t.Fatalf("case from an answer that does not decode: %v", err)
		}
		var r *Return
		for i := range rets.Returns {
			if rets.Returns[i].ID.String() == returnID {
				r = &rets.Returns[i]
			}
		}
		if want := returnAmount(*r, "USD"); want == nil || want.Cmp(big.NewInt(cs.Amount)) != 0 {
			t.Fatalf("amount %d, want %v", cs.Amount, want)
		}
	})
}

// recorder is slAnswers that keeps the body of the refund creation.
type recorder struct {
	slAnswers
	created []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/order/refund.json") && req.Body != nil {
		r.created, _ = io.ReadAll(req.Body)
	}
	return r.slAnswers.RoundTrip(req)
}

// FuzzShoplineCalculate feeds refund calculations (refunds/calculate.json)
// to Act on an arrived 30.00 USD return: a refund is created only when the
// calculation covers the returned lines, and the transactions it pays sum
// to more than zero and at most the amount decided on, exactly.
func FuzzShoplineCalculate(f *testing.F) {
	f.Add([]byte(calcAnswer), []byte(`{"refund":{"id":"SLR1"}}`))
	f.Add([]byte(strings.Replace(calcAnswer, `"transactions"`, `"transactons"`, 1)), []byte(`{"data":{"id":"SLR2"}}`))
	f.Add([]byte(strings.Replace(calcAnswer, `"30.00"`, `"30.01"`, 1)), []byte(`{}`))
	f.Add([]byte(strings.Replace(calcAnswer, `"quantity":2`, `"quantity":1`, 1)), []byte(`{}`))
	f.Add([]byte(strings.Replace(calcAnswer, `"currency":"USD",`, `"currency":"JPY",`, 1)), []byte(`{}`))
	two := `{"refund":{"currency":"USD","transactions":[{"amount":"92233720368547758.07"},{"amount":"92233720368547758.07"},{"amount":"0.02"}]}}`
	f.Add([]byte(two), []byte(`{"refund":{"id":"SLR3"}}`))
	// 184 × 999999999999999.99 + 467440737095528.00 USD is 2^64 + 1000 cents:
	// a sum in int64 wraps around to 10.00 USD.
	wrap := `{"refund":{"currency":"USD","refund_line_items":[{"line_item_id":"L1","quantity":2},{"line_item_id":"L2","quantity":1}],"transactions":[` +
		strings.Repeat(`{"amount":"999999999999999.99"},`, 184) + `{"amount":"467440737095528.00"}]}}`
	f.Add([]byte(wrap), []byte(`{"refund":{"id":"SLR4"}}`))
	f.Add([]byte(`{"refund":{"currency":"USD","transactions":[{"amount":"10"},{"amount":"10"},{"amount":"10"}]}}`), []byte(`{"refund":{"id":7}}`))
	f.Add([]byte(`{"refund":{"transactions":[]}}`), []byte(``))
	f.Add([]byte(`{"refund":null}`), []byte(``))
	f.Add([]byte(`{"errors":"Unprocessable"}`), []byte(``))
	f.Fuzz(func(t *testing.T, calc, created []byte) {
		rec := &recorder{slAnswers: slAnswers{
			"return.json":             []byte(`{"returns":[` + aReturn + `]}`),
			"return_fulfillment.json": []byte(`{"order_return_fulfillment_list":[{"id":"RFO1","status":"CLOSED"}]}`),
			"refunds.json":            []byte(`{"refunds":[]}`),
			"orders/" + orderID + "/refunds/calculate.json": calc,
			"order/refund.json":                             created,
		}}
		c := fuzzClient(nil)
		c.http.HTTPClient.Transport = rec
		cs, err := c.Get(context.Background(), ReturnCaseID(returnID))
		if err != nil || cs.Amount != 3000 || !cs.Allows(platforms.ActionAgree) {
			t.Fatalf("arrived return: %+v, %v", cs, err)
		}
		_, err = c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree})
		if err != nil {
			checkErr(t, err)
			if rec.created != nil && platforms.KindOf(err) != platforms.ErrMalformed && platforms.KindOf(err) != platforms.ErrInvalid &&
				platforms.KindOf(err) != platforms.ErrRefused && platforms.KindOf(err) != platforms.ErrNotFound {
				t.Fatalf("refund sent, then %v", err)
			}
		}
		if rec.created == nil {
			if err == nil {
				t.Fatal("agreed without creating a refund")
			}
			return
		}
		var body struct {
			Currency     string `json:"currency"`
			Transactions []struct {
				Amount   string `json:"amount"`
				Currency string `json:"currency"`
				Kind     string `json:"kind"`
			} `json:"transactions"`
		}
		if err := json.Unmarshal(rec.created, &body); err != nil {
			t.Fatal(err)
		}
		sum := new(big.Rat)
		for _, tr := range body.Transactions {
			r, ok := new(big.Rat).SetString(tr.Amount)
			if !ok || tr.Currency != "USD" || tr.Kind != "refund" {
				t.Fatalf("created %s", rec.created)
			}
			sum.Add(sum, r)
		}
		if body.Currency != "USD" || sum.Sign() <= 0 || sum.Cmp(big.NewRat(3000, 100)) > 0 {
			t.Fatalf("refund of %s USD created for a 30.00 USD return: %s", sum.FloatString(2), rec.created)
		}
	})
}

// FuzzShoplineMinor checks decimal amounts: an accepted one is exact in the
// currency's minor units and formats back to the same amount.
func FuzzShoplineMinor(f *testing.F) {
	for _, s := range []string{"10.00", "100", "8.5", "0.001", "999999999999999.999", "1000000000000000", "-1", "1e3", ".5", "5.", ""} {
		for _, cur := range []string{"USD", "JPY", "KWD", "XXX"} {
			f.Add(s, cur)
		}
	}
	f.Fuzz(func(t *testing.T, s, currency string) {
		n, err := Minor(Text(s), currency)
		if err != nil {
			return
		}
		r, ok := new(big.Rat).SetString(s)
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(rules.Digits(currency))), nil)
		if !ok || n < 0 || r.Mul(r, new(big.Rat).SetInt(scale)).Cmp(new(big.Rat).SetInt64(n)) != 0 {
			t.Fatalf("Minor(%q, %q) = %d", s, currency, n)
		}
		if back, err := Minor(Text(Major(n, currency)), currency); err != nil || back != n {
			t.Fatalf("Minor(%q, %q) = %d, formatted %q reads %d, %v", s, currency, n, Major(n, currency), back, err)
		}
	})
}

var webhookTopics = []string{TopicRefundCreate, TopicReturnCreate, TopicReturnUpdate, TopicPackageCreate, TopicPackageUpdate, "orders/create", ""}

// FuzzShoplineWebhook drives the webhook receiver with fuzzed bodies and
// headers, signed with the package's own Sign or with a fuzzed signature.
// It answers 200, 400, 401 or 413 (500 only when the sink fails); a request
// whose signature does not verify is 401 and never a hint; a 200 hands on
// at most one hint, for a case id Get can read, and a redelivery none.
func FuzzShoplineWebhook(f *testing.F) {
	bodies := []string{
		refundBody,
		`{"create_at":"2021-08-18T23:59:59+08:00","return_id":"2606638933449574496270","reverse_delivery_id":"RPP6638942961232558100"}`,
		`{"after_sale_order_seq":"2606576826460396889110","order_seq":"21064997045395244145024325"}`,
		`{"after_sale_order_seq":2606576826460396889110}`,
		``, `{`, `null`, `[]`, `{"id":"a/b","order_id":"1"}`, `{"return_id":"` + strings.Repeat("9", 65) + `"}`,
		`{"return_id":` + strings.Repeat(`[`, 20000) + `}`,
	}
	for i, b := range bodies {
		topic := webhookTopics[i%len(webhookTopics)]
		f.Add(topic, "open001.myshopline.com", "wh-1", []byte(b), true, "", false)
		f.Add(topic, "open002", "", []byte(b), false, Sign("someone-else", []byte(b)), false)
	}
	f.Add(TopicRefundCreate, "OPEN001.myshopline.com", "wh-2", []byte(refundBody), false, Sign(testSecret, []byte(refundBody)), false)
	f.Add(TopicRefundCreate, "open001.myshopline.com", "wh-3", []byte(refundBody), false, " ", false)
	f.Add(TopicRefundCreate, "open001.myshopline.com", "wh-3", []byte(refundBody), false, "not base64!", false)
	f.Add(TopicRefundCreate, "open001.myshopline.com", "wh-4", []byte(refundBody), true, "", true)
	f.Add(TopicRefundCreate, "unknown.myshopline.com", "wh-5", []byte(refundBody), true, "", false)
	f.Add(TopicRefundCreate, ".myshopline.com", "wh-6", []byte(refundBody), true, "", false)
	f.Fuzz(func(t *testing.T, topic, domain, id string, body []byte, signIt bool, sig string, sinkFails bool) {
		if signIt {
			sig = "" // deliver signs with testSecret
		} else if sig == "" {
			sig = " " // an empty header; deliver would sign ""
		}
		for _, v := range []string{topic, domain, id, sig} {
			if !validHeader(v) {
				return // net/http could not send it
			}
		}
		hd, h := newReceiver()
		h.fail = nil
		if sinkFails {
			h.fail = errors.New("temporal down")
		}
		genuine := signIt || VerifySignature(testSecret, body, sig)
		code := deliver(t, hd, topic, id, domain, string(body), sig)
		switch {
		case len(body) > maxWebhookBody:
			if code != http.StatusRequestEntityTooLarge || len(h.got) != 0 {
				t.Fatalf("oversized webhook: HTTP %d, hints %+v", code, h.got)
			}
			return
		case !genuine:
			if code != http.StatusUnauthorized || len(h.got) != 0 {
				t.Fatalf("forged webhook: HTTP %d, hints %+v", code, h.got)
			}
			return
		case code == http.StatusOK:
		case code == http.StatusBadRequest:
			if len(h.got) != 0 {
				t.Fatalf("HTTP 400 with hints %+v", h.got)
			}
			return
		case code == http.StatusInternalServerError && sinkFails:
			// SHOPLINE redelivers; the id was forgotten, so it goes through.
			h.fail = nil
			if c := deliver(t, hd, topic, id, domain, string(body), sig); c != http.StatusOK || len(h.got) != 1 {
				t.Fatalf("redelivery after a failed hint: HTTP %d, hints %+v", c, h.got)
			}
			return
		default:
			t.Fatalf("HTTP %d", code)
		}
		if len(h.got) > 1 {
			t.Fatalf("hints %+v", h.got)
		}
		if len(h.got) == 1 {
			x := h.got[0]
			if !knownTopic(topic) || x.Platform != platforms.Shopline || (x.Shop != "shop1" && x.Shop != "shop2") || x.Case != nil {
				t.Fatalf("topic %q domain %q: hint %+v", topic, domain, x)
			}
			if _, err := parseCaseID(x.CaseID); err != nil {
				t.Fatalf("hint for a case Get cannot read: %v", err)
			}
			if id != "" {
				if c := deliver(t, hd, topic, id, domain, string(body), sig); c != http.StatusOK || len(h.got) != 1 {
					t.Fatalf("redelivery: HTTP %d, hints %+v", c, h.got)
				}
			}
		}
	})
}

// validHeader reports whether net/http can carry v as a header value.
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// TestWebhookTooLarge: a body over 1 MiB is answered 413 and read no
// further, signed or not.
func TestWebhookTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		code int
	}{
		{"at the limit", maxWebhookBody, http.StatusOK},
		{"one byte over", maxWebhookBody + 1, http.StatusRequestEntityTooLarge},
		{"far over", 8 << 20, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hd, h := newReceiver()
			body := refundBody + strings.Repeat(" ", tc.size-len(refundBody))
			if code := deliver(t, hd, TopicRefundCreate, "wh-big", "open001.myshopline.com", body, ""); code != tc.code || (len(h.got) == 1) != (tc.code == http.StatusOK) {
				t.Fatalf("HTTP %d with %d hints, want %d", code, len(h.got), tc.code)
			}
		})
	}
	rec := httptest.NewRecorder()
	hd, _ := newReceiver()
	hd.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", io.LimitReader(neverEnding('x'), 64<<20)))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("64 MiB stream: HTTP %d", rec.Code)
	}
}

// neverEnding is an endless stream of one byte.
type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
