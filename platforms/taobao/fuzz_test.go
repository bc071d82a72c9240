package taobao

// Fuzz targets for every parser of TOP bytes: the error_response envelope
// (and the retry policy reading the same bytes), refund detail and list
// answers, Tmall exchange list (JSON and the seed's XML) and detail answers,
// TMC message batches, action answers and yuan amounts. Each target checks
// properties, not only "no panic": a parse gives a classified
// *platforms.Error or a Case whose invariants hold (checkCase).
//
// Run one for a while with
//
//	GOTOOLCHAIN=local go test ./platforms/taobao -run '^$' -fuzz '^FuzzRefundGet$' -fuzztime 20s
//
// Plain `go test` runs the seeds and testdata/fuzz/<Target>/ (regressions).

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/platformtest"
)

// fuzzNow is the evaluation time of the example rules in the fuzz targets.
var fuzzNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// topAnswers is an in-memory TOP gateway: it answers each method with a
// fixed status and body, so that a fuzz iteration costs no socket.
type topAnswers map[string]topAnswer

type topAnswer struct {
	status int
	body   []byte
}

func (a topAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	raw, _ := io.ReadAll(r.Body)
	r.Body.Close()
	form, _ := url.ParseQuery(string(raw))
	ans, ok := a[form.Get("method")]
	if !ok {
		ans = topAnswer{404, []byte("no such method")}
	}
	return &http.Response{StatusCode: ans.status, Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(ans.body))}, nil
}

// fuzzClient is a client of shop "shop1" whose gateway is answers, without
// retries.
func fuzzClient(answers topAnswers, exchanges bool) *Client {
	c := New(Config{
		Gateway: "http://top.fuzz/router/rest", AppKey: "12345678", AppSecret: testSecret, Session: testSession,
		Shop: "shop1", MaxRetries: -1, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return fuzzNow }, Exchanges: exchanges,
	})
	c.http.HTTPClient.Transport = answers
	return c
}

// exampleRules are the shipped example rules, loaded once per process.
// checkErr fails t unless err is a well-formed classified TOP error.
func checkErr(t *testing.T, err error) *platforms.Error {
	t.Helper()
	return platformtest.CheckError(t, err, platforms.Taobao)
}

// checkCase fails t unless c satisfies what every parsed TOP case promises.
func checkCase(t testing.TB, c platforms.Case) {
	t.Helper()
	switch {
	case c.Platform != platforms.Taobao || c.Shop != "shop1" || c.Role != platforms.RoleSeller || c.Currency != "CNY":
		t.Fatalf("identity: %+v", c)
	case c.Amount < 0:
		t.Fatalf("negative amount %d", c.Amount)
	case !c.Status.Valid():
		t.Fatalf("status %q is not a normalized status", c.Status)
	case !slices.Contains([]platforms.Kind{platforms.KindRefund, platforms.KindReturn, platforms.KindExchange}, c.Kind):
		t.Fatalf("kind %q", c.Kind)
	case !slices.Contains([]platforms.GoodsStatus{platforms.GoodsNotShipped, platforms.GoodsShipped,
		platforms.GoodsReceived, platforms.GoodsReturned, platforms.GoodsUnknown}, c.GoodsStatus):
		t.Fatalf("goods status %q", c.GoodsStatus)
	case c.Deadline.IsZero() && c.DeadlineOwner != "":
		t.Fatalf("deadline owner %q without a deadline", c.DeadlineOwner)
	}
	if IsExchangeID(c.ID) {
		if c.Kind != platforms.KindExchange || !isDigits(strings.TrimPrefix(c.ID, ExchangeIDPrefix)) {
			t.Fatalf("exchange id %q, kind %q", c.ID, c.Kind)
		}
		// An undocumented exchange status never maps to a known one.
		if exchangeCode(c.PlatformStatus) == "" && c.Status != platforms.StatusUnknown {
			t.Fatalf("undocumented exchange status %q maps to %q", c.PlatformStatus, c.Status)
		}
	} else {
		if !isDigits(c.ID) {
			t.Fatalf("refund id %q", c.ID)
		}
		if _, ok := RefundStatuses[c.PlatformStatus]; !ok && c.Status != platforms.StatusUnknown {
			t.Fatalf("undocumented refund status %q maps to %q", c.PlatformStatus, c.Status)
		}
	}
	for _, a := range c.Allowed {
		if !a.Valid() || !a.Mutating() {
			t.Fatalf("allowed %q", a)
		}
	}
	if c.Status == platforms.StatusUnknown && len(c.Allowed) > 0 {
		t.Fatalf("unknown status allows %v", c.Allowed)
	}
	if c.Kind == platforms.KindExchange && !IsExchangeID(c.ID) && len(c.Allowed) > 0 {
		t.Fatalf("exchange through the refund API allows %v", c.Allowed)
	}
	for _, tm := range []time.Time{c.Deadline, c.Modified} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Fatalf("time %v not in UTC", tm)
		}
	}
	platformtest.CheckCase(t, c, fuzzNow)
}

