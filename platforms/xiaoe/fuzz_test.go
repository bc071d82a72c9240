package xiaoe

// Fuzz targets for every parser of Xiaoe bytes: the {code,msg,data}
// envelope (and the retry policy reading it), the /token answer, the
// after-sale list and detail answers, the xe.order.refund answer and the
// push receiver. Each checks properties, not only "no panic": a parse gives
// a classified error or a Case whose invariants hold (checkCase).
//
//	GOTOOLCHAIN=local go test ./platforms/xiaoe -run '^$' -fuzz '^FuzzXiaoeList$' -fuzztime 20s

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/platformtest"
)

// fuzzNow is the clock of the fuzzed clients and of rule evaluation.
var fuzzNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// goodToken is a /token answer that always works.
const goodToken = `{"code":0,"msg":"ok","data":{"access_token":"tok-2","expires_in":7200}}`

// xeAnswers is an in-memory Xiaoe: it answers each path ("/token",
// "/xe.ecommerce.after_sale.list/1.0.0") with a fixed status and body.
type xeAnswers map[string]xeAnswer

type xeAnswer struct {
	status int
	body   []byte
}

func (a xeAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	ans, ok := a[r.URL.Path]
	switch {
	case ok:
	case r.URL.Path == "/token":
		ans = xeAnswer{200, []byte(goodToken)}
	default:
		ans = xeAnswer{404, nil}
	}
	return &http.Response{StatusCode: ans.status, Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(ans.body))}, nil
}

// path is the URL path of an endpoint.
func path(endpoint string) string { return "/" + endpoint + "/" + apiVersion }

// fuzzClient is a client of shop "xe-shop" talking to answers, without
// retries, holding a valid token of its own (not the process-wide shared
// source, whose fetch budget the fuzzer would spend).
func fuzzClient(answers xeAnswers) *Client {
	c := New(Config{
		Gateway: "http://xiaoe.fuzz", AppID: testAppID, ClientID: testClientID, SecretKey: testSecret,
		Shop: "xe-shop", MaxRetries: -1, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return fuzzNow },
	})
	c.http.HTTPClient.Transport = answers
	c.tokens = &tokenSource{key: c.tokens.key, http: c.http, now: c.cfg.Now, log: c.log,
		token: "tok-1", refreshAt: fuzzNow.Add(time.Hour), expires: fuzzNow.Add(2 * time.Hour)}
	return c
}

// checkErr fails t unless err is a well-formed classified Xiaoe error.
func checkErr(t *testing.T, err error) *platforms.Error {
	t.Helper()
	return platformtest.CheckError(t, err, platforms.Xiaoe)
}

// checkCase fails t unless c satisfies what every parsed Xiaoe case promises.
func checkCase(t testing.TB, c platforms.Case) {
	t.Helper()
	switch {
	case c.Platform != platforms.Xiaoe || c.Shop != "xe-shop" || c.ID == "" || c.Role != platforms.RoleSeller || c.Currency != "CNY":
		t.Fatalf("identity: %+v", c)
	case c.Amount < 0:
		t.Fatalf("negative amount %d", c.Amount)
	case !c.Status.Valid():
		t.Fatalf("status %q is not a normalized status", c.Status)
	case !slices.Contains([]platforms.Kind{platforms.KindRefund, platforms.KindReturn, platforms.KindExchange}, c.Kind):
		t.Fatalf("kind %q", c.Kind)
	case c.Deadline.IsZero() && c.DeadlineOwner != "":
		t.Fatalf("deadline owner %q without a deadline", c.DeadlineOwner)
	}
	state, err := strconv.Atoi(c.PlatformStatus)
	if err != nil || strconv.Itoa(state) != c.PlatformStatus {
		t.Fatalf("platform status %q", c.PlatformStatus)
	}
	// An undocumented state never maps to a known status.
	if _, ok := States[state]; !ok && c.Status != platforms.StatusUnknown {
		t.Fatalf("undocumented state %d maps to %q", state, c.Status)
	}
	if c.Status == platforms.StatusUnknown && len(c.Allowed) > 0 {
		t.Fatalf("unknown status allows %v", c.Allowed)
	}
	if merchantTimedOut(state) && (!c.HasFlag(platforms.FlagMustHandleOnWeb) || len(c.Allowed) > 0) {
		t.Fatalf("merchant timeout state %d: flags %v, allowed %v", state, c.Flags, c.Allowed)
	}
	// agree is a merchant refund: only on a refund-only application with
	// nothing refunded yet.
	if c.Allows(platforms.ActionAgree) && (c.Kind != platforms.KindRefund || c.Amount <= 0 || c.Attrs[AttrRefundMoney] != "") {
		t.Fatalf("agree allowed on %+v", c)
	}
	for _, tm := range []time.Time{c.Deadline, c.Modified} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Fatalf("time %v not in UTC", tm)
		}
	}
	platformtest.CheckCase(t, c, fuzzNow)
}

