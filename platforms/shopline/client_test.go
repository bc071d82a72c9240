package shopline

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

const prefix = "/admin/openapi/" + APIVersion + "/"

// fake is a scripted SHOPLINE: answers per endpoint path (without the API
// prefix), consumed in order, the last one repeating.
type fake struct {
	t       *testing.T
	mu      sync.Mutex
	answers map[string][]answer
	calls   []call
}

type answer struct {
	status int
	body   string
	header map[string]string
}

type call struct {
	method, path, query, auth, ctype string
	body                             map[string]any
}

func newFake(t *testing.T) (*fake, *Client) {
	f := &fake{t: t, answers: map[string][]answer{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := New(Config{BaseURL: srv.URL, Token: "tok-1", Shop: "shop1", Currency: "USD", Timeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	return f, c
}

func (f *fake) on(path string, as ...answer) { f.answers[path] = as }

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, prefix)
	c := call{method: r.Method, path: path, query: r.URL.RawQuery, auth: r.Header.Get("Authorization"), ctype: r.Header.Get("Content-Type")}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &c.body); err != nil {
			f.t.Errorf("%s: body is not JSON: %s", path, b)
		}
	}
	f.calls = append(f.calls, c)
	as := f.answers[path]
	if len(as) == 0 {
		w.WriteHeader(404)
		io.WriteString(w, `{"errors":"Not Found"}`)
		return
	}
	a := as[0]
	if len(as) > 1 {
		f.answers[path] = as[1:]
	}
	w.Header().Set("traceId", "trace-"+path)
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (f *fake) callsTo(path string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.path == path {
			out = append(out, c)
		}
	}
	return out
}

func ok(body string) answer { return answer{status: 200, body: body} }

const (
	orderID  = "21058605762597644309430942"
	returnID = "2605860580357012238342"
)

// arrived scripts an OPEN return of 30.00 USD whose package arrived.
func arrived(f *fake) {
	f.on("return.json", ok(`{"returns":[`+aReturn+`]}`))
	f.on("return_fulfillment.json", ok(`{"order_return_fulfillment_list":[{"id":"RFO1","return_id":"`+returnID+`","status":"CLOSED"}]}`))
	f.on("orders/"+orderID+"/refunds.json", ok(`{"refunds":[]}`))
}

func TestGetReturn(t *testing.T) {
	f, c := newFake(t)
	arrived(f)
	cs, err := c.Get(context.Background(), ReturnCaseID(returnID))
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != platforms.StatusAwaitingSellerReceipt || cs.Amount != 3000 || !cs.Allows(platforms.ActionAgree) {
		t.Fatalf("case = %+v", cs)
	}
	for _, want := range []struct{ path, query string }{
		{"return.json", "id=" + returnID},
		{"return_fulfillment.json", "return_id=" + returnID},
		{"orders/" + orderID + "/refunds.json", "limit=250"},
	} {
		got := f.callsTo(want.path)
		if len(got) != 1 || got[0].method != "GET" || got[0].query != want.query {
			t.Fatalf("%s: calls %+v", want.path, got)
		}
		if got[0].auth != "Bearer tok-1" || got[0].ctype != "application/json; charset=utf-8" {
			t.Fatalf("%s: headers %q %q", want.path, got[0].auth, got[0].ctype)
		}
	}
}

func TestGetClosedReturnIsOneCall(t *testing.T) {
	f, c := newFake(t)
	f.on("return.json", ok(`{"returns":[`+strings.Replace(aReturn, `"OPEN"`, `"CLOSED"`, 1)+`]}`))
	cs, err := c.Get(context.Background(), ReturnCaseID(returnID))
	if err != nil || cs.Status != platforms.StatusSucceeded {
		t.Fatalf("%+v %v", cs, err)
	}
	if len(f.calls) != 1 {
		t.Fatalf("%d calls", len(f.calls))
	}
}

