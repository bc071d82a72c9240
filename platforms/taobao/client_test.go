package taobao

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

const (
	testSecret  = "app-secret-xyz"
	testSession = "session-6100e2f"
)

// testNow is 2026-11-23 10:00:00 in GMT+8.
var testNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// fakeTOP answers TOP calls after checking what the real gateway checks.
type fakeTOP struct {
	t      *testing.T
	answer func(method string, n int, form url.Values) (status int, body string)

	mu    sync.Mutex
	calls map[string]int
	signs []string
}

func (f *fakeTOP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/router/rest" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		f.t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		f.t.Fatal(err)
	}
	form := r.PostForm
	for k, want := range map[string]string{
		"app_key": "12345678", "session": testSession, "format": "json", "v": "2.0",
		"timestamp": "2026-11-23 10:00:00",
	} {
		if got := form.Get(k); got != want {
			f.t.Errorf("param %s = %q, want %q", k, got, want)
		}
	}
	want, err := Sign(form, testSecret, form.Get("sign_method"))
	if err != nil || form.Get("sign") != want {
		fmt.Fprint(w, `{"error_response":{"code":25,"msg":"Invalid signature"}}`)
		return
	}
	method := form.Get("method")
	f.mu.Lock()
	f.calls[method]++
	n := f.calls[method]
	f.signs = append(f.signs, want)
	f.mu.Unlock()

	status, body := f.answer(method, n, form)
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (f *fakeTOP) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// newTestClient starts a fake TOP and a client talking to it. At the end it
// checks that no secret reached the logs.
func newTestClient(t *testing.T, signMethod string, answer func(method string, n int, form url.Values) (int, string)) (*Client, *fakeTOP) {
	t.Helper()
	f := &fakeTOP{t: t, answer: answer, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	c := New(Config{
		Gateway: srv.URL + "/router/rest", AppKey: "12345678", AppSecret: testSecret,
		Session: testSession, SignMethod: signMethod, Shop: "shop1",
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return testNow },
	})
	c.http.RetryWaitMin, c.http.RetryWaitMax = time.Millisecond, 10*time.Millisecond
	t.Cleanup(func() {
		out := logs.String()
		secrets := append([]string{testSecret, testSession}, f.signs...)
		for _, s := range secrets {
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

func TestList(t *testing.T) {
	c, f := newTestClient(t, "", func(method string, n int, form url.Values) (int, string) {
		if method != methodList {
			t.Errorf("method = %s", method)
		}
		for k, want := range map[string]string{
			"page_size": "100", "use_has_next": "false", "fields": listFields,
			"start_modified": "2026-11-23 08:00:00", "end_modified": "2026-11-23 10:00:00",
			"page_no": fmt.Sprint(n),
		} {
			if got := form.Get(k); got != want {
				t.Errorf("page %d: %s = %q, want %q", n, k, got, want)
			}
		}
		switch n {
		case 1:
			return 200, fmt.Sprintf(`{"refunds_receive_get_response":{"refunds":{"refund":[%s,%s]},"total_results":201,"request_id":"r"}}`,
				refundRaw(t, map[string]any{"refund_remind_timeout": nil}),
				refundRaw(t, map[string]any{"refund_id": 2, "status": "SUCCESS", "refund_remind_timeout": nil}))
		case 2:
			return 200, fmt.Sprintf(`{"refunds_receive_get_response":{"refunds":{"refund":[%s]},"total_results":201}}`,
				refundRaw(t, map[string]any{"refund_id": 3, "refund_remind_timeout": nil}))
		}
		return 200, `{"refunds_receive_get_response":{"total_results":201}}`
	})

	q := platforms.ListQuery{ModifiedFrom: testNow.Add(-2 * time.Hour), ModifiedTo: testNow, PageSize: 500}
	var ids []string
	for q.Page = 1; ; q.Page++ {
		page, err := c.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range page.Cases {
			ids = append(ids, cs.ID)
		}
		if page.Pages != 3 {
			t.Fatalf("page %d: Pages = %d, want 3 (201 refunds at 100 a page): sync pages a counted window backwards", q.Page, page.Pages)
		}
		if !page.HasNext {
			break
		}
	}
	want(t, "ids", ids, []string{"201234567890123456", "2", "3"})
	want(t, "calls", f.count(methodList), 3)
}

func TestListMalformedRefundFailsPage(t *testing.T) {
	c, _ := newTestClient(t, "", func(string, int, url.Values) (int, string) {
		return 200, fmt.Sprintf(`{"refunds_receive_get_response":{"refunds":{"refund":[%s]},"has_next":false}}`,
			refundRaw(t, map[string]any{"refund_fee": "12,00"}))
	})
	_, err := c.List(context.Background(), platforms.ListQuery{})
	want(t, "kind", platforms.KindOf(err), platforms.ErrMalformed)
}

func TestGet(t *testing.T) {
	for _, sm := range []string{SignMD5, SignHMAC, SignHMACSHA256} {
		t.Run(sm, func(t *testing.T) {
			c, _ := newTestClient(t, sm, func(method string, _ int, form url.Values) (int, string) {
				want(t, "method", method, methodGet)
				want(t, "sign_method", form.Get("sign_method"), sm)
				want(t, "refund_id", form.Get("refund_id"), "201234567890123456")
				if !strings.Contains(form.Get("fields"), "refund_remind_timeout") {
					t.Errorf("fields = %s", form.Get("fields"))
				}
				return 200, fmt.Sprintf(`{"refund_get_response":{"refund":%s}}`, refundRaw(t, map[string]any{"cs_status": 3}))
			})
			cs, err := c.Get(context.Background(), "201234567890123456")
			if err != nil {
				t.Fatal(err)
			}
			want(t, "id", cs.ID, "201234567890123456")
			want(t, "deadline", cs.Deadline, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			want(t, "flags", cs.Flags, []string{platforms.FlagCSInvolved})
			want(t, "allowed", cs.Allowed, []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse})
		})
	}
}

func TestGetErrors(t *testing.T) {
	tests := []struct {
		name  string
		id    string
		body  string
		want  platforms.ErrorKind
		calls int
	}{
		{"not found", "1", `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.refund-not-exist"}}`, platforms.ErrNotFound, 1},
		{"bad signature", "1", `{"error_response":{"code":25,"msg":"Invalid signature"}}`, platforms.ErrAuth, 1},
		{"bad id", "12a", ``, platforms.ErrInvalid, 0},
		{"other refund", "1", `{"refund_get_response":{"refund":{"refund_id":2,"refund_fee":"1.00"}}}`, platforms.ErrMalformed, 1},
		{"not json", "1", `<html>Bad gateway</html>`, platforms.ErrMalformed, 1},
		{"json array", "1", `[]`, platforms.ErrMalformed, 1},
		{"null", "1", `null`, platforms.ErrMalformed, 1},
		{"missing root", "1", `{"refunds_receive_get_response":{}}`, platforms.ErrMalformed, 1},
		{"no refund", "1", `{"refund_get_response":{}}`, platforms.ErrMalformed, 1},
		{"bad number", "1", `{"refund_get_response":{"refund":{"refund_id":"x"}}}`, platforms.ErrMalformed, 1},
		{"truncated", "1", `{"refund_get_response":{"refund":{"refund_id":1`, platforms.ErrMalformed, 1},
		{"bad error envelope", "1", `{"error_response":"boom"}`, platforms.ErrMalformed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, "", func(string, int, url.Values) (int, string) { return 200, tt.body })
			_, err := c.Get(context.Background(), tt.id)
			want(t, "kind", platforms.KindOf(err), tt.want)
			want(t, "calls", f.count(methodGet), tt.calls)
		})
	}
}

func TestAct(t *testing.T) {
	const (
		agreeOK   = `{"rp_refunds_agree_response":{"msg_code":"OP_SUCC","msg":"ok","succ":true,"results":{"refund_mapping_result":[{"refund_id":201234567890123456,"succ":true,"message":"done"}]}}}`
		agreeFail = `{"rp_refunds_agree_response":{"msg_code":"OP_FAILURE_UE","msg":"failed","succ":false,"results":{"refund_mapping_result":[{"refund_id":201234567890123456,"succ":false,"message":"refund amount exceeds"}]}}}`
		agreeSome = `{"rp_refunds_agree_response":{"msg_code":"SOME_OP_SUCC","msg":"partly","results":{"refund_mapping_result":[{"refund_id":5,"succ":true}]}}}`
		mismatch  = `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.refund-version-mismatch","sub_msg":"version changed"}}`
		refuseOK  = `{"refund_refuse_response":{"is_success":true,"refund":{"refund_id":201234567890123456,"status":"SELLER_REFUSE_BUYER","modified":"2026-11-23 10:00:01"}}}`
		returnOK  = `{"rp_returngoods_agree_response":{"is_success":true}}`
		returnNo  = `{"rp_returngoods_agree_response":{"is_success":false}}`
	)
	ret := map[string]any{"has_good_return": true, "dispute_type": "REFUND_AND_RETURN"}
	receipt := map[string]any{"has_good_return": true, "status": "WAIT_SELLER_CONFIRM_GOODS", "good_status": "BUYER_RETURNED_GOODS"}

	tests := []struct {
		name   string
		over   map[string]any // refund fields of the case acted on
		req    platforms.ActRequest
		method string            // TOP method expected, "" for none
		params map[string]string // params expected
		answer string
		kind   platforms.ErrorKind
		check  func(t *testing.T, res platforms.ActResult)
	}{
		{
			name: "agree", req: platforms.ActRequest{Action: platforms.ActionAgree},
			method: methodAgree, params: map[string]string{"refund_infos": "201234567890123456|20007|1763692200000|onsale"},
			answer: agreeOK,
		},
		{
			name: "agree part", req: platforms.ActRequest{Action: platforms.ActionAgree, Amount: 10000},
			method: methodAgree, params: map[string]string{"refund_infos": "201234567890123456|10000|1763692200000|onsale"},
			answer: agreeOK,
		},
		{
			name: "agree at the cap", over: map[string]any{"refund_fee": "6000.00"}, req: platforms.ActRequest{Action: platforms.ActionAgree},
			method: methodAgree, params: map[string]string{"refund_infos": "201234567890123456|600000|1763692200000|onsale"},
			answer: agreeOK,
		},
		{
			name: "agree above the cap needs SMS", over: map[string]any{"refund_fee": "6000.01"}, req: platforms.ActRequest{Action: platforms.ActionAgree},
			kind: platforms.ErrRefused,
		},
		{
			name: "agree more than asked", req: platforms.ActRequest{Action: platforms.ActionAgree, Amount: 20008},
			kind: platforms.ErrInvalid,
		},
		{
			name: "agree refused in results", req: platforms.ActRequest{Action: platforms.ActionAgree},
			method: methodAgree, answer: agreeFail, kind: platforms.ErrRefused,
		},
		{
			name: "agree batch without our result", req: platforms.ActRequest{Action: platforms.ActionAgree},
			method: methodAgree, answer: agreeSome, kind: platforms.ErrRefused,
		},
		{
			name: "agree version mismatch", req: platforms.ActRequest{Action: platforms.ActionAgree},
			method: methodAgree, answer: mismatch, kind: platforms.ErrRefused,
		},
		{
			name: "confirm receipt", over: receipt, req: platforms.ActRequest{Action: platforms.ActionConfirmReceipt},
			method: methodAgree, params: map[string]string{"refund_infos": "201234567890123456|20007|1763692200000|onsale"},
			answer: agreeOK,
		},
		{
			name: "refuse", req: platforms.ActRequest{Action: platforms.ActionRefuse},
			method: methodRefuse,
			params: map[string]string{
				"refund_id": "201234567890123456", "refuse_message": defaultRefuseMessage,
				"refund_phase": "onsale", "refund_version": "1763692200000", "refuse_reason_id": "",
			},
			answer: refuseOK,
			check: func(t *testing.T, res platforms.ActResult) {
				if res.Case == nil {
					t.Fatal("no case after refuse")
				}
				want(t, "status", res.Case.Status, platforms.StatusRefused)
				want(t, "platform status", res.Case.PlatformStatus, "SELLER_REFUSE_BUYER")
				want(t, "allowed", res.Case.Allowed, []platforms.Action(nil))
				want(t, "modified", res.Case.Modified, time.Date(2026, 11, 23, 2, 0, 1, 0, time.UTC))
			},
		},
		{
			name: "refuse with reason", over: receipt,
			req:    platforms.ActRequest{Action: platforms.ActionRefuse, Params: map[string]string{"message": "商品已损坏", "reason_id": "4002"}},
			method: methodRefuse, params: map[string]string{"refuse_message": "商品已损坏", "refuse_reason_id": "4002"},
			answer: refuseOK,
		},
		{
			name: "refuse message too short", req: platforms.ActRequest{Action: platforms.ActionRefuse, Params: map[string]string{"message": "x"}},
			kind: platforms.ErrInvalid,
		},
		{
			name: "refuse unshipped is not allowed", over: map[string]any{"order_status": "WAIT_SELLER_SEND_GOODS"},
			req: platforms.ActRequest{Action: platforms.ActionRefuse}, kind: platforms.ErrInvalid,
		},
		{
			name: "agree return", over: ret,
			req:    platforms.ActRequest{Action: platforms.ActionAgreeReturn, Params: map[string]string{"message": "请寄回", "address_id": "778"}},
			method: methodReturnAgree,
			params: map[string]string{
				"refund_id": "201234567890123456", "refund_phase": "onsale", "refund_version": "1763692200000",
				"remark": "请寄回", "seller_address_id": "778",
			},
			answer: returnOK,
		},
		{
			name: "agree return not successful", over: ret, req: platforms.ActRequest{Action: platforms.ActionAgreeReturn},
			method: methodReturnAgree, answer: returnNo, kind: platforms.ErrRefused,
		},
		{
			name: "agree on a return is not allowed", over: ret, req: platforms.ActRequest{Action: platforms.ActionAgree},
			kind: platforms.ErrInvalid,
		},
		{
			name: "on web", over: map[string]any{"operation_contraint": "refund_onweb"}, req: platforms.ActRequest{Action: platforms.ActionAgree},
			kind: platforms.ErrInvalid,
		},
		{
			name: "resend", req: platforms.ActRequest{Action: platforms.ActionResend},
			kind: platforms.ErrUnsupported,
		},
		{
			name: "escalate", req: platforms.ActRequest{Action: platforms.ActionEscalate},
			kind: platforms.ErrUnsupported,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, "", func(method string, _ int, form url.Values) (int, string) {
				want(t, "method", method, tt.method)
				for k, v := range tt.params {
					want(t, k, form.Get(k), v)
				}
				return 200, tt.answer
			})
			cs, err := ParseRefund("shop1", refundJSON(t, tt.over))
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Act(context.Background(), cs, tt.req)
			want(t, "kind", platforms.KindOf(err), tt.kind)
			calls := 0
			if tt.method != "" {
				calls = 1
			}
			want(t, "calls", f.count(tt.method), calls)
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

func TestActOtherShop(t *testing.T) {
	c, _ := newTestClient(t, "", nil)
	cs, err := ParseRefund("shop2", refundJSON(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree})
	want(t, "kind", platforms.KindOf(err), platforms.ErrInvalid)
}

func banBody(seconds int) string {
	return fmt.Sprintf(`{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-access-count","sub_msg":"This ban will last for %d more seconds","request_id":"r"}}`, seconds)
}

func TestBanIsWaitedOut(t *testing.T) {
	getOK := fmt.Sprintf(`{"refund_get_response":{"refund":%s}}`, refundRaw(t, nil))
	agreeOK := `{"rp_refunds_agree_response":{"msg_code":"OP_SUCC","results":{"refund_mapping_result":[{"refund_id":201234567890123456,"succ":true}]}}}`
	c, f := newTestClient(t, "", func(method string, n int, _ url.Values) (int, string) {
		if n == 1 {
			return 200, banBody(1)
		}
		if method == methodAgree {
			return 200, agreeOK
		}
		return 200, getOK
	})

	start := time.Now()
	cs, err := c.Get(context.Background(), "201234567890123456")
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %s, before the 1s ban ended", waited)
	}
	want(t, "get calls", f.count(methodGet), 2)

	// A rate-limited mutation was rejected before it ran: safe to repeat.
	if _, err := c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree}); err != nil {
		t.Fatal(err)
	}
	want(t, "agree calls", f.count(methodAgree), 2)
}

func TestLongBanIsReturned(t *testing.T) {
	c, f := newTestClient(t, "", func(string, int, url.Values) (int, string) { return 200, banBody(60) })
	_, err := c.Get(context.Background(), "1")
	pe, ok := err.(*platforms.Error)
	if !ok || pe.Kind != platforms.ErrRateLimited || pe.RetryAfter != time.Minute {
		t.Fatalf("err = %v, want rate limited for 1m", err)
	}
	want(t, "calls", f.count(methodGet), 1)
}

func TestServerErrors(t *testing.T) {
	getOK := fmt.Sprintf(`{"refund_get_response":{"refund":%s}}`, refundRaw(t, nil))
	c, f := newTestClient(t, "", func(method string, n int, _ url.Values) (int, string) {
		if method == methodGet && n > 1 {
			return 200, getOK
		}
		return 500, "Internal Server Error"
	})

	// Reads are retried.
	cs, err := c.Get(context.Background(), "201234567890123456")
	if err != nil {
		t.Fatal(err)
	}
	want(t, "get calls", f.count(methodGet), 2)

	// A 500 on a mutation is ambiguous: TOP may have applied it.
	_, err = c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree})
	want(t, "kind", platforms.KindOf(err), platforms.ErrTransient)
	if err == nil || !strings.Contains(err.Error(), "outcome unknown") {
		t.Errorf("err = %v, want a hint that the outcome is unknown", err)
	}
	want(t, "agree calls", f.count(methodAgree), 1)
}

func TestConnectionRefusedMutationIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	logs := &syncBuffer{}
	c := New(Config{
		Gateway: "http://" + addr + "/router/rest", AppKey: "k", AppSecret: testSecret, Session: testSession,
		Shop: "shop1", MaxRetries: 2, Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	c.http.RetryWaitMin, c.http.RetryWaitMax = time.Millisecond, time.Millisecond
	cs, err := ParseRefund("shop1", refundJSON(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionAgree})
	want(t, "kind", platforms.KindOf(err), platforms.ErrTransient)
	if strings.Contains(err.Error(), "outcome unknown") {
		t.Errorf("refused connection reported as ambiguous: %v", err)
	}
	want(t, "retries logged", strings.Count(logs.String(), "top: retrying"), 2)
	for _, s := range []string{testSecret, testSession} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("logs contain %q", s)
		}
	}
}

func TestRootKey(t *testing.T) {
	tests := map[string]string{
		methodList:           "refunds_receive_get_response",
		methodGet:            "refund_get_response",
		methodAgree:          "rp_refunds_agree_response",
		methodRefuse:         "refund_refuse_response",
		methodReturnAgree:    "rp_returngoods_agree_response",
		"tmall.exchange.get": "tmall_exchange_get_response",
	}
	for m, w := range tests {
		want(t, m, rootKey(m), w)
	}
}