// idInBody checks that an id taken from body was not altered: it appears in
// the body as sent. Escaped JSON strings ("\u0031") and bodies that are
// not UTF-8 (JSON reads invalid bytes as U+FFFD) are not searched.
func idInBody(t *testing.T, id string, body []byte) {
	t.Helper()
	if !bytes.Contains(body, []byte(id)) && !bytes.Contains(body, []byte(`\`)) && utf8.Valid(body) {
		t.Fatalf("id %q does not appear in the answer", id)
	}
}

// envelopeSeeds are answers as Xiaoe sends them, plus edge cases.
var envelopeSeeds = []string{
	okBody, limitBody, busyBody, tokenBody, invalidBody, goodToken,
	`{"code":2001,"msg":"invalid secret_key","data":{}}`, `{"code":2404,"msg":"售后单不存在","data":{}}`,
	`{"code":7777,"msg":"token invalid","data":{}}`, `{"code":7777,"msg":"Too Many requests"}`,
	``, `{`, `null`, `[]`, `{"code":null}`, `{"code":"0"}`, `{"code":0}`, `{"code":0,"data":null}`,
	`{"code":"x"}`, `{"code":1e3}`, `{"code":99999999999999999999}`, `{"code":-0,"data":[]}`,
	`{"code":0,"data":` + strings.Repeat(`[`, 20000) + `}`,
}

var endpoints = []string{endpointToken, endpointList, endpointDetail, endpointRefund}

// FuzzXiaoeEnvelope feeds any status and body to the answer classifier and
// to the retry policy.
func FuzzXiaoeEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add(uint8(1), 200, []byte(s))
		f.Add(uint8(3), 200, []byte(s))
	}
	f.Add(uint8(0), 200, []byte(tokenBody))
	f.Add(uint8(2), 429, []byte(``))
	f.Add(uint8(3), 503, []byte(``))
	f.Fuzz(func(t *testing.T, e uint8, status int, body []byte) {
		endpoint := endpoints[int(e)%len(endpoints)]
		if status < 100 || status > 999 {
			status = 200
		}
		ctx := withEndpoint(context.Background(), endpoint)
		var out any
		err := answer(ctx, endpoint, response(status, string(body)), nil, &out)
		var te *tokenError
		switch {
		case err == nil:
			var env Envelope
			if status != 200 || json.Unmarshal(body, &env) != nil || env.Code.String() == "" {
				t.Fatalf("HTTP %d %q accepted", status, body)
			}
			if n, _ := env.code(); n != CodeOK {
				t.Fatalf("code %s accepted", env.Code)
			}
		case errors.As(err, &te):
			if endpoint == endpointToken {
				t.Fatal("a /token answer asks for a new token")
			}
			checkErr(t, te.err)
		default:
			pe := checkErr(t, err)
			if mutating[endpoint] && (pe.Code == "json" || strings.HasPrefix(pe.Code, "http_5")) &&
				!strings.Contains(pe.Message, "outcome unknown") {
				t.Fatalf("ambiguous failure of a refund does not say so: %v", pe)
			}
		}
		resp := response(status, string(body))
		if _, cerr := checkRetry(ctx, resp, nil); cerr != nil {
			t.Fatalf("checkRetry: %v", cerr)
		}
		if wait, limited := rateLimited(resp); wait < 0 || limited && wait == 0 {
			t.Fatalf("rate limit wait %v", wait)
		}
		if b := backoff(time.Millisecond, 5*time.Second, 1, resp); b < 0 {
			t.Fatalf("backoff %v", b)
		}
	})
}

// FuzzXiaoeToken feeds /token answers to the token fetch: a token comes
// with a positive lifetime, never a wrapped-around one.
func FuzzXiaoeToken(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	for _, exp := range []string{`7200`, `"7200"`, `0`, `-1`, `1.5`, `9223372036`, `9223372037`, `18446744074`,
		`99999999999999999999`, `null`, `"x"`} {
		f.Add([]byte(`{"code":0,"msg":"ok","data":{"access_token":"t","expires_in":` + exp + `}}`))
	}
	f.Add([]byte(`{"code":0,"msg":"ok","data":{"access_token":"","expires_in":7200}}`))
	f.Add([]byte(`{"code":0,"msg":"ok","data":{"access_token":7,"expires_in":7200}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(xeAnswers{"/token": {200, body}})
		ctx := withEndpoint(context.Background(), endpointToken)
		tok, ttl, err := c.tokens.get(ctx)
		if err != nil {
			checkErr(t, err)
			return
		}
		if tok == "" || ttl <= 0 || ttl > maxTokenTTL {
			t.Fatalf("token %q for %v from %q", tok, ttl, body)
		}
		var env struct {
			Data struct {
				ExpiresIn json.Number `json:"expires_in"`
			} `json:"data"`
		}
		json.Unmarshal(body, &env)
		if secs, err := env.Data.ExpiresIn.Int64(); err == nil && secs <= int64(maxTokenTTL/time.Second) && ttl != time.Duration(secs)*time.Second {
			t.Fatalf("expires_in %d read as %v", secs, ttl)
		}
	})
}

// listVariants are edge cases of one application's fields.
var listVariants = []map[string]any{
	nil, {"aftersale_id": json.Number("12345678901234567890123")}, {"aftersale_id": ""}, {"aftersale_id": []int{}},
	{"state": 9}, {"state": 3}, {"state": 12}, {"state": "13"}, {"state": 1.5}, {"state": json.Number("99999999999999999999")},
	{"sale_type": 7}, {"sale_type": nil, "sale_type_name": "换货"}, {"sale_type": nil, "sale_type_name": "?"},
	{"apply_refund_money": json.Number("9223372036854775807")}, {"apply_refund_money": -1}, {"apply_refund_money": 9.9},
	{"apply_refund_money": 0, "refund_money": 500}, {"refund_money": "x"},
	{"updated_at": "0000-00-00 00:00:00"}, {"updated_at": "-0001-11-30 00:00:00"}, {"updated_at": "0001-01-01 00:00:00"},
	{"updated_at": "9999-12-31 23:59:59"}, {"state_invalid_time": "2026-13-01 00:00:00"}, {"invalid_time": "2026-11-22 00:00:00"},
	{"goods_list": []map[string]any{{"goods_name": "a", "buy_num": -2, "goods_price": 1}, {"buy_num": "x"}}},
	{"goods_list": "none"}, {"ship_state_str": "已发货"},
}

func variant(id string, over map[string]any) map[string]any {
	m := item(id, "2026-11-23 09:00:00")
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// FuzzXiaoeList feeds after_sale.list answers to List: cases are valid, ids
// exact, and only those modified inside the window come back.
func FuzzXiaoeList(f *testing.F) {
	f.Add(seedAnswer(f))
	for i, over := range listVariants {
		f.Add([]byte(listReply(200, variant(fmt.Sprintf("A%d", i), over))))
	}
	f.Add([]byte(listReply(0)))
	f.Add([]byte(`{"code":0,"msg":"ok","data":{"list":null,"row_count":"x"}}`))
	f.Add([]byte(`{"code":0,"msg":"ok","data":{"list":{},"row_count":1}}`))
	f.Add([]byte(`{"code":0,"msg":"ok","data":{"row_count":99999999999999999999}}`))
	from, to := fuzzNow.Add(-48*time.Hour), fuzzNow.Add(24*time.Hour)
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(xeAnswers{path(endpointList): {200, body}})
		page, err := c.List(context.Background(), platforms.ListQuery{Page: 1, PageSize: 100, ModifiedFrom: from, ModifiedTo: to})
		if err != nil {
			checkErr(t, err)
			return
		}
		for _, cs := range page.Cases {
			checkCase(t, cs)
			idInBody(t, cs.ID, body)
			if !cs.Modified.IsZero() && (cs.Modified.Before(from) || !cs.Modified.Before(to)) {
				t.Fatalf("case modified %v outside [%v, %v)", cs.Modified, from, to)
			}
		}
	})
}

// FuzzXiaoeDetail feeds after_sale.detail answers to Get: a case comes back
// only for the application asked for.
func FuzzXiaoeDetail(f *testing.F) {
	for _, over := range listVariants {
		f.Add("A1", []byte(detailReply("A1", over)))
	}
	f.Add("12345678901234567890123", []byte(detailReply("x", map[string]any{"aftersale_id": json.Number("12345678901234567890123")})))
	f.Add("A1", []byte(detailReply("A2", nil)))
	f.Add("A1", []byte(`{"code":0,"msg":"ok","data":[]}`))
	f.Add("", []byte(detailReply("", nil)))
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		c := fuzzClient(xeAnswers{path(endpointDetail): {200, body}})
		cs, err := c.Get(context.Background(), id)
		platformtest.CheckGet(t, platforms.Xiaoe, id, cs, err, checkCase)
	})
}

