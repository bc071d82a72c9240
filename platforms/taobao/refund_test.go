package taobao

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// sampleRefund is a refund.get answer's REFUND object; tests override fields.
const sampleRefund = `{
	"refund_id": 201234567890123456, "tid": 301234567890123456, "oid": 301234567890123457,
	"status": "WAIT_SELLER_AGREE", "good_status": "BUYER_RECEIVED", "has_good_return": false,
	"order_status": "WAIT_BUYER_CONFIRM_GOODS", "refund_fee": "200.07", "total_fee": "300.00",
	"reason": "不想要了", "desc": "call me at 13800000000", "title": "Wool scarf", "num": 2, "sku": "color:red",
	"created": "2026-11-20 09:00:00", "modified": "2026-11-21 10:30:00",
	"refund_phase": "onsale", "refund_version": 1763692200000, "cs_status": 1,
	"operation_contraint": "", "dispute_type": "REFUND", "buyer_nick": "alice",
	"refund_remind_timeout": {"exist_timeout": true, "remind_type": 1, "timeout": "2026-11-23 18:00:00"}
}`

// refundRaw returns sampleRefund with fields replaced (nil deletes).
func refundRaw(t *testing.T, over map[string]any) []byte {
	t.Helper()
	var m map[string]any
	if err := decode([]byte(sampleRefund), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// refundJSON decodes refundRaw as the client does.
func refundJSON(t *testing.T, over map[string]any) Refund {
	t.Helper()
	var r Refund
	if err := decode(refundRaw(t, over), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseRefund(t *testing.T) {
	c, err := ParseRefund("shop1", refundJSON(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := platforms.Case{
		Platform: platforms.Taobao, Shop: "shop1",
		ID: "201234567890123456", OrderID: "301234567890123456", // above 2^53, exact
		Kind: platforms.KindRefund, Role: platforms.RoleSeller,
		Status: platforms.StatusAwaitingSeller, PlatformStatus: "WAIT_SELLER_AGREE",
		Amount: 20007, Currency: "CNY", Reason: "不想要了",
		GoodsStatus:   platforms.GoodsReceived,
		Deadline:      time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		DeadlineOwner: platforms.RoleSeller,
		Version:       "1763692200000",
		Modified:      time.Date(2026, 11, 21, 2, 30, 0, 0, time.UTC),
		Attrs:         map[string]string{"refund_phase": "onsale"},
		Items:         []platforms.Item{{SKU: "color:red", Title: "Wool scarf", Quantity: 2}},
		Allowed:       []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse},
	}
	got, _ := json.Marshal(c)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("ParseRefund =\n%s\nwant\n%s", got, exp)
	}
	if !c.Deadline.Equal(want.Deadline) || !c.Modified.Equal(want.Modified) {
		t.Errorf("times = %v, %v", c.Deadline, c.Modified)
	}
	// Personal data never reaches the case.
	if strings.Contains(string(got), "alice") || strings.Contains(string(got), "13800000000") {
		t.Errorf("case carries personal data: %s", got)
	}
}

func TestParseRefundFields(t *testing.T) {
	tests := []struct {
		name  string
		over  map[string]any
		check func(t *testing.T, c platforms.Case)
	}{
		{"return", map[string]any{"has_good_return": true, "dispute_type": "REFUND_AND_RETURN"}, func(t *testing.T, c platforms.Case) {
			want(t, "kind", c.Kind, platforms.KindReturn)
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgreeReturn, platforms.ActionRefuse})
		}},
		{"tmall exchange", map[string]any{"has_good_return": true, "dispute_type": "TMALL_EXCHANGE"}, func(t *testing.T, c platforms.Case) {
			want(t, "kind", c.Kind, platforms.KindExchange)
			want(t, "allowed", c.Allowed, []platforms.Action(nil))
		}},
		{"taobao exchange", map[string]any{"dispute_type": "TAOBAO_EXCHANGE"}, func(t *testing.T, c platforms.Case) {
			want(t, "kind", c.Kind, platforms.KindExchange)
		}},
		{"unshipped", map[string]any{"order_status": "WAIT_SELLER_SEND_GOODS", "good_status": "BUYER_NOT_RECEIVED"}, func(t *testing.T, c platforms.Case) {
			want(t, "goods", c.GoodsStatus, platforms.GoodsNotShipped)
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgree})
		}},
		{"shipped", map[string]any{"good_status": "BUYER_NOT_RECEIVED"}, func(t *testing.T, c platforms.Case) {
			want(t, "goods", c.GoodsStatus, platforms.GoodsShipped)
		}},
		{"returned", map[string]any{"good_status": "BUYER_RETURNED_GOODS"}, func(t *testing.T, c platforms.Case) {
			want(t, "goods", c.GoodsStatus, platforms.GoodsReturned)
		}},
		{"goods unknown", map[string]any{"good_status": nil}, func(t *testing.T, c platforms.Case) {
			want(t, "goods", c.GoodsStatus, platforms.GoodsUnknown)
		}},
		{"buyer deadline", map[string]any{"status": "WAIT_BUYER_RETURN_GOODS", "has_good_return": true}, func(t *testing.T, c platforms.Case) {
			want(t, "status", c.Status, platforms.StatusAwaitingBuyerReturn)
			want(t, "owner", c.DeadlineOwner, platforms.RoleBuyer)
			want(t, "allowed", c.Allowed, []platforms.Action(nil))
		}},
		{"receipt deadline", map[string]any{"status": "WAIT_SELLER_CONFIRM_GOODS", "has_good_return": true}, func(t *testing.T, c platforms.Case) {
			want(t, "owner", c.DeadlineOwner, platforms.RoleSeller)
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgree, platforms.ActionConfirmReceipt, platforms.ActionRefuse})
		}},
		{"no timeout", map[string]any{"refund_remind_timeout": map[string]any{"exist_timeout": false}}, func(t *testing.T, c platforms.Case) {
			want(t, "deadline", c.Deadline.IsZero(), true)
			want(t, "owner", c.DeadlineOwner, platforms.Role(""))
		}},
		{"timeout announced but empty", map[string]any{"refund_remind_timeout": map[string]any{"exist_timeout": true, "timeout": ""}}, func(t *testing.T, c platforms.Case) {
			want(t, "deadline", c.Deadline.IsZero(), true)
			want(t, "owner", c.DeadlineOwner, platforms.Role(""))
			want(t, "flags", c.Flags, []string{platforms.FlagDeadlineUnparsed})
		}},
		{"list has no timeout", map[string]any{"refund_remind_timeout": nil, "cs_status": nil}, func(t *testing.T, c platforms.Case) {
			want(t, "deadline", c.Deadline.IsZero(), true)
			want(t, "flags", c.Flags, []string(nil))
		}},
		{"cs involved", map[string]any{"cs_status": 2}, func(t *testing.T, c platforms.Case) {
			want(t, "flags", c.Flags, []string{platforms.FlagCSInvolved})
		}},
		{"on web", map[string]any{"operation_contraint": "refund_onweb"}, func(t *testing.T, c platforms.Case) {
			want(t, "flags", c.Flags, []string{platforms.FlagMustHandleOnWeb})
			want(t, "allowed", c.Allowed, []platforms.Action(nil))
		}},
		{"cannot refuse", map[string]any{"operation_contraint": "cannot_refuse"}, func(t *testing.T, c platforms.Case) {
			want(t, "flags", c.Flags, []string{platforms.FlagCannotRefuse})
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgree})
		}},
		{"unknown status", map[string]any{"status": "NEW_STATUS"}, func(t *testing.T, c platforms.Case) {
			want(t, "status", c.Status, platforms.StatusUnknown)
			want(t, "raw", c.PlatformStatus, "NEW_STATUS")
			want(t, "allowed", c.Allowed, []platforms.Action(nil))
		}},
		{"no item", map[string]any{"title": nil, "sku": nil, "num": nil}, func(t *testing.T, c platforms.Case) {
			want(t, "items", len(c.Items), 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseRefund("shop1", refundJSON(t, tt.over))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseRefundMalformed(t *testing.T) {
	tests := []struct {
		name string
		over map[string]any
	}{
		{"no id", map[string]any{"refund_id": nil}},
		{"bad amount", map[string]any{"refund_fee": "abc"}},
		{"negative amount", map[string]any{"refund_fee": "-1.00"}},
		{"missing amount", map[string]any{"refund_fee": nil}},
		{"bad version", map[string]any{"refund_version": 1.5}},
		{"bad modified", map[string]any{"modified": "21/11/2026"}},
		{"bad deadline", map[string]any{"refund_remind_timeout": map[string]any{"exist_timeout": true, "timeout": "soon"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRefund("shop1", refundJSON(t, tt.over))
			if platforms.KindOf(err) != platforms.ErrMalformed {
				t.Errorf("err = %v, want malformed", err)
			}
		})
	}
}

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0.01", 1, true},
		{"200.07", 20007, true},
		{"6000", 600000, true},
		{"6000.00", 600000, true},
		{"1.5", 150, true},
		{"0", 0, true},
		{"0.10", 10, true},
		{"1.500", 150, true},
		{"999999999999999.99", 99999999999999999, true},
		{"abc", 0, false},
		{"-1.00", 0, false},
		{"+1.00", 0, false},
		{"", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{"1.005", 0, false},
		{"1e3", 0, false},
		{"1,000.00", 0, false},
		{" 1.00", 0, false},
		{"1000000000000000", 0, false}, // would overflow fen
	}
	for _, tt := range tests {
		got, err := ParseYuan(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// want fails t when got differs from w.
func want[T any](t *testing.T, what string, got, w T) {
	t.Helper()
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(w)
	if string(g) != string(e) {
		t.Errorf("%s = %s, want %s", what, g, e)
	}
}
