package taobao

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// exchangeRaw is exchangeJSON as TOP sends it.
func exchangeRaw(t *testing.T, over map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(exchangeJSON(t, over))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestListWithExchanges(t *testing.T) {
	c, f := newTestClient(t, "", func(method string, n int, form url.Values) (int, string) {
		want(t, "page_no", form.Get("page_no"), fmt.Sprint(n))
		switch method {
		case methodList:
			if n == 1 {
				return 200, fmt.Sprintf(`{"refunds_receive_get_response":{"refunds":{"refund":[%s]},"has_next":false}}`,
					refundRaw(t, map[string]any{"refund_remind_timeout": nil}))
			}
			return 200, `{"refunds_receive_get_response":{"has_next":false}}`
		case methodExchangeList:
			for k, v := range map[string]string{
				"fields": exchangeFields, "page_size": "100",
				"start_gmt_modified_time": "2026-11-23 08:00:00",
				"end_gmt_modifed_time":    "2026-11-23 10:00:00", // sic
			} {
				want(t, k, form.Get(k), v)
			}
			if n == 1 {
				return 200, fmt.Sprintf(`{"tmall_exchange_receive_get_response":{"results":{"exchange":[%s]},"page_results":1,"total_results":2,"has_next":true}}`,
					exchangeRaw(t, nil))
			}
			return 200, fmt.Sprintf(`{"tmall_exchange_receive_get_response":{"results":{"exchange":[%s]},"page_results":1,"total_results":2,"has_next":false}}`,
				exchangeRaw(t, map[string]any{"dispute_id": "7", "status": "3"}))
		}
		t.Errorf("method %s", method)
		return 500, ""
	})
	c.cfg.Exchanges = true

	q := platforms.ListQuery{ModifiedFrom: testNow.Add(-2 * time.Hour), ModifiedTo: testNow}
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
	want(t, "ids", ids, []string{"201234567890123456", "exchange-2026112300000000901", "exchange-7"})
	want(t, "refund calls", f.count(methodList), 2)
	want(t, "exchange calls", f.count(methodExchangeList), 2)
}

func TestListExchangeErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		kind platforms.ErrorKind
	}{
		{"in-body error_codes", `{"tmall_exchange_receive_get_response":{"has_next":false,"error_codes":"ERROR","error_msg":"NULL"}}`, platforms.ErrMalformed},
		{"bad exchange", `{"tmall_exchange_receive_get_response":{"results":{"exchange":[{"dispute_id":"x"}]}}}`, platforms.ErrMalformed},
		{"no permission", `{"error_response":{"code":11,"msg":"Insufficient isv permissions"}}`, platforms.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, "", func(method string, _ int, _ url.Values) (int, string) {
				if method == methodList {
					return 200, `{"refunds_receive_get_response":{"has_next":false}}`
				}
				return 200, tt.body
			})
			c.cfg.Exchanges = true
			_, err := c.List(context.Background(), platforms.ListQuery{})
			want(t, "kind", platforms.KindOf(err), tt.kind)
		})
	}
}

func TestGetExchange(t *testing.T) {
	c, _ := newTestClient(t, "", func(method string, _ int, form url.Values) (int, string) {
		want(t, "method", method, methodExchangeGet)
		want(t, "dispute_id", form.Get("dispute_id"), "2026112300000000901")
		want(t, "fields", form.Get("fields"), exchangeFields)
		return 200, fmt.Sprintf(`{"tmall_exchange_get_response":{"result":{"success":true,"exchange":%s}}}`, exchangeRaw(t, map[string]any{"status": "3"}))
	})
	cs, err := c.Get(context.Background(), "exchange-2026112300000000901")
	if err != nil {
		t.Fatal(err)
	}
	want(t, "id", cs.ID, "exchange-2026112300000000901")
	want(t, "status", cs.Status, platforms.StatusAwaitingSellerReceipt)
	want(t, "allowed", cs.Allowed, []platforms.Action{platforms.ActionConfirmReceipt})
}

func TestGetExchangeErrors(t *testing.T) {
	tests := []struct {
		name  string
		id    string
		body  string
		kind  platforms.ErrorKind
		calls int
	}{
		{"not found", "exchange-1", `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.exchange-not-exist"}}`, platforms.ErrNotFound, 1},
		{"business failure", "exchange-1", `{"tmall_exchange_get_response":{"result":{"success":false,"msg_code":"E1","message":"no"}}}`, platforms.ErrRefused, 1},
		{"no result", "exchange-1", `{"tmall_exchange_get_response":{}}`, platforms.ErrMalformed, 1},
		{"no exchange", "exchange-1", `{"tmall_exchange_get_response":{"result":{"success":true}}}`, platforms.ErrMalformed, 1},
		{"other exchange", "exchange-1", `{"tmall_exchange_get_response":{"result":{"success":true,"exchange":{"dispute_id":"2"}}}}`, platforms.ErrMalformed, 1},
		{"bad id", "exchange-1a", ``, platforms.ErrInvalid, 0},
		{"empty id", "exchange-", ``, platforms.ErrInvalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, "", func(string, int, url.Values) (int, string) { return 200, tt.body })
			_, err := c.Get(context.Background(), tt.id)
			want(t, "kind", platforms.KindOf(err), tt.kind)
			want(t, "calls", f.count(methodExchangeGet), tt.calls)
		})
	}
}