// idInBody checks that an id taken from body was not altered (e.g. rounded
// through float64): its digits appear in the body as sent. Escaped JSON
// strings ("\u0031") and bodies that are not UTF-8 (JSON reads invalid
// bytes as U+FFFD) are not searched.
func idInBody(t *testing.T, id string, body []byte) {
	t.Helper()
	if !bytes.Contains(body, []byte(id)) && !bytes.Contains(body, []byte(`\`)) && utf8.Valid(body) {
		t.Fatalf("id %q does not appear in the answer", id)
	}
}

// fuzzMethods are the TOP methods FuzzTOPEnvelope answers as.
var fuzzMethods = []string{methodGet, methodList, methodAgree, methodRefuse, methodReturnAgree,
	methodExchangeGet, methodExchangeList, methodExchangeAgree, "taobao.tmc.messages.consume"}

// FuzzTOPEnvelope feeds any HTTP status and body to the answer classifier and
// to the retry policy, which both read error_response.
func FuzzTOPEnvelope(f *testing.F) {
	for _, body := range []string{
		okBody, shortBan, longBan, ispBody, isvBody, unavailBody, notJSONBody, banBody(1),
		// edge cases: empty, truncated, wrong types, huge numbers, deep nesting
		``, `{`, `null`, `[]`, `"x"`, `{"error_response":null}`, `{"error_response":"boom"}`,
		`{"error_response":{"code":"7","sub_msg":"This ban will last for 99999999999999999999 more seconds"}}`,
		banBody(9223372036), banBody(9223372037), banBody(18446744074), // the last two overflow time.Duration
		`{"error_response":{"code":1e400}}`, `{"error_response":{"code":-7,"sub_code":["isp."]}}`,
		`{"error_response":{"code":31}}`, `{"error_response":{"code":25,"msg":"Invalid signature"}}`,
		`{"refund_get_response":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000) + `}`,
	} {
		for _, m := range []uint8{0, 2} { // a read and a mutation
			f.Add(m, 200, []byte(body))
		}
	}
	f.Add(uint8(0), 429, []byte(``))
	f.Add(uint8(2), 502, []byte(`<html>`))
	f.Add(uint8(0), 301, []byte(okBody))
	f.Fuzz(func(t *testing.T, m uint8, status int, body []byte) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		if status < 100 || status > 999 {
			status = 200
		}
		c := fuzzClient(nil, false)
		ctx := withMethod(context.Background(), method)
		var out any
		err := c.answer(ctx, method, response(status, string(body)), nil, &out)
		if err != nil {
			pe := checkErr(t, err)
			if mutating[method] && (pe.Code == "json" || strings.HasPrefix(pe.Code, "http_5")) &&
				!strings.Contains(pe.Message, "outcome unknown") {
				t.Fatalf("ambiguous failure of a mutation does not say so: %v", pe)
			}
		} else {
			var env map[string]json.RawMessage
			if status != 200 || decode(body, &env) != nil || env[rootKey(method)] == nil {
				t.Fatalf("HTTP %d %q accepted", status, body)
			}
			if _, ok := env["error_response"]; ok {
				t.Fatalf("error_response accepted as an answer: %q", body)
			}
		}

		// A ban is waited out as long as it says, up to maxBan, however
		// large the number (a Duration overflows past 292 years).
		if m := banRe.FindSubmatch(body); m != nil {
			n, _ := new(big.Int).SetString(string(m[1]), 10)
			want := maxBan
			switch {
			case n.Sign() == 0:
				want = defaultBan
			case n.Cmp(big.NewInt(int64(maxBan/time.Second))) <= 0:
				want = time.Duration(n.Int64()) * time.Second
			}
			if got := banDuration(string(body)); got != want {
				t.Fatalf("ban of %s seconds waits %v, want %v", m[1], got, want)
			}
		}

		// The retry policy reads the same bytes.
		resp := response(status, string(body))
		retry, cerr := checkRetry(ctx, resp, nil)
		if cerr != nil {
			t.Fatalf("checkRetry: %v", cerr)
		}
		wait, limited := rateLimitWait(resp)
		if wait < 0 || limited && wait == 0 {
			t.Fatalf("rate limit wait %v (limited %v)", wait, limited)
		}
		if retry && limited && wait > maxBanWait {
			t.Fatalf("retrying through a %v ban", wait)
		}
		if b := backoff(time.Millisecond, 5*time.Second, 1, resp); b < 0 || limited && b != wait && wait > 0 {
			t.Fatalf("backoff %v for wait %v", b, wait)
		}
	})
}

// refundGetBody wraps a REFUND object as taobao.refund.get answers it.
func refundGetBody(refund string) []byte {
	return []byte(`{"refund_get_response":{"refund":` + refund + `}}`)
}

// refundVariants are edge cases of the sample refund's fields.
var refundVariants = []map[string]string{
	{"refund_fee": `"999999999999999.99"`}, {"refund_fee": `"1000000000000000"`}, {"refund_fee": `200.07`},
	{"refund_fee": `"-1.00"`}, {"refund_fee": `"1.005"`}, {"refund_fee": `null`},
	{"status": `"NEW_STATUS"`}, {"status": `7`}, {"status": `""`},
	{"refund_version": `1.5`}, {"refund_version": `"abc"`}, {"num": `-3`}, {"num": `99999999999999999999`},
	{"cs_status": `99999999999999999999`}, {"cs_status": `2`},
	{"modified": `"0000-01-01 00:00:00"`}, {"modified": `"9999-12-31 23:59:59"`}, {"modified": `"2026-02-30 10:00:00"`},
	{"refund_remind_timeout": `{"exist_timeout":true,"timeout":"0000-01-01 00:00:00"}`},
	{"refund_remind_timeout": `{"exist_timeout":true,"timeout":""}`},
	{"refund_remind_timeout": `[]`}, {"operation_contraint": `"refund_onweb,cannot_refuse"`},
	{"dispute_type": `"TMALL_EXCHANGE"`}, {"has_good_return": `"yes"`},
}

// withField returns the sample refund with one field's JSON replaced.
func withField(k, v string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(sampleRefund), &m); err != nil {
		panic(err)
	}
	m[k] = json.RawMessage(v)
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// FuzzRefundGet feeds taobao.refund.get answers to Get. A case comes back
// only for the refund asked for, with its id exact beyond 2^53.
func FuzzRefundGet(f *testing.F) {
	const id = "201234567890123456" // > 2^53
	f.Add(id, refundGetBody(sampleRefund))
	for _, v := range refundVariants {
		for k, val := range v {
			f.Add(id, refundGetBody(withField(k, val)))
		}
	}
	f.Add("9007199254740993", refundGetBody(withField("refund_id", "9007199254740993")))
	f.Add(id, refundGetBody(withField("refund_id", "201234567890123460"))) // what float64 would make of it
	f.Add(id, refundGetBody(withField("refund_id", `"201234567890123456"`)))
	f.Add(id, []byte(`{"refund_get_response":{"refund":null}}`))
	f.Add(id, []byte(`{"refund_get_response":{}}`))
	f.Add(id, refundGetBody(sampleRefund)[:60])
	f.Add(id, []byte(`{"refund_get_response":{"refund":`+strings.Repeat("[", 10000)+`}}`))
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		c := fuzzClient(topAnswers{methodGet: {200, body}}, false)
		cs, err := c.Get(context.Background(), id)
		if err != nil {
			checkErr(t, err)
			return
		}
		if cs.ID != id || !isDigits(id) {
			t.Fatalf("asked for refund %q, got case %q", id, cs.ID)
		}
		checkCase(t, cs)
	})
}

