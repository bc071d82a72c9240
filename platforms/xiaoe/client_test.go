package xiaoe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

func listReply(rowCount int, items ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"code": 0, "msg": "操作成功", "data": map[string]any{"list": items, "row_count": rowCount}})
	return string(b)
}

func item(id, updated string) map[string]any {
	var m map[string]any
	json.Unmarshal([]byte(base), &m)
	m["aftersale_id"], m["updated_at"] = id, updated
	return m
}

func TestList(t *testing.T) {
	c, f, clock := newFake(t, func(api string, n int, body map[string]any) (int, string) {
		want(t, "api", api, endpointList)
		for k, w := range map[string]string{
			"page_index": fmt.Sprint(n), "page_size": "2", "date_type": "updated_at",
			"created_at": "2026-11-23||2026-11-23", "sales_state": "-1",
		} {
			if got := fmt.Sprint(body[k]); got != w {
				t.Errorf("page %d: %s = %q, want %q", n, k, got, w)
			}
		}
		switch n {
		case 1: // newest first; the first is after the window's end
			return 200, listReply(3, item("A3", "2026-11-23 10:00:00"), item("A2", "2026-11-23 09:59:59"))
		default: // before the window's start (same date)
			return 200, listReply(3, item("A1", "2026-11-23 07:59:59"))
		}
	})
	to := clock.Now() // 10:00:00 in Beijing
	q := platforms.ListQuery{ModifiedFrom: to.Add(-2 * time.Hour), ModifiedTo: to, PageSize: 2}
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
	want(t, "ids", ids, []string{"A2"})
	want(t, "calls", f.count(endpointList), 2)
}

func TestListMalformedItemFailsPage(t *testing.T) {
	c, _, _ := newFake(t, func(string, int, map[string]any) (int, string) {
		bad := item("A1", "2026-11-23 09:00:00")
		bad["apply_refund_money"] = 9.9
		return 200, listReply(1, bad)
	})
	_, err := c.List(context.Background(), platforms.ListQuery{})
	want(t, "kind", platforms.KindOf(err), platforms.ErrMalformed)
}

func TestGet(t *testing.T) {
	c, _, _ := newFake(t, func(api string, _ int, body map[string]any) (int, string) {
		want(t, "api", api, endpointDetail)
		want(t, "body", body, map[string]any{"aftersale_id": "A1"})
		return 200, detailReply("A1", nil)
	})
	cs, err := c.Get(context.Background(), "A1")
	if err != nil {
		t.Fatal(err)
	}
	want(t, "id", cs.ID, "A1")
	want(t, "shop", cs.Shop, "xe-shop")
	want(t, "allowed", cs.Allowed, []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse})
}

func TestGetErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		reply  string
		kind   platforms.ErrorKind
		calls  int // detail calls made, retries included
	}{
		{"not found", 200, `{"code":2404,"msg":"售后单不存在","data":{}}`, platforms.ErrNotFound, 1},
		{"unknown code", 200, `{"code":7777,"msg":"奇怪","data":{}}`, platforms.ErrInvalid, 1},
		{"ip whitelist", 200, `{"code":2051,"msg":"ip not in whitelist","data":{}}`, platforms.ErrAuth, 1},
		{"busy, retried", 200, `{"code":-1,"msg":"系统繁忙","data":{}}`, platforms.ErrTransient, 4},
		{"rate limited, retried", 200, `{"code":2029,"msg":"请求过于频繁","data":{}}`, platforms.ErrRateLimited, 4},
		{"http 500, retried", 500, `oops`, platforms.ErrTransient, 4},
		{"http 429, retried", 429, ``, platforms.ErrRateLimited, 4},
		{"http 404", 404, ``, platforms.ErrInvalid, 1},
		{"not json", 200, `<html>`, platforms.ErrMalformed, 1},
		{"code not a number", 200, `{"code":"x","msg":"","data":{}}`, platforms.ErrMalformed, 1},
		{"no data", 200, `{"code":0,"msg":"ok","data":null}`, platforms.ErrMalformed, 1},
		{"other application", 200, detailReply("A2", nil), platforms.ErrMalformed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f, _ := newFake(t, func(string, int, map[string]any) (int, string) { return tt.status, tt.reply })
			// Rate-limit answers wait a second per retry: keep it short.
			c.http.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return time.Millisecond }
			_, err := c.Get(context.Background(), "A1")
			want(t, "kind", platforms.KindOf(err), tt.kind)
			want(t, "calls", f.count(endpointDetail), tt.calls)
		})
	}
}

func refundCase() platforms.Case {
	return platforms.Case{
		Platform: platforms.Xiaoe, Shop: "xe-shop", ID: "A1", OrderID: "o_1", Kind: platforms.KindRefund,
		Status: platforms.StatusAwaitingSeller, PlatformStatus: "0", Amount: 990, Version: "v1",
		Attrs:   map[string]string{AttrSkuID: "SKU_1"},
		Allowed: []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse},
	}
}

