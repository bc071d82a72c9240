package sandbox

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// listCases stores five cases of testShop modified an hour apart (id 1 the
// oldest, the last one with a return) and one of another shop.
func listCases(e *env) {
	for i := 1; i <= 5; i++ {
		c := refundCase(fmt.Sprint(i), map[string]any{
			"modified":               topTime(t0.Add(time.Duration(i-6) * time.Hour)),
			"sandbox_confirm_window": 60,
		})
		if i == 5 {
			c["has_good_return"] = true
			c["status"] = topWaitSellerConfirm
		}
		e.put(testShop, c)
	}
	e.put("other-shop", refundCase("6", nil))
}

func refundIDs(t *testing.T, ans map[string]any) []string {
	t.Helper()
	var ids []string
	refunds, _ := ans["refunds"].(map[string]any)
	list, _ := refunds["refund"].([]any)
	for _, r := range list {
		ids = append(ids, getString(r.(map[string]any), "refund_id"))
	}
	return ids
}

func TestReceiveGet(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]string
		ids     []string
		total   int
		hasNext bool
	}{
		{name: "all, oldest first", ids: []string{"1", "2", "3", "4", "5"}, total: 5},
		{name: "window is inclusive", params: map[string]string{
			"start_modified": topTime(t0.Add(-4 * time.Hour)), "end_modified": topTime(t0.Add(-2 * time.Hour))},
			ids: []string{"2", "3", "4"}, total: 3},
		{name: "open end", params: map[string]string{"start_modified": topTime(t0.Add(-90 * time.Minute))},
			ids: []string{"5"}, total: 1},
		{name: "empty window", params: map[string]string{"start_modified": topTime(t0)}, total: 0},
		{name: "status filter", params: map[string]string{"status": topWaitSellerConfirm}, ids: []string{"5"}, total: 1},
		{name: "first page", params: map[string]string{"page_size": "2"}, ids: []string{"1", "2"}, total: 5, hasNext: true},
		{name: "second page", params: map[string]string{"page_size": "2", "page_no": "2"}, ids: []string{"3", "4"}, total: 5, hasNext: true},
		{name: "last page", params: map[string]string{"page_size": "2", "page_no": "3"}, ids: []string{"5"}, total: 5},
		{name: "past the end", params: map[string]string{"page_size": "2", "page_no": "4"}, total: 5},
		{name: "page_size 100", params: map[string]string{"page_size": "100"}, ids: []string{"1", "2", "3", "4", "5"}, total: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			listCases(e)
			params := map[string]string{"fields": "refund_id,status,modified"}
			for k, v := range tt.params {
				params[k] = v
			}
			ans := e.ok(listMethod, params)
			if ids := refundIDs(t, ans); !slices.Equal(ids, tt.ids) {
				t.Fatalf("ids %v, want %v", ids, tt.ids)
			}
			if len(tt.ids) == 0 {
				if _, ok := ans["refunds"]; ok {
					t.Fatalf("refunds present on an empty page: %v", ans)
				}
			}
			if got := getString(ans, "total_results"); got != fmt.Sprint(tt.total) {
				t.Fatalf("total_results %s, want %d", got, tt.total)
			}
			if got := getBool(ans, "has_next"); got != tt.hasNext {
				t.Fatalf("has_next %v, want %v", got, tt.hasNext)
			}
		})
	}
}

func TestReceiveGetFields(t *testing.T) {
	tests := []struct {
		fields string
		want   []string
	}{
		{"refund_id", []string{"refund_id"}},
		{"refund_id, status ,refund_fee", []string{"refund_fee", "refund_id", "status"}},
		// refund_remind_timeout comes with refund.get only; knobs never; unknown names are ignored.
		{"refund_id,refund_remind_timeout,sandbox_confirm_window,no_such_field", []string{"refund_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.fields, func(t *testing.T) {
			e := newEnv(t)
			listCases(e)
			ans := e.ok(listMethod, map[string]string{"fields": tt.fields, "page_size": "1"})
			r := ans["refunds"].(map[string]any)["refund"].([]any)[0].(map[string]any)
			var keys []string
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !slices.Equal(keys, tt.want) {
				t.Fatalf("keys %v, want %v", keys, tt.want)
			}
		})
	}
}