// FuzzXiaoeRefund feeds xe.order.refund answers to Act: success only on a
// code-0 answer with data, and an answer that may have refunded keeps the
// guard against a second refund of the same application version.
func FuzzXiaoeRefund(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add(200, []byte(s))
	}
	f.Add(200, []byte(`{"code":0,"msg":"ok","data":{"refund_id":12345678901234567890,"refund_type":1,"is_async":true}}`))
	f.Add(200, []byte(`{"code":0,"msg":"ok","data":{"refund_id":{},"refund_type":1}}`))
	f.Add(200, []byte(`{"code":2409,"msg":"状态不允许","data":{}}`))
	f.Add(500, []byte(`oops`))
	f.Add(429, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		c := fuzzClient(xeAnswers{path(endpointRefund): {status, body}})
		cs := refundCase()
		cs.Shop = "xe-shop"
		_, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree})
		again := c.sent.mark(cs.ID, cs.Version, fuzzNow)
		if err == nil {
			var env Envelope
			if status != 200 || json.Unmarshal(body, &env) != nil || env.Code.String() == "" {
				t.Fatalf("HTTP %d %q taken for a refund", status, body)
			}
			if n, _ := env.code(); n != CodeOK {
				t.Fatalf("code %s taken for a refund", env.Code)
			}
			if again {
				t.Fatal("a sent refund does not guard against a second one")
			}
			return
		}
		checkErr(t, err)
		if again != rejected(err) {
			t.Fatalf("after %v the guard allows another refund: %v", err, again)
		}
	})
}