// FuzzRefundList feeds taobao.refunds.receive.get answers to List.
func FuzzRefundList(f *testing.F) {
	list := func(refunds ...string) []byte {
		return []byte(`{"refunds_receive_get_response":{"refunds":{"refund":[` + strings.Join(refunds, ",") + `]},"has_next":true}}`)
	}
	f.Add(list(sampleRefund))
	f.Add(list(sampleRefund, withField("refund_id", "9007199254740993"), withField("status", `"WAIT_BUYER_RETURN_GOODS"`)))
	for _, v := range refundVariants {
		for k, val := range v {
			f.Add(list(withField(k, val)))
		}
	}
	f.Add(list())
	f.Add([]byte(`{"refunds_receive_get_response":{"has_next":false}}`))
	f.Add([]byte(`{"refunds_receive_get_response":{"refunds":{"refund":{}}}}`))
	f.Add([]byte(`{"refunds_receive_get_response":{"refunds":[]}}`))
	f.Add(list(sampleRefund)[:100])
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(topAnswers{methodList: {200, body}}, false)
		page, err := c.List(context.Background(), platforms.ListQuery{Page: 1, PageSize: 100})
		if err != nil {
			checkErr(t, err)
			return
		}
		for _, cs := range page.Cases {
			if IsExchangeID(cs.ID) {
				t.Fatalf("refund list gave exchange %q", cs.ID)
			}
			checkCase(t, cs)
			idInBody(t, cs.ID, body)
		}
	})
}