func TestRefundGet(t *testing.T) {
	e := newEnv(t)
	const bigID = "2026112300000000001" // beyond 2^53
	e.put(testShop, refundCase(bigID, nil))
	tests := []struct {
		name   string
		params map[string]string
		code   int
		sub    string
		keys   []string
	}{
		{name: "fields honoured", params: map[string]string{"refund_id": bigID, "fields": "refund_id,status,refund_remind_timeout"},
			keys: []string{"refund_id", "refund_remind_timeout", "status"}},
		{name: "unknown refund", params: map[string]string{"refund_id": "42", "fields": "refund_id"}, code: 15, sub: "isv.refund-not-exist"},
		{name: "missing refund_id", params: map[string]string{"fields": "refund_id"}, code: 40},
		{name: "bad refund_id", params: map[string]string{"refund_id": "12a", "fields": "refund_id"}, code: 41},
		{name: "missing fields", params: map[string]string{"refund_id": bigID}, code: 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans := e.call("taobao.refund.get", tt.params)
			code, sub := errCode(ans)
			if code != tt.code || (tt.sub != "" && sub != tt.sub) {
				t.Fatalf("error %d %q, want %d %q: %v", code, sub, tt.code, tt.sub, ans)
			}
			if code != 0 {
				return
			}
			r := ans["refund_get_response"].(map[string]any)["refund"].(map[string]any)
			var keys []string
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !slices.Equal(keys, tt.keys) {
				t.Fatalf("keys %v, want %v", keys, tt.keys)
			}
			if getString(r, "refund_id") != bigID {
				t.Fatalf("refund_id %s, want %s exactly", getString(r, "refund_id"), bigID)
			}
			if timeout(r) != topTime(t0.Add(48*time.Hour)) {
				t.Fatalf("refund_remind_timeout %v", r["refund_remind_timeout"])
			}
		})
	}
}

// actOutcome returns "" when a mutating call succeeded, else its error:
// the sub_code of an error_response (or its code), or the sub_code that
// starts the message of an agree result.
func actOutcome(t *testing.T, e *env, method string, params map[string]string) string {
	t.Helper()
	ans := e.call(method, params)
	if code, sub := errCode(ans); code != 0 {
		if sub != "" && code == 15 {
			return sub
		}
		return fmt.Sprint(code)
	}
	inner := ans[topRoot(method)].(map[string]any)
	if method != "taobao.rp.refunds.agree" {
		if !getBool(inner, "is_success") {
			t.Fatalf("is_success false: %v", inner)
		}
		return ""
	}
	res := inner["results"].(map[string]any)["refund_mapping_result"].([]any)[0].(map[string]any)
	if getBool(res, "succ") {
		return ""
	}
	sub, _, _ := strings.Cut(getString(res, "message"), ":")
	return sub
}

