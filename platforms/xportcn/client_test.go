package xportcn

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

const (
	testKey    = "ak-test"
	testSecret = "secret-test-9f2"
	testUser   = "2100007341207"
)

// testNow is 2026-11-23 10:00:00 GMT+8.
var testNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

type fakeCall struct {
	method, path, query, body, nonce string
}

// fakeXP answers Xportcn calls after checking the headers as our reading of
// the docs says the platform does.
type fakeXP struct {
	t         *testing.T
	algorithm string
	answer    func(path string, n int, body []byte) (status int, reply string)

	mu    sync.Mutex
	calls []fakeCall
	sigs  []string
}

func (f *fakeXP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := r.Header
	body, _ := io.ReadAll(r.Body)
	if h.Get("access-key") != testKey || h.Get("user-id") != testUser || len(h.Get("nonce-str")) != NonceLength {
		f.t.Errorf("headers %v", h)
	}
	if want := Timestamp(f.algorithm, testNow); h.Get("timestamp") != want {
		f.t.Errorf("timestamp %s, want %s", h.Get("timestamp"), want)
	}
	want, err := Sign(f.algorithm, testKey, testSecret, h.Get("timestamp"), h.Get("nonce-str"))
	if err != nil || h.Get("signature") != want {
		fmt.Fprint(w, `{"requestId":"r0","code":401,"developId":null,"msg":"signature verification failed","data":null}`)
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		f.t.Errorf("content type %q", h.Get("Content-Type"))
	}
	path := strings.TrimPrefix(r.URL.Path, "/api")
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{r.Method, path, r.URL.RawQuery, string(body), h.Get("nonce-str")})
	f.sigs = append(f.sigs, want)
	n := 0
	for _, c := range f.calls {
		if c.path == path {
			n++
		}
	}
	f.mu.Unlock()
	status, reply := f.answer(path, n, body)
	w.WriteHeader(status)
	fmt.Fprint(w, reply)
}

func (f *fakeXP) all() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