// pushSeeds are Xiaoe pushes: the documented JSON and decrypted XML forms
// and edge cases.
var pushSeeds = []string{
	`{"type":"after_sale","app_id":"app1","message_id":"m1","retry_times":0,"xe_data":{"action":"create_aftersale","version":"1","app_id":"app1","order_id":"o1","aftersale_id":"A1","state":0}}`,
	`<xml><type>after_sale</type><app_id>app1</app_id><message_id>m2</message_id><xe_data><action>create_aftersale</action><order_id>o2</order_id><aftersale_id>A2</aftersale_id></xe_data></xml>`,
	``, `{`, `{"type":`, `null`, `[]`, `{"xe_data":null}`, `{"xe_data":{"aftersale_id":7}}`,
	`{"retry_times":99999999999999999999,"xe_data":{"aftersale_id":"A3"}}`, `<xml><xe_data><aftersale_id>`,
	`{"xe_data":` + strings.Repeat(`{"a":`, 20000) + `}`, strings.Repeat("<a>", 20000),
}

// FuzzXiaoePush drives the push receiver: it answers 200, 400, 413 or (when
// the sink fails) 503; hands on exactly one hint per new 200, never one for
// anything else, and lets a failed delivery through again.
func FuzzXiaoePush(f *testing.F) {
	for _, s := range pushSeeds {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(pushSeeds[0]), true)
	f.Fuzz(func(t *testing.T, body []byte, sinkFails bool) {
		var hints []platforms.Hint
		fail := sinkFails
		h := NewPushHandler("xe-academy", func(_ context.Context, x platforms.Hint) error {
			if fail {
				return errors.New("temporal down")
			}
			hints = append(hints, x)
			return nil
		}, platforms.NewDeduper(time.Hour, 100), slog.New(slog.DiscardHandler))
		post := func() int {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/push/xiaoe/xe-academy", bytes.NewReader(body)))
			return rec.Code
		}
		code := post()
		switch {
		case code == http.StatusOK:
			if len(hints) != 1 || hints[0].Platform != platforms.Xiaoe || hints[0].Shop != "xe-academy" || hints[0].CaseID == "" {
				t.Fatalf("200 with hints %+v", hints)
			}
			if post() != http.StatusOK || len(hints) != 1 {
				t.Fatal("a redelivery was handed on again")
			}
		case code == http.StatusServiceUnavailable && sinkFails:
			fail = false
			if post() != http.StatusOK || len(hints) != 1 {
				t.Fatal("the redelivery of a failed push was not handed on")
			}
		case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge:
			if len(hints) != 0 {
				t.Fatalf("HTTP %d with hints %+v", code, hints)
			}
		default:
			t.Fatalf("HTTP %d", code)
		}
	})
}

// TestPushTooLarge: the receivers answer an oversized body with 413 and
// hand nothing on.
func TestPushTooLarge(t *testing.T) {
	push := []byte(pushSeeds[0])
	for _, tc := range []struct {
		name string
		size int
		code int
	}{
		{"just under the limit", maxPushBody, http.StatusOK},
		{"one byte over", maxPushBody + 1, http.StatusRequestEntityTooLarge},
		{"far over", 8 << 20, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hints := 0
			h := NewPushHandler("xe-academy", func(context.Context, platforms.Hint) error { hints++; return nil }, nil, slog.New(slog.DiscardHandler))
			// A valid push padded with white space: only its size is wrong.
			body := append(bytes.Clone(push), bytes.Repeat([]byte(" "), tc.size-len(push))...)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
			if rec.Code != tc.code || (hints == 1) != (tc.code == http.StatusOK) {
				t.Fatalf("HTTP %d with %d hints, want %d", rec.Code, hints, tc.code)
			}
		})
	}
}