// exchangeSampleJSON is the JSON form of the seed page's exchange list
// sample (testdata), and its one exchange object.
func exchangeSampleJSON(tb testing.TB) (list, exchange []byte) {
	tb.Helper()
	raw, err := os.ReadFile("testdata/tmall-exchange-receive-get.json")
	if err != nil {
		tb.Fatal(err)
	}
	var env struct {
		R struct {
			Results struct {
				Exchange []json.RawMessage `json:"exchange"`
			} `json:"results"`
		} `json:"tmall_exchange_receive_get_response"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || len(env.R.Results.Exchange) != 1 {
		tb.Fatalf("exchange sample: %v", err)
	}
	return raw, env.R.Results.Exchange[0]
}

// exchangeVariants are edge cases of an exchange object's fields, applied
// to the sample's exchange.
var exchangeVariants = []map[string]string{
	{"status": `1`}, {"status": `"1"`}, {"status": `" 3 "`}, {"status": `"换货待处理"`}, {"status": `14`},
	{"status": `99`}, {"status": `1.5`}, {"status": `true`}, {"status": `null`}, {"status": `{}`},
	{"price": `"999999999999999.99"`, "num": `99999`}, {"price": `"100.00"`, "num": `99999999999999999`},
	{"price": `"92233720368547.75"`, "num": `1000`}, {"price": `"-1"`}, {"price": `100`},
	{"num": `-1`}, {"num": `"x"`}, {"time_out": `1735660800000`}, {"time_out": `"99999999999999"`},
	{"time_out": `"0000-01-01 00:00:00"`}, {"time_out": `"0000-01-01T00:00:00+01:00"`},
	{"time_out": `"9999-12-31T23:59:59-01:00"`}, {"time_out": `"soon"`}, {"time_out": `-5`},
	{"modified": `"0000-01-01 00:00:00"`}, {"cs_status": `"2"`}, {"cs_status": `1e3`},
	{"dispute_id": `1234567890123456789`}, {"dispute_id": `"12a"`}, {"dispute_id": `-1`},
	{"biz_order_id": `1.5`}, {"operation_contraint": `"refund_onweb"`},
}

// withExchangeField returns exchange with one field's JSON replaced.
func withExchangeField(exchange []byte, k, v string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(exchange, &m); err != nil {
		panic(err)
	}
	m[k] = json.RawMessage(v)
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return raw
}

// checkExchangeAmount fails t unless cs.Amount is x's price × num exactly
// (num < 1 counts as one piece): an amount that wrapped around int64 could
// look small to the rules.
func checkExchangeAmount(t *testing.T, x Exchange, cs platforms.Case) {
	t.Helper()
	want := new(big.Int)
	if x.Price != "" {
		fen, err := ParseYuan(x.Price)
		if err != nil {
			t.Fatalf("price %q accepted", x.Price)
		}
		qty, ok := new(big.Int).SetString(x.Num.String(), 10)
		if !ok || qty.Sign() < 1 || !qty.IsInt64() || qty.Int64() > math.MaxInt {
			qty.SetInt64(1)
		}
		want.Mul(big.NewInt(fen), qty)
	}
	if want.Cmp(big.NewInt(cs.Amount)) != 0 {
		t.Fatalf("exchange of price %q × num %q has amount %d, want %s", x.Price, x.Num, cs.Amount, want)
	}
}

// FuzzExchangeList feeds tmall.exchange.receive.get answers, as JSON to List
// (with an empty refund page) and as XML, the seed's form, to the decoder
// and ParseExchange.
func FuzzExchangeList(f *testing.F) {
	raw, x := exchangeSampleJSON(f)
	f.Add(raw)
	f.Add(seedXML(f))
	list := func(xs ...[]byte) []byte {
		return []byte(`{"tmall_exchange_receive_get_response":{"results":{"exchange":[` +
			string(bytes.Join(xs, []byte(","))) + `]},"has_next":false}}`)
	}
	f.Add(list(x))
	for _, v := range exchangeVariants {
		for k, val := range v {
			x = withExchangeField(x, k, val)
		}
		f.Add(list(x))
		_, x = exchangeSampleJSON(f)
	}
	f.Add(list())
	f.Add([]byte(`{"tmall_exchange_receive_get_response":{"error_codes":"ERROR"}}`))
	f.Add([]byte(`<tmall_exchange_receive_get_response><results><exchange><dispute_id>1</dispute_id><status>2</status><price>1e3</price></exchange></results></tmall_exchange_receive_get_response>`))
	f.Add([]byte(`<a>` + strings.Repeat("<b>", 5000)))
	f.Fuzz(func(t *testing.T, body []byte) {
		var xs []Exchange
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
			var l ExchangeList
			if xml.Unmarshal(body, &l) != nil {
				return
			}
			xs = l.Results.Exchange
			for _, x := range xs {
				cs, err := ParseExchange("shop1", x)
				if err != nil {
					checkErr(t, err)
					continue
				}
				checkCase(t, cs)
				checkExchangeAmount(t, x, cs)
				if cs.ID != ExchangeCaseID(x.DisputeID.String()) {
					t.Fatalf("dispute id %q became case %q", x.DisputeID, cs.ID)
				}
			}
			return
		}
		c := fuzzClient(topAnswers{
			methodList:         {200, []byte(`{"refunds_receive_get_response":{"has_next":false}}`)},
			methodExchangeList: {200, body},
		}, true)
		page, err := c.List(context.Background(), platforms.ListQuery{Page: 1})
		if err != nil {
			checkErr(t, err)
			return
		}
		var env map[string]json.RawMessage
		var l ExchangeList
		if decode(body, &env) != nil || decode(env[rootKey(methodExchangeList)], &l) != nil || len(l.Results.Exchange) != len(page.Cases) {
			t.Fatalf("%d cases from an answer that does not decode to as many", len(page.Cases))
		}
		for i, cs := range page.Cases {
			if !IsExchangeID(cs.ID) {
				t.Fatalf("exchange list gave refund %q", cs.ID)
			}
			checkCase(t, cs)
			checkExchangeAmount(t, l.Results.Exchange[i], cs)
			idInBody(t, strings.TrimPrefix(cs.ID, ExchangeIDPrefix), body)
		}
	})
}

// FuzzExchangeGet feeds tmall.exchange.get answers to Get.
func FuzzExchangeGet(f *testing.F) {
	_, x := exchangeSampleJSON(f)
	get := func(x []byte) []byte {
		return []byte(`{"tmall_exchange_get_response":{"result":{"success":true,"exchange":` + string(x) + `}}}`)
	}
	f.Add("123123123", get(x))
	for _, v := range exchangeVariants {
		for k, val := range v {
			f.Add("123123123", get(withExchangeField(x, k, val)))
		}
	}
	f.Add("1234567890123456789", get(withExchangeField(x, "dispute_id", "1234567890123456789")))
	f.Add("123123123", []byte(`{"tmall_exchange_get_response":{"result":{"success":false,"msg_code":"x"}}}`))
	f.Add("123123123", []byte(`{"tmall_exchange_get_response":{"result":null}}`))
	f.Add("123123123", []byte(`{"tmall_exchange_get_response":{"result":{"success":true}}}`))
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		c := fuzzClient(topAnswers{methodExchangeGet: {200, body}}, false)
		cs, err := c.Get(context.Background(), ExchangeCaseID(id))
		if err != nil {
			checkErr(t, err)
			return
		}
		if cs.ID != ExchangeCaseID(id) {
			t.Fatalf("asked for exchange %q, got case %q", id, cs.ID)
		}
		checkCase(t, cs)
		var env map[string]json.RawMessage
		var res exchangeResult
		if decode(body, &env) != nil || decode(env[rootKey(methodExchangeGet)], &res) != nil || res.Result == nil || res.Result.Exchange == nil {
			t.Fatalf("case from an answer that does not decode")
		}
		checkExchangeAmount(t, *res.Result.Exchange, cs)
	})
}

// FuzzTMCMessages feeds taobao.tmc.messages.consume answers to
// ConsumeMessages: message ids stay exact, and a message names a case id
// the client can read, or none.
func FuzzTMCMessages(f *testing.F) {
	batch := func(msgs ...string) []byte {
		return []byte(`{"tmc_messages_consume_response":{"messages":{"tmc_message":[` + strings.Join(msgs, ",") + `]}}}`)
	}
	msg := func(id, topic, content string) string {
		c, _ := json.Marshal(content)
		return fmt.Sprintf(`{"id":%s,"topic":%q,"user_nick":"shop1","content":%s}`, id, topic, c)
	}
	f.Add(batch(
		msg("9007199254740993", "taobao_refund_RefundSuccess", `{"refund_id":201234567890123456,"seller_nick":"shop1"}`),
		msg("2", "taobao_dispute_ExchangeModified", `{"refund_id":77,"biz_claim_type":4}`),
		msg("3", "taobao_refund_RefundBuyerReturnGoods", `{"refund_id":"201234567890123457","buyer_nick":"alice"}`),
	))
	f.Add(batch(msg("4", "taobao_refund_RefundCreated", `{"refund_id":1e5}`)))
	f.Add(batch(msg("5", "taobao_refund_RefundCreated", `{"refund_id":-1}`)))
	f.Add(batch(msg("6", "taobao_refund_RefundCreated", `{"refund_id":"abc"}`)))
	f.Add(batch(msg("7", "taobao_trade_TradeCreate", `{"tid":1}`)))
	f.Add(batch(msg("8", "taobao_refund_RefundCreated", `not json`)))
	f.Add(batch(msg(`"x"`, "t", `{}`)))
	f.Add(batch())
	f.Add([]byte(`{"tmc_messages_consume_response":{}}`))
	f.Add([]byte(`{"tmc_messages_consume_response":{"messages":{"tmc_message":[{"content":"` + strings.Repeat(`[`, 3000) + `"}]}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(topAnswers{"taobao.tmc.messages.consume": {200, body}}, false)
		msgs, err := c.ConsumeMessages(context.Background(), 100)
		if err != nil {
			checkErr(t, err)
			return
		}
		for _, m := range msgs {
			if m.ID != "" {
				idInBody(t, m.ID, body)
			}
			id := m.CaseID()
			if m.RefundID != "" && m.ExchangeID != "" {
				t.Fatalf("message %+v names a refund and an exchange", m)
			}
			// What a message names is read with Get: a refund id is
			// decimal, an exchange id exchange-<decimal>; anything else
			// would start a case workflow that can never read its case.
			if id != "" && !isDigits(strings.TrimPrefix(id, ExchangeIDPrefix)) {
				t.Fatalf("message %+v names case %q", m, id)
			}
		}
	})
}

// FuzzTOPActAnswer feeds the answers of the refund actions (rp.refunds.agree
// batch results, refund.refuse, rp.returngoods.agree) to Act: success only
// when the answer says our refund was acted on, and a refusal's new state
// is a valid case.
func FuzzTOPActAnswer(f *testing.F) {
	for _, tc := range []struct {
		action uint8
		body   string
	}{
		{0, `{"rp_refunds_agree_response":{"msg_code":"OP_SUCC","msg":"ok","results":{"refund_mapping_result":[{"refund_id":201234567890123456,"succ":true}]}}}`},
		{0, `{"rp_refunds_agree_response":{"msg_code":"SOME_OP_SUCC","results":{"refund_mapping_result":[{"refund_id":201234567890123456,"succ":false,"message":"no"},{"refund_id":1,"succ":true}]}}}`},
		{0, `{"rp_refunds_agree_response":{"msg_code":"OP_SUCC","results":{"refund_mapping_result":[{"refund_id":201234567890123460,"succ":true}]}}}`},
		{0, `{"rp_refunds_agree_response":{"msg_code":"OP_FAILURE_UE"}}`},
		{0, `{"rp_refunds_agree_response":{"results":{"refund_mapping_result":{"refund_id":1}}}}`},
		{1, `{"refund_refuse_response":{"is_success":true,"refund":{"status":"SELLER_REFUSE_BUYER","modified":"2026-11-23 10:00:00"}}}`},
		{1, `{"refund_refuse_response":{"is_success":true,"refund":{"status":"NEW_STATUS","modified":"0000-01-01 00:00:00"}}}`},
		{1, `{"refund_refuse_response":{"is_success":false}}`},
		{2, `{"rp_returngoods_agree_response":{"is_success":true}}`},
		{2, `{"rp_returngoods_agree_response":{"is_success":"true"}}`},
		{0, isvBody}, {1, ispBody}, {2, ``},
	} {
		f.Add(tc.action, []byte(tc.body))
	}
	base, err := ParseRefund("shop1", refundFromJSON(f, withField("refund_fee", `"2000.00"`)))
	if err != nil {
		f.Fatal(err)
	}
	ret, err := ParseRefund("shop1", refundFromJSON(f, withField("has_good_return", "true")))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, action uint8, body []byte) {
		var (
			cs     = base
			req    platforms.ActRequest
			method string
		)
		switch action % 3 {
		case 0:
			req, method = platforms.ActRequest{Action: platforms.ActionAgree}, methodAgree
		case 1:
			req, method = platforms.ActRequest{Action: platforms.ActionRefuse}, methodRefuse
		default:
			cs, req, method = ret, platforms.ActRequest{Action: platforms.ActionAgreeReturn}, methodReturnAgree
		}
		c := fuzzClient(topAnswers{method: {200, body}}, false)
		res, err := c.Act(context.Background(), cs, req)
		if err != nil {
			checkErr(t, err)
			return
		}
		if method == methodAgree {
			var env map[string]json.RawMessage
			var a agreeAnswer
			if decode(body, &env) != nil || decode(env[rootKey(methodAgree)], &a) != nil || a.errorFor(cs.ID) != nil {
				t.Fatalf("agree succeeded on %q", body)
			}
		}
		if res.Case != nil {
			after := *res.Case
			if after.ID != cs.ID {
				t.Fatalf("refusal answered about case %q", after.ID)
			}
			checkCase(t, after)
		}
	})
}

