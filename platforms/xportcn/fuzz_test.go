package xportcn

// Fuzz targets for every parser of Xportcn bytes: the {requestId, code,
// msg, data} envelope (and the retry policy reading it), the queryList
// answer (List and Get), the order page (Get's order context) and the
// message callback receiver. Each checks properties, not only "no panic":
// a parse gives a classified error or a Case whose invariants hold
// (checkCase); the receiver answers from a small set and hands on a hint
// only for a well-formed refund message.
//
//	GOTOOLCHAIN=local go test ./platforms/xportcn -run '^$' -fuzz '^FuzzXportcnQueryList$' -fuzztime 20s

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/platformtest"
)

var fuzzNow = testNow

// xpAnswers is an in-memory Xportcn answering each path (PathQueryList,
// PathOrderPage, ...) with a fixed body and HTTP 200.
type xpAnswers map[string][]byte

func (a xpAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	body, ok := a[strings.TrimPrefix(r.URL.Path, "/api")]
	status := 200
	if !ok {
		status = 404
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(body))}, nil
}

// fuzzClient is a client of account "xp-buyer" talking to answers, with the
// documented status tables only and no retries.
func fuzzClient(answers xpAnswers, orderContext bool) *Client {
	c := New(Config{BaseURL: "http://xportcn.fuzz/api", AccessKey: testKey, AccessSecret: testSecret, Shop: "xp-buyer",
		MaxRetries: -1, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return fuzzNow }, OrderContext: orderContext})
	c.http.HTTPClient.Transport = answers
	return c
}

func checkErr(t *testing.T, err error) *platforms.Error {
	t.Helper()
	return platformtest.CheckError(t, err, platforms.Xportcn)
}

// checkCase fails t unless c satisfies what every parsed Xportcn case
// promises.
func checkCase(t testing.TB, c platforms.Case) {
	t.Helper()
	switch {
	case c.Platform != platforms.Xportcn || c.Shop != "xp-buyer" || !isDigits(c.ID) || c.Role != platforms.RoleBuyer || c.Currency == "":
		t.Fatalf("identity: %+v", c)
	case c.Amount < 0:
		t.Fatalf("negative amount %d", c.Amount)
	case !c.Status.Valid():
		t.Fatalf("status %q is not a normalized status", c.Status)
	case c.Kind != platforms.KindRefund && c.Kind != platforms.KindReturn:
		t.Fatalf("kind %q", c.Kind)
	case c.Deadline.IsZero() && c.DeadlineOwner != "":
		t.Fatalf("deadline owner %q without a deadline", c.DeadlineOwner)
	case !c.Deadline.IsZero() && c.DeadlineOwner == "" && !c.HasFlag(FlagDeadlineOwnerUnknown):
		t.Fatal("a deadline of nobody's is not flagged")
	}
	// Only the documented values are known to a client without extras.
	if _, ok := RefundStatuses[c.PlatformStatus]; !ok && c.Status != platforms.StatusUnknown {
		t.Fatalf("undocumented refundStatus %q maps to %q", c.PlatformStatus, c.Status)
	}
	if c.Status == platforms.StatusUnknown && len(c.Allowed) > 0 {
		t.Fatalf("unknown status allows %v", c.Allowed)
	}
	platformtest.CheckCase(t, c, fuzzNow)
}