func TestActExchange(t *testing.T) {
	ok := func(root, status string) string {
		return fmt.Sprintf(`{"%s":{"result":{"success":true,"msg_code":"","message":"ok","exchange":{"dispute_id":"2026112300000000901","status":%q,"modified":"2026-11-23 10:00:01"}}}}`, root, status)
	}
	const (
		failed  = `{"tmall_exchange_agree_response":{"result":{"success":false,"msg_code":"isv.exchange-status-not-support","message":"状态不允许"}}}`
		reasons = `{"tmall_exchange_refusereason_get_response":{"result":{"results":{"reason":[{"reason_id":11,"reason_text":"商品已影响二次销售"},{"reason_id":12,"reason_text":"换货商品缺货"}]},"total_results":2}}}`
	)
	waybill := map[string]string{"logistics_no": "SF1234567890", "logistics_type": "200", "logistics_company_name": "顺丰速运"}

	tests := []struct {
		name    string
		status  string
		over    map[string]any
		req     platforms.ActRequest
		methods map[string]int    // calls expected per method
		params  map[string]string // params expected on the mutating call
		answers map[string]string // by method
		kind    platforms.ErrorKind
		msg     string // in the error
		after   platforms.Status
	}{
		{
			name: "agree with address", status: "1",
			req:     platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"address_id": "10001", "message": "请按地址寄回"}},
			methods: map[string]int{methodExchangeAgree: 1},
			params:  map[string]string{"dispute_id": "2026112300000000901", "address_id": "10001", "leave_message": "请按地址寄回", "fields": exchangeActFields},
			answers: map[string]string{methodExchangeAgree: ok("tmall_exchange_agree_response", "2")},
			after:   platforms.StatusAwaitingBuyerReturn,
		},
		{
			name: "agree without address", status: "1", req: platforms.ActRequest{Action: platforms.ActionAgree},
			kind: platforms.ErrInvalid, msg: "params.address_id",
		},
		{
			name: "agree with a bad address", status: "1",
			req:  platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"address_id": "warehouse"}},
			kind: platforms.ErrInvalid,
		},
		{
			name: "agree refused in result", status: "1",
			req:     platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"address_id": "10001"}},
			methods: map[string]int{methodExchangeAgree: 1},
			answers: map[string]string{methodExchangeAgree: failed},
			kind:    platforms.ErrRefused, msg: "状态不允许",
		},
		{
			name: "agree answer without result", status: "1",
			req:     platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"address_id": "10001"}},
			methods: map[string]int{methodExchangeAgree: 1},
			answers: map[string]string{methodExchangeAgree: `{"tmall_exchange_agree_response":{}}`},
			kind:    platforms.ErrMalformed, msg: "outcome unknown",
		},
		{
			name: "mutation is not retried after a 500", status: "1",
			req:     platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"address_id": "10001"}},
			methods: map[string]int{methodExchangeAgree: 1},
			answers: map[string]string{methodExchangeAgree: "500"},
			kind:    platforms.ErrTransient, msg: "outcome unknown",
		},
		{
			name: "refuse with reason", status: "1",
			req:     platforms.ActRequest{Action: platforms.ActionRefuse, Params: map[string]string{"reason_id": "12"}},
			methods: map[string]int{methodExchangeRefuse: 1},
			params:  map[string]string{"dispute_id": "2026112300000000901", "seller_refuse_reason_id": "12", "leave_message": ""},
			answers: map[string]string{methodExchangeRefuse: ok("tmall_exchange_refuse_response", "6")},
			after:   platforms.StatusAwaitingBuyer,
		},
		{
			name: "refuse without reason lists the reasons, refuses nothing", status: "1",
			req:     platforms.ActRequest{Action: platforms.ActionRefuse},
			methods: map[string]int{methodExchangeReasons: 1},
			answers: map[string]string{methodExchangeReasons: reasons},
			kind:    platforms.ErrInvalid, msg: "11 商品已影响二次销售; 12 换货商品缺货",
		},
		{
			name: "refuse without reason, reasons unavailable", status: "1",
			req:     platforms.ActRequest{Action: platforms.ActionRefuse},
			methods: map[string]int{methodExchangeReasons: 1},
			answers: map[string]string{methodExchangeReasons: `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.invalid-parameter"}}`},
			kind:    platforms.ErrInvalid, msg: "could not be fetched",
		},
		{
			name: "refuse forbidden", status: "1", over: map[string]any{"operation_contraint": "cannot_refuse"},
			req:  platforms.ActRequest{Action: platforms.ActionRefuse, Params: map[string]string{"reason_id": "12"}},
			kind: platforms.ErrInvalid,
		},
		{
			name: "confirm receipt", status: "3",
			req:     platforms.ActRequest{Action: platforms.ActionConfirmReceipt},
			methods: map[string]int{methodExchangeReturnAgree: 1},
			params:  map[string]string{"dispute_id": "2026112300000000901", "fields": exchangeActFields},
			answers: map[string]string{methodExchangeReturnAgree: ok("tmall_exchange_returngoods_agree_response", "12")},
			after:   platforms.StatusAwaitingSellerResend,
		},
		{
			name: "confirm receipt of an exchange awaiting agreement", status: "1",
			req:  platforms.ActRequest{Action: platforms.ActionConfirmReceipt},
			kind: platforms.ErrInvalid,
		},
		{
			name: "resend", status: "12",
			req:     platforms.ActRequest{Action: platforms.ActionResend, Params: waybill},
			methods: map[string]int{methodExchangeConsignGoods: 1},
			params:  map[string]string{"dispute_id": "2026112300000000901", "logistics_no": "SF1234567890", "logistics_type": "200", "logistics_company_name": "顺丰速运"},
			answers: map[string]string{methodExchangeConsignGoods: ok("tmall_exchange_consigngoods_response", "13")},
			after:   platforms.StatusAwaitingBuyerReceipt,
		},
		{
			name: "resend without a waybill", status: "12",
			req:  platforms.ActRequest{Action: platforms.ActionResend, Params: map[string]string{"logistics_type": "200"}},
			kind: platforms.ErrInvalid, msg: "needs params logistics_no, logistics_company_name",
		},
		{
			name: "resend with a bad logistics_type", status: "12",
			req:  platforms.ActRequest{Action: platforms.ActionResend, Params: map[string]string{"logistics_no": "1", "logistics_type": "express", "logistics_company_name": "顺丰"}},
			kind: platforms.ErrInvalid, msg: "logistics_type",
		},
		{
			name: "on web", status: "12", over: map[string]any{"operation_contraint": "refund_onweb"},
			req:  platforms.ActRequest{Action: platforms.ActionResend, Params: waybill},
			kind: platforms.ErrInvalid,
		},
		{
			name: "agree return is not an exchange action", status: "1",
			req:  platforms.ActRequest{Action: platforms.ActionAgreeReturn},
			kind: platforms.ErrUnsupported,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, "", func(method string, _ int, form url.Values) (int, string) {
				if _, ok := tt.methods[method]; !ok {
					t.Errorf("unexpected call %s", method)
				}
				if mutating[method] {
					for k, v := range tt.params {
						want(t, k, form.Get(k), v)
					}
				}
				if a := tt.answers[method]; a == "500" {
					return 500, "boom"
				} else {
					return 200, a
				}
			})
			over := map[string]any{"status": tt.status}
			for k, v := range tt.over {
				over[k] = v
			}
			cs, err := ParseExchange("shop1", exchangeJSON(t, over))
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Act(context.Background(), cs, tt.req)
			want(t, "kind", platforms.KindOf(err), tt.kind)
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
			for _, m := range []string{methodExchangeAgree, methodExchangeRefuse, methodExchangeReasons, methodExchangeReturnAgree, methodExchangeConsignGoods} {
				want(t, m+" calls", f.count(m), tt.methods[m])
			}
			if tt.after != "" {
				if res.Case == nil {
					t.Fatal("no case after the action")
				}
				want(t, "status after", res.Case.Status, tt.after)
				want(t, "deadline after", res.Case.Deadline, time.Time{})
			}
		})
	}
}

func TestActExchangeOfAnotherShop(t *testing.T) {
	c, _ := newTestClient(t, "", nil)
	cs, err := ParseExchange("shop2", exchangeJSON(t, map[string]any{"status": "3"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Act(context.Background(), cs, platforms.ActRequest{Action: platforms.ActionConfirmReceipt})
	want(t, "kind", platforms.KindOf(err), platforms.ErrInvalid)
}

func TestExchangeRootKeys(t *testing.T) {
	for m, w := range map[string]string{
		methodExchangeList:         "tmall_exchange_receive_get_response",
		methodExchangeAgree:        "tmall_exchange_agree_response",
		methodExchangeReasons:      "tmall_exchange_refusereason_get_response",
		methodExchangeReturnAgree:  "tmall_exchange_returngoods_agree_response",
		methodExchangeConsignGoods: "tmall_exchange_consigngoods_response",
	} {
		want(t, m, rootKey(m), w)
	}
}