// refundFromJSON decodes a REFUND object as the client does.
func refundFromJSON(tb testing.TB, s string) Refund {
	tb.Helper()
	var r Refund
	if err := decode([]byte(s), &r); err != nil {
		tb.Fatal(err)
	}
	return r
}

// FuzzParseYuan checks that yuan amounts convert to fen exactly: an accepted
// amount is a non-negative fen count whose decimal form reads back the same.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"0.01", "200.07", "6000", "1.500", "999999999999999.99", "1000000000000000",
		"-1.00", "+1", "1e3", ".5", "1.", "", " 1", "00012.3", "1.005", strings.Repeat("9", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := ParseYuan(s)
		if err != nil {
			return
		}
		// Exact: fen = s × 100, with no rounding, checked with big.Rat.
		r, ok := new(big.Rat).SetString(s)
		if !ok || fen < 0 || r.Mul(r, big.NewRat(100, 1)).Cmp(big.NewRat(fen, 1)) != 0 {
			t.Fatalf("ParseYuan(%q) = %d fen", s, fen)
		}
		if back, err := ParseYuan(fmt.Sprintf("%d.%02d", fen/100, fen%100)); err != nil || back != fen {
			t.Fatalf("ParseYuan(%q) = %d fen, which does not read back (%d, %v)", s, fen, back, err)
		}
	})
}