func TestStatusMoves(t *testing.T) {
	const id, version = "2026112300000000009", "1700000000000"
	agree := func(fen, ver string) map[string]string {
		return map[string]string{"refund_infos": id + "|" + fen + "|" + ver + "|onsale"}
	}
	refuse := func(msg, ver string) map[string]string {
		return map[string]string{"refund_id": id, "refuse_message": msg, "refund_version": ver, "refund_phase": "onsale"}
	}
	returnGoods := map[string]string{"refund_id": id, "refund_version": version, "refund_phase": "onsale", "remark": "请寄回"}
	withReturn := map[string]any{"has_good_return": true, "good_status": "BUYER_RECEIVED"}
	confirming := map[string]any{"has_good_return": true, "status": topWaitSellerConfirm, "good_status": "BUYER_RETURNED_GOODS"}

	tests := []struct {
		name   string
		c      map[string]any
		method string
		params map[string]string
		err    string
		status string // after the call
	}{
		{"agree refund only", nil, "taobao.rp.refunds.agree", agree("10000", version), "", topSuccess},
		{"agree after goods returned", confirming, "taobao.rp.refunds.agree", agree("10000", version), "", topSuccess},
		{"agree return before goods are back", withReturn, "taobao.rp.refunds.agree", agree("10000", version),
			"isv.refund-status-not-support", topWaitSellerAgree},
		{"agree wrong amount", nil, "taobao.rp.refunds.agree", agree("9999", version), "isv.refund-fee-mismatch", topWaitSellerAgree},
		{"agree stale version", nil, "taobao.rp.refunds.agree", agree("10000", "1699999999999"),
			"isv.refund-version-mismatch", topWaitSellerAgree},
		{"agree succeeded refund", map[string]any{"status": topSuccess}, "taobao.rp.refunds.agree", agree("10000", version),
			"isv.refund-status-not-support", topSuccess},
		{"agree on web only", map[string]any{"operation_contraint": "refund_onweb"}, "taobao.rp.refunds.agree",
			agree("10000", version), "isv.refund-onweb", topWaitSellerAgree},
		{"agree unknown refund", nil, "taobao.rp.refunds.agree",
			map[string]string{"refund_infos": "77|10000|" + version + "|onsale"}, "isv.refund-not-exist", topWaitSellerAgree},
		{"agree malformed refund_infos", nil, "taobao.rp.refunds.agree", map[string]string{"refund_infos": id + "|10000"},
			"41", topWaitSellerAgree},
		{"agree missing refund_infos", nil, "taobao.rp.refunds.agree", map[string]string{}, "40", topWaitSellerAgree},

		{"agree return", withReturn, "taobao.rp.returngoods.agree", returnGoods, "", topWaitBuyerReturn},
		{"agree return of a refund only", nil, "taobao.rp.returngoods.agree", returnGoods,
			"isv.refund-status-not-support", topWaitSellerAgree},
		{"agree return with wrong phase", withReturn, "taobao.rp.returngoods.agree",
			map[string]string{"refund_id": id, "refund_phase": "aftersale"}, "isv.refund-phase-mismatch", topWaitSellerAgree},

		{"refuse waiting seller", nil, "taobao.refund.refuse", refuse("商品已发出", version), "", topSellerRefused},
		{"refuse after goods returned", confirming, "taobao.refund.refuse", refuse("退回商品有损坏", version), "", topSellerRefused},
		{"refuse stale version", nil, "taobao.refund.refuse", refuse("商品已发出", "1"), "isv.refund-version-mismatch", topWaitSellerAgree},
		{"refuse message too short", nil, "taobao.refund.refuse", refuse("不", version), "41", topWaitSellerAgree},
		{"refuse message too long", nil, "taobao.refund.refuse", refuse(strings.Repeat("长", 201), version), "41", topWaitSellerAgree},
		{"refuse message 200 chars", nil, "taobao.refund.refuse", refuse(strings.Repeat("长", 200), version), "", topSellerRefused},
		{"refuse without message", nil, "taobao.refund.refuse", map[string]string{"refund_id": id}, "40", topWaitSellerAgree},
		{"refuse while buyer returns", map[string]any{"status": topWaitBuyerReturn, "has_good_return": true, knobBuyerShips: false},
			"taobao.refund.refuse", refuse("商品已发出", version), "isv.refund-status-not-support", topWaitBuyerReturn},
		{"refuse cannot_refuse", map[string]any{"operation_contraint": "cannot_refuse"}, "taobao.refund.refuse",
			refuse("商品已发出", version), "isv.refund-cannot-refuse", topWaitSellerAgree},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.put(testShop, refundCase(id, tt.c))
			before := e.stored(id)
			e.clock.Add(time.Minute)
			if got := actOutcome(t, e, tt.method, tt.params); got != tt.err {
				t.Fatalf("outcome %q, want %q", got, tt.err)
			}
			after := e.stored(id)
			if got := getString(after, "status"); got != tt.status {
				t.Fatalf("status %s, want %s", got, tt.status)
			}
			moved := getString(after, "status") != getString(before, "status")
			if changed := getString(after, "refund_version") != getString(before, "refund_version"); changed != moved {
				t.Fatalf("refund_version changed %v, status moved %v", changed, moved)
			}
			if moved && getString(after, "modified") != topTime(t0.Add(time.Minute)) {
				t.Fatalf("modified %s, want the time of the move", getString(after, "modified"))
			}
			if moved && getString(after, "refund_version") <= getString(before, "refund_version") {
				t.Fatalf("refund_version went from %s to %s", getString(before, "refund_version"), getString(after, "refund_version"))
			}
			if acts := e.sb.Actions(); len(acts) != 1 || acts[0].Action != tt.method || acts[0].OK != (tt.err == "") {
				t.Fatalf("actions %+v", acts)
			}
		})
	}
}

func TestRefuseAnswer(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("7", nil))
	ans := e.ok("taobao.refund.refuse", map[string]string{"refund_id": "7", "refuse_message": "商品已发出"})
	r := ans["refund"].(map[string]any)
	if getString(r, "refund_id") != "7" || getString(r, "status") != topSellerRefused || getString(r, "modified") != topTime(t0) {
		t.Fatalf("refund %v", r)
	}
}