func TestGetMissingReturn(t *testing.T) {
	f, c := newFake(t)
	f.on("return.json", ok(`{"returns":[]}`))
	if _, err := c.Get(context.Background(), ReturnCaseID(returnID)); platforms.KindOf(err) != platforms.ErrNotFound {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Get(context.Background(), "12345"); platforms.KindOf(err) != platforms.ErrInvalid {
		t.Fatalf("bad id: err = %v", err)
	}
}

func TestGetRefund(t *testing.T) {
	f, c := newFake(t)
	f.on("orders/O1/refunds/R1.json", ok(`{"refund":{"id":"R1","order_id":"O1","created_at":"2025-06-02T09:00:00Z",
		"transactions":[{"id":"T1","amount":"35.00","currency":"USD","kind":"refund","status":"failure"}]}}`))
	cs, err := c.Get(context.Background(), RefundCaseID("O1", "R1"))
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != platforms.StatusAwaitingSeller || cs.PlatformStatus != "failure" || cs.Amount != 3500 || cs.Kind != platforms.KindRefund {
		t.Fatalf("case = %+v", cs)
	}
	f.on("orders/O1/refunds/R2.json", ok(`{"refund":{"id":"R1","order_id":"O1"}}`))
	if _, err := c.Get(context.Background(), RefundCaseID("O1", "R2")); platforms.KindOf(err) != platforms.ErrMalformed {
		t.Fatalf("another refund's answer: %v", err)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	for _, tc := range []struct {
		a    answer
		kind platforms.ErrorKind
	}{
		{answer{status: 401, body: `{"errors":"Unauthorized"}`}, platforms.ErrAuth},
		{answer{status: 423, body: `{"errors":"store locked"}`}, platforms.ErrRefused},
		{answer{status: 422, body: `{"errors":"id and order_id cannot both be empty"}`}, platforms.ErrInvalid},
		{answer{status: 200, body: `{"returns":[`}, platforms.ErrMalformed},
		{answer{status: 200, body: `{"errors":"bad request"}`}, platforms.ErrInvalid},
	} {
		f, c := newFake(t)
		f.on("return.json", tc.a)
		_, err := c.Get(context.Background(), ReturnCaseID(returnID))
		if platforms.KindOf(err) != tc.kind {
			t.Errorf("HTTP %d %s: err = %v, want %s", tc.a.status, tc.a.body, err, tc.kind)
		}
		if tc.a.status >= 400 && !strings.Contains(err.Error(), "traceId trace-return.json") {
			t.Errorf("error %q lacks the traceId", err)
		}
		if strings.Contains(err.Error(), "tok-1") {
			t.Errorf("the token leaked into %q", err)
		}
	}
}

func TestReadsAreRetried(t *testing.T) {
	f, c := newFake(t)
	arrived(f)
	f.on("return.json", answer{status: 503, body: `{"errors":"busy"}`},
		answer{status: 429, body: `{"errors":"Too many request"}`, header: map[string]string{"Retry-After": "1"}},
		ok(`{"returns":[`+aReturn+`]}`))
	if _, err := c.Get(context.Background(), ReturnCaseID(returnID)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.callsTo("return.json")); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
}

func TestLongRateLimitGoesBackToTheCaller(t *testing.T) {
	f, c := newFake(t)
	f.on("return.json", answer{status: 429, body: `{"errors":"Too many request"}`, header: map[string]string{"Retry-After": "30"}})
	_, err := c.Get(context.Background(), ReturnCaseID(returnID))
	var pe *platforms.Error
	if !asError(err, &pe) || pe.Kind != platforms.ErrRateLimited || pe.RetryAfter != 30*time.Second {
		t.Fatalf("err = %#v", err)
	}
	if n := len(f.callsTo("return.json")); n != 1 {
		t.Fatalf("%d calls", n)
	}
}

// calcAnswer is a trial refunding the whole return: 30.00 USD.
const calcAnswer = `{"refund":{"currency":"USD",
 "refund_line_items":[{"line_item_id":"L1","quantity":2,"type":"Returned","subtotal":"25.00"},{"line_item_id":"L2","quantity":1,"type":"Returned","subtotal":"5.00"}],
 "shipping":{"amount":"0.00","maximum_refundable":"4.00"},
 "transactions":[{"kind":"suggested_refund","gateway":"shopline_payments","parent_id":"P1","amount":"30.00","maximum_refundable":"54.00","currency":"USD","order_id":"` + orderID + `"}]}}`

func arrivedCase(t *testing.T, f *fake, c *Client) platforms.Case {
	t.Helper()
	arrived(f)
	cs, err := c.Get(context.Background(), ReturnCaseID(returnID))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestActRefundsWithTheCalculatedAmounts(t *testing.T) {
	f, c := newFake(t)
	cs := arrivedCase(t, f, c)
	f.on("orders/"+orderID+"/refunds/calculate.json", ok(calcAnswer))
	f.on("order/refund.json", ok(`{"refund":{"id":"SLR1","order_id":"`+orderID+`"}}`))

	res, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"notify": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Message != "refund SLR1 of 30.00 USD created" {
		t.Fatalf("message %q", res.Message)
	}
	calc := f.callsTo("orders/" + orderID + "/refunds/calculate.json")
	if len(calc) != 1 || calc[0].method != "POST" {
		t.Fatalf("calculate calls %+v", calc)
	}
	wantCalc := `{"currency":"USD","refund_line_items":[{"line_item_id":"L1","quantity":2,"type":"Returned"},{"line_item_id":"L2","quantity":1,"type":"Returned"}]}`
	if got, _ := json.Marshal(calc[0].body); string(got) != wantCalc {
		t.Fatalf("calculate body %s\nwant %s", got, wantCalc)
	}
	create := f.callsTo("order/refund.json")
	if len(create) != 1 {
		t.Fatalf("%d creates", len(create))
	}
	wantCreate := `{"currency":"USD","note":"Refund of return ` + returnID + `","notify":true,"order_id":"` + orderID + `",` +
		`"refund_line_items":[{"line_item_id":"L1","quantity":2,"type":"Returned"},{"line_item_id":"L2","quantity":1,"type":"Returned"}],` +
		`"transactions":[{"amount":"30.00","currency":"USD","gateway":"shopline_payments","kind":"refund","parent_id":"P1"}]}`
	if got, _ := json.Marshal(create[0].body); string(got) != wantCreate {
		t.Fatalf("create body %s\nwant %s", got, wantCreate)
	}
}

func TestActReadsTheSDKSpellingOfTransactions(t *testing.T) {
	f, c := newFake(t)
	cs := arrivedCase(t, f, c)
	f.on("orders/"+orderID+"/refunds/calculate.json", ok(strings.Replace(calcAnswer, `"transactions"`, `"transactons"`, 1)))
	f.on("order/refund.json", ok(`{"data":{"id":"SLR2"}}`))
	res, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionConfirmReceipt})
	if err != nil || !strings.Contains(res.Message, "SLR2") {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestActNeverPaysWhatWasNotDecided(t *testing.T) {
	for name, tc := range map[string]struct {
		calc   string
		amount int64
	}{
		"more than the case":         {strings.Replace(calcAnswer, `"amount":"30.00"`, `"amount":"34.00"`, 1), 0},
		"more than the decision":     {calcAnswer, 2500},
		"another currency":           {strings.ReplaceAll(calcAnswer, `"USD"`, `"EUR"`), 0},
		"over maximum refundable":    {strings.Replace(calcAnswer, `"maximum_refundable":"54.00"`, `"maximum_refundable":"20.00"`, 1), 0},
		"a line left out":            {strings.Replace(calcAnswer, `"quantity":2`, `"quantity":1`, 1), 0},
		"no transaction":             {`{"refund":{"currency":"USD","transactions":[]}}`, 0},
		"nothing to pay":             {strings.Replace(calcAnswer, `"amount":"30.00"`, `"amount":"0.00"`, 1), 0},
		"a transaction in EUR":       {strings.Replace(calcAnswer, `"currency":"USD","order_id"`, `"currency":"EUR","order_id"`, 1), 0},
		"a sub-cent amount (broken)": {strings.Replace(calcAnswer, `"amount":"30.00"`, `"amount":"29.999"`, 1), 0},
	} {
		t.Run(name, func(t *testing.T) {
			f, c := newFake(t)
			cs := arrivedCase(t, f, c)
			f.on("orders/"+orderID+"/refunds/calculate.json", ok(tc.calc))
			f.on("order/refund.json", ok(`{"refund":{"id":"SLR1"}}`))
			_, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree, Amount: tc.amount})
			if k := platforms.KindOf(err); k != platforms.ErrRefused && k != platforms.ErrMalformed {
				t.Fatalf("err = %v", err)
			}
			if n := len(f.callsTo("order/refund.json")); n != 0 {
				t.Fatalf("%d refunds created", n)
			}
		})
	}
}

func TestActCreateIsNotRetriedAfterAnAmbiguousFailure(t *testing.T) {
	f, c := newFake(t)
	cs := arrivedCase(t, f, c)
	f.on("orders/"+orderID+"/refunds/calculate.json", answer{status: 502, body: `{"errors":"bad gateway"}`}, ok(calcAnswer))
	f.on("order/refund.json", answer{status: 500, body: `{"errors":"internal"}`}, ok(`{"refund":{"id":"SLR1"}}`))
	_, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree})
	if platforms.KindOf(err) != platforms.ErrTransient || !strings.Contains(err.Error(), "outcome unknown") {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.callsTo("order/refund.json")); n != 1 {
		t.Fatalf("%d creates, want exactly 1", n)
	}
	if n := len(f.callsTo("orders/" + orderID + "/refunds/calculate.json")); n != 2 {
		t.Fatalf("the trial is a read: %d calls, want 2", n)
	}
}