// idInBody checks that an id taken from body was not altered: it appears in
// the body as sent. Escaped JSON strings and bodies that are not UTF-8 are
// not searched.
func idInBody(t *testing.T, id string, body []byte) {
	t.Helper()
	if !bytes.Contains(body, []byte(id)) && !bytes.Contains(body, []byte(`\`)) && utf8.Valid(body) {
		t.Fatalf("id %q does not appear in the answer", id)
	}
}

var endpoints = []endpoint{epQueryList, epOrderPage,
	{method: http.MethodGet, path: PathCancel, mutating: true}, {method: http.MethodPost, path: PathShipReturn, mutating: true}}

// FuzzXportcnEnvelope feeds any status and body to the answer classifier
// and to the retry policy.
func FuzzXportcnEnvelope(f *testing.F) {
	for _, body := range []string{
		okReply, listReply(1), `{"requestId":"r0","code":401,"developId":null,"msg":"signature verification failed","data":null}`,
		`{"code":500,"msg":"busy"}`, `{"code":200,"msg":"ok","data":null}`, `{"code":"200","data":{}}`, `{"code":429}`,
		`{"code":400,"msg":"请求过于频繁"}`, `{"code":1e3}`, `{"code":99999999999999999999,"msg":"x"}`, `{"code":-1}`,
		``, `{`, `null`, `[]`, `{"code":null}`, `{"code":200,"data":` + strings.Repeat(`[`, 20000) + `}`,
	} {
		f.Add(uint8(0), 200, []byte(body))
		f.Add(uint8(2), 200, []byte(body))
	}
	f.Add(uint8(0), 429, []byte(``))
	f.Add(uint8(3), 502, []byte(``))
	f.Add(uint8(1), 403, []byte(``))
	f.Fuzz(func(t *testing.T, e uint8, status int, body []byte) {
		ep := endpoints[int(e)%len(endpoints)]
		if status < 100 || status > 999 {
			status = 200
		}
		c := fuzzClient(nil, false)
		ctx := withEndpoint(context.Background(), ep)
		var out any
		err := c.answer(ctx, ep, response(status, string(body)), nil, &out)
		if err == nil {
			var env Envelope
			if status != 200 || json.Unmarshal(body, &env) != nil || env.Code.String() != codeOK {
				t.Fatalf("HTTP %d %q accepted", status, body)
			}
		} else {
			pe := checkErr(t, err)
			if ep.mutating && (pe.Code == "json" || strings.HasPrefix(pe.Code, "http_5")) && !strings.Contains(pe.Message, "outcome unknown") {
				t.Fatalf("ambiguous failure of a mutation does not say so: %v", pe)
			}
		}
		resp := response(status, string(body))
		if _, cerr := checkRetry(ctx, resp, nil); cerr != nil {
			t.Fatalf("checkRetry: %v", cerr)
		}
	})
}

// aggregateVariants are edge cases of the seed aggregate's refundOrder.
var aggregateVariants = []map[string]any{
	nil, {"refundId": json.Number("1100026878181234567890")}, {"refundId": "R-1"}, {"refundId": nil},
	{"refundStatus": "200"}, {"refundStatus": json.Number("100")},
	{"refundFee": json.Number("9223372036854775807")}, {"refundFee": json.Number("9223372036854775808")}, {"refundFee": "-1"},
	{"refundFee": json.Number("3.92")}, {"timeoutDate": json.Number("9223372036854775807")}, {"timeoutDate": json.Number("253402300799999")},
	{"timeoutDate": json.Number("253402300800000")}, {"timeoutDate": "0"}, {"timeoutType": "bUnknownT"}, {"reasonId": "x"},
	{"refundType": json.Number("2")}, {"logistics": map[string]any{"no": "SF1"}}, {"logistics": "[]"},
}

// FuzzXportcnQueryList feeds queryList answers to List.
func FuzzXportcnQueryList(f *testing.F) {
	f.Add(seedJSON(f, "xportcn-aftersale-refund-querylist.txt"))
	for _, over := range aggregateVariants {
		f.Add([]byte(listReply(1, aggJSON(f, over))))
	}
	f.Add([]byte(listReply(0)))
	f.Add([]byte(listReply(1, strings.Replace(aggJSON(f, nil), `"refundStatus":"100"`, `"refundStatus":true`, 1))))
	f.Add([]byte(`{"code":200,"data":{"refundOrderAggregates":[{"refundOrder":null}]}}`))
	f.Add([]byte(`{"code":200,"data":{"total":"x","refundOrderAggregates":[{"refundOrder":{"refundId":1,"refundFee":1},"purchaseOrderLine":{"quantity":-1,"totalPrice":-5,"properties":{"a":[1,{"b":null}]}}}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(xpAnswers{PathQueryList: body}, false)
		page, err := c.List(context.Background(), platforms.ListQuery{Page: 1, PageSize: 50})
		if err != nil {
			checkErr(t, err)
			return
		}
		for _, cs := range page.Cases {
			checkCase(t, cs)
			idInBody(t, cs.ID, body)
		}
	})
}

// FuzzXportcnGet feeds queryList and order page answers to Get with the
// order context on: a case only for the refund asked for.
func FuzzXportcnGet(f *testing.F) {
	orders := seedJSON(f, "xportcn-order-page.txt")
	f.Add("110002687818", seedJSON(f, "xportcn-aftersale-refund-querylist.txt"), orders)
	for _, over := range aggregateVariants {
		f.Add("110002687818", []byte(listReply(1, aggJSON(f, over))), orders)
	}
	f.Add("110002687818", []byte(listReply(1, aggJSON(f, nil))),
		[]byte(`{"requestId":"r3","code":200,"msg":"成功","data":{"total":1,"data":[{"id":"200028508720","status":11,"purchaseAmount":392}]}}`))
	f.Add("110002687818", []byte(listReply(1, aggJSON(f, nil))), []byte(`{"code":500}`))
	f.Add("110002687818", []byte(listReply(1, aggJSON(f, map[string]any{"refundId": "1"}))), orders)
	f.Add("1", []byte(listReply(0)), orders)
	f.Fuzz(func(t *testing.T, id string, list, orders []byte) {
		c := fuzzClient(xpAnswers{PathQueryList: list, PathOrderPage: orders}, true)
		cs, err := c.Get(context.Background(), id)
		platformtest.CheckGet(t, platforms.Xportcn, id, cs, err, checkCase)
	})
}

// FuzzXportcnCallback drives the callback receiver: it answers 200, 400,
// 405 or 413; a 200 for a refund message hands on one hint (a redelivery
// none), and nothing else ever does.
func FuzzXportcnCallback(f *testing.F) {
	for _, b := range []string{
		refundMessage,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":{"refundId":110002687819,"orderId":1},"messagePlatform":"0","timestamp":"1"}`,
		`{"messageType":"ORDER_PAY_SUCCESS","messageBody":"{\"orderId\":\"1\"}","messagePlatform":0,"timestamp":1}`,
		``, `not json`, `[]`, `{"messageBody":"{}"}`, `{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"not json"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"{\"refundId\":\"R-1\"}"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"{\"refundId\":1e5}"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"{\"refundId\":-7}"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":` + strings.Repeat(`[`, 20000) + `}`,
	} {
		f.Add([]byte(b), true)
	}
	f.Add([]byte(refundMessage), false)
	f.Fuzz(func(t *testing.T, body []byte, post bool) {
		hints := make(chan platforms.Hint, 4)
		h := NewCallbackHandler(FixedShop("xp-buyer"), func(_ context.Context, x platforms.Hint) error {
			hints <- x
			return nil
		}, platforms.NewDeduper(time.Hour, 100), slog.New(slog.DiscardHandler))
		send := func() int {
			method := http.MethodPost
			if !post {
				method = http.MethodGet
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, "/push/xportcn/xp-buyer", bytes.NewReader(body)))
			return rec.Code
		}
		none := func() {
			runtime.Gosched()
			select {
			case x := <-hints:
				t.Fatalf("unexpected hint %+v", x)
			default:
			}
		}
		code := send()
		_, refundID, perr := parseCallback(body)
		switch {
		case code == http.StatusOK && refundID != "":
			select {
			case x := <-hints:
				if x != (platforms.Hint{Platform: platforms.Xportcn, Shop: "xp-buyer", CaseID: refundID}) || !isDigits(x.CaseID) {
					t.Fatalf("hint %+v for refund %q", x, refundID)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no hint for a refund message")
			}
			if send() != http.StatusOK {
				t.Fatal("redelivery not acknowledged")
			}
			none()
		case code == http.StatusOK:
			if !post || perr != nil {
				t.Fatalf("HTTP 200 for %q (%v)", body, perr)
			}
			none()
		case code == http.StatusBadRequest || code == http.StatusMethodNotAllowed || code == http.StatusRequestEntityTooLarge:
			none()
		default:
			t.Fatalf("HTTP %d", code)
		}
	})
}

// TestCallbackTooLarge: a body over 1 MiB is answered 413 and hands nothing on.
func TestCallbackTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		code int
	}{
		{"at the limit", maxCallbackBody, http.StatusOK},
		{"one byte over", maxCallbackBody + 1, http.StatusRequestEntityTooLarge},
		{"far over", 8 << 20, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sinkRecorder{hints: make(chan platforms.Hint, 1)}
			body := refundMessage + strings.Repeat(" ", tc.size-len(refundMessage))
			rec, _ := post(newCallback(t, s), body)
			if rec.Code != tc.code {
				t.Fatalf("HTTP %d, want %d", rec.Code, tc.code)
			}
			if tc.code == http.StatusOK {
				s.next(t)
			} else {
				s.none(t)
			}
		})
	}
}