// newTestClient starts a fake Xportcn and a client talking to it; at the
// end it checks that no secret reached the logs.
func newTestClient(t *testing.T, algorithm string, edit func(*Config), answer func(path string, n int, body []byte) (int, string)) (*Client, *fakeXP) {
	t.Helper()
	f := &fakeXP{t: t, algorithm: algorithm, answer: answer}
	if f.algorithm == "" {
		f.algorithm = SignMD5
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	cfg := Config{
		BaseURL: srv.URL + "/api/", AccessKey: testKey, AccessSecret: testSecret, UserID: testUser,
		SignAlgorithm: algorithm, Shop: "xp1",
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:           func() time.Time { return testNow },
		ExtraStatuses: SandboxStatuses, ExtraTimeoutTypes: SandboxTimeoutTypes,
	}
	if edit != nil {
		edit(&cfg)
	}
	c := New(cfg)
	c.http.RetryWaitMin, c.http.RetryWaitMax = time.Millisecond, 10*time.Millisecond
	t.Cleanup(func() {
		out := logs.String()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range append([]string{testSecret}, f.sigs...) {
			if strings.Contains(out, s) {
				t.Errorf("logs contain secret %q:\n%s", s, out)
			}
		}
	})
	return c, f
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// listReply wraps aggregates (JSON objects) in a queryList envelope.
func listReply(total int, aggs ...string) string {
	return fmt.Sprintf(`{"requestId":"r1","code":200,"developId":null,"msg":"成功","data":{"total":%d,"pageNo":1,"distributorId":null,"pageSize":1,"currency":"CNY","refundOrderAggregates":[%s]}}`,
		total, strings.Join(aggs, ","))
}

// aggJSON is the seed's aggregate with refundOrder fields replaced.
func aggJSON(t testing.TB, over map[string]any) string {
	t.Helper()
	b, err := json.Marshal(aggregate(t, over))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const okReply = `{"requestId":"r2","code":200,"developId":null,"msg":"成功","data":true}`

func TestGetSignsEveryAlgorithm(t *testing.T) {
	for _, alg := range SignAlgorithms {
		t.Run(alg, func(t *testing.T) {
			c, f := newTestClient(t, alg, nil, func(path string, _ int, body []byte) (int, string) {
				var req QueryListRequest
				if err := json.Unmarshal(body, &req); err != nil || req.RefundID != "110002687818" || req.PageNo != 1 || req.PageSize != 1 {
					t.Errorf("%s body %s", path, body)
				}
				return 200, listReply(1, aggJSON(t, nil))
			})
			cs, err := c.Get(context.Background(), "110002687818")
			if err != nil {
				t.Fatal(err)
			}
			if cs.ID != "110002687818" || cs.Status != platforms.StatusAwaitingSeller || cs.Shop != "xp1" {
				t.Fatalf("case %+v", cs)
			}
			if calls := f.all(); len(calls) != 1 || calls[0].method != "POST" || calls[0].path != PathQueryList {
				t.Fatalf("calls %+v", calls)
			}
		})
	}
}

func TestGetErrors(t *testing.T) {
	tests := []struct {
		name   string
		id     string
		status int
		reply  string
		want   platforms.ErrorKind
		calls  int
	}{
		{"bad id", "R-1", 200, "", platforms.ErrInvalid, 0},
		{"not found", "1", 200, listReply(0), platforms.ErrNotFound, 1},
		{"filter ignored", "1", 200, "", platforms.ErrMalformed, 1}, // reply set below: another refund
		{"auth envelope", "1", 200, `{"code":401,"msg":"access-key invalid"}`, platforms.ErrAuth, 1},
		{"invalid envelope", "1", 200, `{"code":400,"msg":"pageSize is required"}`, platforms.ErrInvalid, 1},
		{"rate envelope retried", "1", 200, `{"code":429,"msg":"too many requests"}`, platforms.ErrRateLimited, 4},
		{"5xx envelope retried", "1", 200, `{"code":500,"msg":"system busy"}`, platforms.ErrTransient, 4},
		{"http 502 retried", "1", 502, "bad gateway", platforms.ErrTransient, 4},
		{"http 401", "1", 401, "", platforms.ErrAuth, 1},
		{"not json", "1", 200, "<html>", platforms.ErrMalformed, 1},
		{"no data", "1", 200, `{"code":200,"msg":"ok","data":null}`, platforms.ErrMalformed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := tt.reply
			if tt.name == "filter ignored" {
				reply = listReply(1, aggJSON(t, nil))
			}
			c, f := newTestClient(t, "", nil, func(string, int, []byte) (int, string) { return tt.status, reply })
			_, err := c.Get(context.Background(), tt.id)
			if k := platforms.KindOf(err); k != tt.want {
				t.Fatalf("kind %q (%v), want %q", k, err, tt.want)
			}
			if n := len(f.all()); n != tt.calls {
				t.Fatalf("%d calls, want %d", n, tt.calls)
			}
		})
	}
}

func TestWrongSecretIsAuth(t *testing.T) {
	c, _ := newTestClient(t, "", func(cfg *Config) { cfg.AccessSecret = "wrong" }, nil)
	_, err := c.Get(context.Background(), "1")
	if k := platforms.KindOf(err); k != platforms.ErrAuth {
		t.Fatalf("kind %q (%v)", k, err)
	}
}

func TestRetryReSigns(t *testing.T) {
	c, f := newTestClient(t, "", nil, func(_ string, n int, _ []byte) (int, string) {
		if n == 1 {
			return 503, ""
		}
		return 200, listReply(1, aggJSON(t, nil))
	})
	if _, err := c.Get(context.Background(), "110002687818"); err != nil {
		t.Fatal(err)
	}
	calls := f.all()
	if len(calls) != 2 || calls[0].nonce == calls[1].nonce {
		t.Fatalf("calls %+v: a retry must carry a fresh nonce", calls)
	}
}

func TestList(t *testing.T) {
	from, to := testNow.Add(-2*time.Hour), testNow
	c, f := newTestClient(t, "", nil, func(_ string, n int, body []byte) (int, string) {
		var req QueryListRequest
		json.Unmarshal(body, &req)
		if req.RefundStartTime != from.UnixMilli() || req.RefundEndTime != to.UnixMilli() || req.PageSize != maxPageSize || req.PageNo != n {
			t.Errorf("request %+v", req)
		}
		if n == 1 {
			aggs := make([]string, maxPageSize)
			for i := range aggs {
				aggs[i] = aggJSON(t, map[string]any{"refundId": fmt.Sprint(1000 + i)})
			}
			return 200, listReply(maxPageSize+1, aggs...)
		}
		return 200, listReply(maxPageSize+1, aggJSON(t, map[string]any{"refundId": "2000", "refundStatus": "500"}))
	})
	q := platforms.ListQuery{ModifiedFrom: from, ModifiedTo: to, PageSize: 500}
	var ids []string
	for q.Page = 1; ; q.Page++ {
		page, err := c.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range page.Cases {
			ids = append(ids, cs.ID)
		}
		if !page.HasNext {
			break
		}
	}
	if len(ids) != maxPageSize+1 || ids[maxPageSize] != "2000" || len(f.all()) != 2 {
		t.Fatalf("ids %v", ids)
	}
}

func TestListMalformedCaseFailsPage(t *testing.T) {
	c, _ := newTestClient(t, "", nil, func(string, int, []byte) (int, string) {
		return 200, listReply(2, aggJSON(t, nil), aggJSON(t, map[string]any{"refundFee": "3.92"}))
	})
	if _, err := c.List(context.Background(), platforms.ListQuery{}); platforms.KindOf(err) != platforms.ErrMalformed {
		t.Fatalf("err %v", err)
	}
}

// caseIn returns a parsed case in a sandbox-convention status.
func caseIn(t *testing.T, status string) platforms.Case {
	t.Helper()
	c, err := parseRefund(newTables(SandboxStatuses, SandboxTimeoutTypes), "xp1", "CNY", aggregate(t, map[string]any{"refundStatus": status}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestActCancel(t *testing.T) {
	c, f := newTestClient(t, "", func(cfg *Config) { cfg.CancelPath = "/open/custom/cancel" }, func(path string, _ int, _ []byte) (int, string) {
		return 200, okReply
	})
	res, err := c.Act(context.Background(), caseIn(t, "100"), platforms.ActRequest{Action: platforms.ActionCancel})
	if err != nil || res.Message == "" {
		t.Fatalf("res %+v, err %v", res, err)
	}
	calls := f.all()
	if len(calls) != 1 || calls[0].method != "GET" || calls[0].path != "/open/custom/cancel" || calls[0].query != "refundId=110002687818" {
		t.Fatalf("calls %+v", calls)
	}
}

func TestActShipReturn(t *testing.T) {
	c, f := newTestClient(t, "", nil, func(string, int, []byte) (int, string) { return 200, okReply })
	cs := caseIn(t, "200")
	_, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionShipReturn,
		Params: map[string]string{ParamLogisticsCompany: "SF", ParamLogisticsNo: " SF1234567890 "}})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.all()
	if len(calls) != 1 || calls[0].method != "POST" || calls[0].path != PathShipReturn ||
		calls[0].body != `{"refundId":"110002687818","logisticsCompanyCode":"SF","logisticsNo":"SF1234567890"}` {
		t.Fatalf("calls %+v", calls)
	}
}

func TestActRejectsBeforeSending(t *testing.T) {
	c, f := newTestClient(t, "", nil, func(string, int, []byte) (int, string) { return 200, okReply })
	other := caseIn(t, "200")
	other.Shop = "someone-else"
	tests := []struct {
		name string
		cs   platforms.Case
		req  platforms.ActRequest
		want platforms.ErrorKind
	}{
		{"seller action", caseIn(t, "100"), platforms.ActRequest{Action: platforms.ActionAgree}, platforms.ErrUnsupported},
		{"seller refuse", caseIn(t, "100"), platforms.ActRequest{Action: platforms.ActionRefuse}, platforms.ErrUnsupported},
		{"confirm receipt", caseIn(t, "300"), platforms.ActRequest{Action: platforms.ActionConfirmReceipt}, platforms.ErrUnsupported},
		{"no waybill", caseIn(t, "200"), platforms.ActRequest{Action: platforms.ActionShipReturn}, platforms.ErrInvalid},
		{"no carrier", caseIn(t, "200"), platforms.ActRequest{Action: platforms.ActionShipReturn, Params: map[string]string{ParamLogisticsNo: "1"}}, platforms.ErrInvalid},
		{"not allowed now", caseIn(t, "100"), platforms.ActRequest{Action: platforms.ActionShipReturn, Params: map[string]string{ParamLogisticsCompany: "SF", ParamLogisticsNo: "1"}}, platforms.ErrInvalid},
		{"unknown status", caseIn(t, "777"), platforms.ActRequest{Action: platforms.ActionCancel}, platforms.ErrInvalid},
		{"other shop", other, platforms.ActRequest{Action: platforms.ActionCancel}, platforms.ErrInvalid},
	}
	for _, tt := range tests {
		_, err := c.Act(context.Background(), tt.cs, tt.req)
		var pe *platforms.Error
		if k := platforms.KindOf(err); k != tt.want {
			t.Errorf("%s: kind %q (%v), want %q", tt.name, k, err, tt.want)
		} else if errors.As(err, &pe) && pe.Retryable() {
			t.Errorf("%s: retryable", tt.name)
		}
	}
	if n := len(f.all()); n != 0 {
		t.Fatalf("%d calls sent", n)
	}
	_, err := c.Act(context.Background(), caseIn(t, "200"), platforms.ActRequest{Action: platforms.ActionShipReturn})
	if !strings.Contains(err.Error(), ParamLogisticsNo) || !strings.Contains(err.Error(), ParamLogisticsCompany) {
		t.Fatalf("message %q does not say which params are missing", err)
	}
}

func TestMutationsAreNotRetried(t *testing.T) {
	for _, reply := range []struct {
		status int
		body   string
		want   platforms.ErrorKind
	}{
		{500, "", platforms.ErrTransient},
		{200, `{"code":500,"msg":"system busy"}`, platforms.ErrTransient},
		{200, `{"code":429,"msg":"too many requests"}`, platforms.ErrRateLimited},
		{200, `{"code":400,"msg":"status does not allow cancellation"}`, platforms.ErrInvalid},
	} {
		c, f := newTestClient(t, "", nil, func(string, int, []byte) (int, string) { return reply.status, reply.body })
		_, err := c.Act(context.Background(), caseIn(t, "100"), platforms.ActRequest{Action: platforms.ActionCancel})
		if k := platforms.KindOf(err); k != reply.want {
			t.Errorf("%d %s: kind %q (%v)", reply.status, reply.body, k, err)
		}
		if n := len(f.all()); n != 1 {
			t.Errorf("%d %s: %d calls, want 1", reply.status, reply.body, n)
		}
	}
}

func TestOrderContext(t *testing.T) {
	orders := `{"requestId":"r3","code":200,"developId":"d","msg":"成功","data":{"total":1,"data":[{"id":"200028508720","orderNo":"500918-1034477311887409465","userName":"Someone Real","status":10,"purchaseAmount":392,"subOrderVOS":[]}]}}`
	c, f := newTestClient(t, "", func(cfg *Config) { cfg.OrderContext = true }, func(path string, _ int, _ []byte) (int, string) {
		if path == PathOrderPage {
			return 200, orders
		}
		return 200, listReply(1, aggJSON(t, nil))
	})
	cs, err := c.Get(context.Background(), "110002687818")
	if err != nil {
		t.Fatal(err)
	}
	if cs.GoodsStatus != platforms.GoodsNotShipped || cs.Attrs["order_status"] != "10" || cs.Attrs["order_status_name"] != "to be shipped" || cs.Attrs["order_amount"] != "392" {
		t.Fatalf("case %+v", cs)
	}
	calls := f.all()
	if len(calls) != 2 || calls[1].method != "GET" || !strings.Contains(calls[1].query, "id=200028508720") {
		t.Fatalf("calls %+v", calls)
	}
	if b, _ := json.Marshal(cs); strings.Contains(string(b), "Someone") {
		t.Fatal("personal data in the case")
	}
}