func TestActCreateIsRetriedWhenRateLimited(t *testing.T) {
	f, c := newFake(t)
	cs := arrivedCase(t, f, c)
	f.on("orders/"+orderID+"/refunds/calculate.json", ok(calcAnswer))
	f.on("order/refund.json", answer{status: 429, body: `{"errors":"Too many request"}`}, ok(`{"refund":{"id":"SLR1"}}`))
	if _, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.callsTo("order/refund.json")); n != 2 {
		t.Fatalf("%d creates, want 2 (the first was turned away)", n)
	}
}

func TestActRejectsWhatItCannotDo(t *testing.T) {
	f, c := newFake(t)
	cs := arrivedCase(t, f, c)
	if _, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionRefuse}); platforms.KindOf(err) != platforms.ErrUnsupported ||
		!strings.Contains(err.Error(), "close the return in the admin") {
		t.Fatalf("refuse: %v", err)
	}
	if _, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionResend}); platforms.KindOf(err) != platforms.ErrUnsupported {
		t.Fatalf("resend: %v", err)
	}
	moving := cs
	moving.Status, moving.Allowed = platforms.StatusAwaitingBuyerReturn, nil
	if _, err := c.Act(context.Background(), moving, platforms.ActRequest{Action: platforms.ActionAgree}); platforms.KindOf(err) != platforms.ErrInvalid {
		t.Fatalf("not allowed: %v", err)
	}
	other := cs
	other.Shop = "shop2"
	if _, err := c.Act(context.Background(), other, platforms.ActRequest{Action: platforms.ActionAgree}); platforms.KindOf(err) != platforms.ErrInvalid {
		t.Fatalf("other shop: %v", err)
	}
	if _, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"restock_type": "maybe"}}); err == nil {
		t.Fatal("bad restock_type accepted")
	}
	if n := len(f.callsTo("order/refund.json")); n != 0 {
		t.Fatalf("%d refunds created", n)
	}
}

func TestListIsEmpty(t *testing.T) {
	f, c := newFake(t)
	page, err := c.List(context.Background(), platforms.ListQuery{ModifiedFrom: time.Now().Add(-time.Hour)})
	if err != nil || len(page.Cases) != 0 || page.HasNext || len(f.calls) != 0 {
		t.Fatalf("%+v %v", page, err)
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		BaseURL("open001"):                 "https://open001.myshopline.com/admin/openapi/v20250601",
		"https://open001.myshopline.com/":  "https://open001.myshopline.com/admin/openapi/v20250601",
		"http://127.0.0.1:8300":            "http://127.0.0.1:8300/admin/openapi/v20250601",
		"http://x/admin/openapi/v20260301": "http://x/admin/openapi/v20260301",
	} {
		if got := New(Config{BaseURL: in}).base; got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}

func asError(err error, target **platforms.Error) bool {
	pe, ok := err.(*platforms.Error)
	if ok {
		*target = pe
	}
	return ok
}