func TestActAgreeIsAMerchantRefund(t *testing.T) {
	c, f, _ := newFake(t, func(api string, n int, body map[string]any) (int, string) {
		want(t, "api", api, endpointRefund)
		if n > 1 {
			return 200, `{"code":0,"msg":"ok","data":{"refund_id":"r_2","refund_type":2,"is_async":1}}`
		}
		want(t, "body", body, map[string]any{
			"order_id": "o_1", "sku_id": "SKU_1", "refund_price": json.Number("990"), "refund_operator": "aftersale",
			"is_purchase_delete_flag": json.Number("1"),
		})
		return 200, `{"code":0,"msg":"ok","data":{"refund_id":"r_1","refund_type":1,"is_async":1}}`
	})
	res, err := c.Act(context.Background(), refundCase(), platforms.ActRequest{
		Action: platforms.ActionAgree, Params: map[string]string{"is_purchase_delete_flag": "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Message, "r_1") {
		t.Errorf("message = %q", res.Message)
	}
	want(t, "refund calls", f.count(endpointRefund), 1)

	// Retried on the same, unmoved application: refused, nothing sent.
	_, err = c.Act(context.Background(), refundCase(), platforms.ActRequest{Action: platforms.ActionAgree})
	want(t, "second agree", platforms.KindOf(err), platforms.ErrRefused)
	want(t, "refund calls", f.count(endpointRefund), 1)

	// Once the application moved, a new version may be refunded.
	moved := refundCase()
	moved.Version = "v2"
	if _, err := c.Act(context.Background(), moved, platforms.ActRequest{Action: platforms.ActionAgree, Amount: 500}); err != nil {
		t.Fatal(err)
	}
	want(t, "refund calls", f.count(endpointRefund), 2)
}

func TestActRefundOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		reply     string
		kind      platforms.ErrorKind
		calls     int
		retryable bool // a later Act of the same version may send again
	}{
		{"refused by Xiaoe", 200, `{"code":2409,"msg":"状态不可退款","data":{}}`, platforms.ErrRefused, 1, true},
		{"rate limited is retried", 200, `{"code":2029,"msg":"请求过于频繁","data":{}}`, platforms.ErrRateLimited, 4, true},
		{"http 500 is not retried", 500, ``, platforms.ErrTransient, 1, false},
		{"busy is not retried", 200, `{"code":-1,"msg":"系统繁忙","data":{}}`, platforms.ErrTransient, 1, false},
		{"unreadable answer", 200, `{"code":0,"msg":"ok","da`, platforms.ErrMalformed, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f, _ := newFake(t, func(string, int, map[string]any) (int, string) { return tt.status, tt.reply })
			c.http.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return time.Millisecond }
			_, err := c.Act(context.Background(), refundCase(), platforms.ActRequest{Action: platforms.ActionAgree})
			want(t, "kind", platforms.KindOf(err), tt.kind)
			want(t, "calls", f.count(endpointRefund), tt.calls)

			_, err = c.Act(context.Background(), refundCase(), platforms.ActRequest{Action: platforms.ActionAgree})
			if tt.retryable {
				want(t, "calls after another Act", f.count(endpointRefund), 2*tt.calls)
			} else {
				want(t, "another Act", platforms.KindOf(err), platforms.ErrRefused)
				want(t, "calls after another Act", f.count(endpointRefund), tt.calls)
			}
		})
	}
}

func TestActUnsupported(t *testing.T) {
	c, f, _ := newFake(t, func(string, int, map[string]any) (int, string) {
		t.Error("nothing may be sent")
		return 500, ""
	})
	ret := refundCase()
	ret.Kind = platforms.KindReturn
	ret.Allowed = []platforms.Action{platforms.ActionAgreeReturn, platforms.ActionRefuse}
	tests := []struct {
		name   string
		cs     platforms.Case
		action platforms.Action
		note   string
	}{
		{"refuse", refundCase(), platforms.ActionRefuse, "no endpoint to refuse an after-sale request; handle it in the Xiaoe admin"},
		{"agree_return", ret, platforms.ActionAgreeReturn, "no endpoint to agree a return"},
		{"confirm_receipt", ret, platforms.ActionConfirmReceipt, "confirm receipt"},
		{"resend", ret, platforms.ActionResend, "replacement"},
		{"agree on a return", ret, platforms.ActionAgree, "cannot accept a return"},
		{"cancel", refundCase(), platforms.ActionCancel, "not an action a Xiaoe merchant takes"},
	}
	for _, tt := range tests {
		_, err := c.Act(context.Background(), tt.cs, platforms.ActRequest{Action: tt.action})
		var pe *platforms.Error
		if !errors.As(err, &pe) || pe.Kind != platforms.ErrUnsupported || !strings.Contains(pe.Message, tt.note) {
			t.Errorf("%s: err = %v, want unsupported %q", tt.name, err, tt.note)
		}
	}
	want(t, "token fetches", f.fetchCount(), 0)
}

func TestActInvalid(t *testing.T) {
	c, _, _ := newFake(t, func(string, int, map[string]any) (int, string) {
		t.Error("nothing may be sent")
		return 500, ""
	})
	other := refundCase()
	other.Shop = "elsewhere"
	notAllowed := refundCase()
	notAllowed.Allowed = []platforms.Action{platforms.ActionRefuse}
	tests := []struct {
		name string
		cs   platforms.Case
		req  platforms.ActRequest
	}{
		{"other shop", other, platforms.ActRequest{Action: platforms.ActionAgree}},
		{"not allowed now", notAllowed, platforms.ActRequest{Action: platforms.ActionAgree}},
		{"more than asked", refundCase(), platforms.ActRequest{Action: platforms.ActionAgree, Amount: 991}},
		{"negative", refundCase(), platforms.ActRequest{Action: platforms.ActionAgree, Amount: -1}},
		{"bad flag", refundCase(), platforms.ActRequest{Action: platforms.ActionAgree, Params: map[string]string{"is_purchase_delete_flag": "yes"}}},
	}
	for _, tt := range tests {
		_, err := c.Act(context.Background(), tt.cs, tt.req)
		if platforms.KindOf(err) != platforms.ErrInvalid {
			t.Errorf("%s: err = %v, want invalid", tt.name, err)
		}
	}
}