func TestAgreeBatch(t *testing.T) {
	tests := []struct {
		name    string
		fees    []string // refund_fee of cases 1, 2, ...
		stale   int      // 1-based case whose version the call gets wrong
		code    string   // SMS code param
		msgCode string
		msg     string
		succ    []bool
	}{
		{name: "all agreed", fees: []string{"10.00", "20.50"}, msgCode: "OP_SUCC", succ: []bool{true, true}},
		{name: "one stale", fees: []string{"10.00", "20.50"}, stale: 2, msgCode: "SOME_OP_SUCC", succ: []bool{true, false}},
		{name: "none agreed", fees: []string{"10.00"}, stale: 1, msgCode: "OP_FAILURE_UE", succ: []bool{false}},
		{name: "exactly 6000 needs no code", fees: []string{"5000.00", "1000.00"}, msgCode: "OP_SUCC", succ: []bool{true, true}},
		{name: "above 6000 needs a code", fees: []string{"5000.00", "1000.01"}, msgCode: "OP_FAILURE_UE",
			msg: msgNeedSMS, succ: []bool{false, false}},
		{name: "above 6000 with a code", fees: []string{"8999.00"}, code: "123456", msgCode: "OP_SUCC", succ: []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var parts []string
			for i, fee := range tt.fees {
				id := fmt.Sprint(i + 1)
				e.put(testShop, refundCase(id, map[string]any{"refund_fee": fee}))
				fen, _ := parseFen(fee)
				version := getString(e.stored(id), "refund_version")
				if tt.stale == i+1 {
					version = "1"
				}
				parts = append(parts, fmt.Sprintf("%s|%d|%s|onsale", id, fen, version))
			}
			params := map[string]string{"refund_infos": infos(parts...)}
			if tt.code != "" {
				params["code"] = tt.code
			}
			ans := e.ok("taobao.rp.refunds.agree", params)
			if getString(ans, "msg_code") != tt.msgCode {
				t.Fatalf("msg_code %s, want %s: %v", getString(ans, "msg_code"), tt.msgCode, ans)
			}
			if tt.msg != "" && getString(ans, "msg") != tt.msg {
				t.Fatalf("msg %q, want %q", getString(ans, "msg"), tt.msg)
			}
			results := ans["results"].(map[string]any)["refund_mapping_result"].([]any)
			acts := e.sb.Actions()
			if len(results) != len(tt.succ) || len(acts) != len(tt.succ) {
				t.Fatalf("%d results, %d actions, want %d", len(results), len(acts), len(tt.succ))
			}
			for i, want := range tt.succ {
				res := results[i].(map[string]any)
				id := fmt.Sprint(i + 1)
				if getString(res, "refund_id") != id || getBool(res, "succ") != want {
					t.Fatalf("result %d: %v", i, res)
				}
				wantStatus := topWaitSellerAgree
				if want {
					wantStatus = topSuccess
				}
				if got := getString(e.stored(id), "status"); got != wantStatus {
					t.Fatalf("case %s status %s, want %s", id, got, wantStatus)
				}
				if acts[i].CaseID != id || acts[i].OK != want {
					t.Fatalf("action %d: %+v", i, acts[i])
				}
				if tt.code != "" && acts[i].Params["code"] != "***" {
					t.Fatalf("SMS code logged as %q", acts[i].Params["code"])
				}
			}
		})
	}
}

func TestAgreeCapsRefundsPerCall(t *testing.T) {
	e := newEnv(t)
	var parts []string
	for i := 1; i <= 21; i++ {
		parts = append(parts, fmt.Sprintf("%d|100|1|onsale", i))
	}
	ans := e.call("taobao.rp.refunds.agree", map[string]string{"refund_infos": infos(parts...)})
	if code, _ := errCode(ans); code != 41 {
		t.Fatalf("21 refunds in one call: %v", ans)
	}
}

func TestParseFen(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"200.07", 20007, true}, {"9.9", 990, true}, {"100", 10000, true}, {"0.01", 1, true},
		{"", 0, false}, {"1.234", 0, false}, {"-1.00", 0, false}, {"1.", 0, false}, {"abc", 0, false},
	}
	for _, tt := range tests {
		got, err := parseFen(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseFen(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
