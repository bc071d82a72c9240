package xiaoe

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// seedAnswer extracts the response sample (返回示例) from the vendor page,
// kept byte for byte in testdata.
func seedAnswer(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/xiaoe-aftersale-list.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, sample, ok := strings.Cut(string(raw), "返回示例\n")
	if !ok {
		t.Fatal("seed has no 返回示例 section")
	}
	return []byte(sample)
}

func TestParseSeedListSample(t *testing.T) {
	var env Envelope
	if err := json.Unmarshal(seedAnswer(t), &env); err != nil {
		t.Fatal(err)
	}
	if n, ok := env.code(); !ok || n != CodeOK {
		t.Fatalf("code = %s", env.Code)
	}
	var data struct {
		List     []AfterSale `json:"list"`
		RowCount int64       `json:"row_count"`
	}
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatal(err)
	}
	want(t, "row_count", data.RowCount, int64(37))
	if len(data.List) != 1 {
		t.Fatalf("list has %d items", len(data.List))
	}
	c, err := ParseAfterSale("xe-shop", data.List[0])
	if err != nil {
		t.Fatal(err)
	}
	want(t, "id", c.ID, "A1676284458_63ea122a379c4_84723683")
	want(t, "order", c.OrderID, "o_1676284286_63ea117e2d99c_5057xxxx")
	want(t, "platform", c.Platform, platforms.Xiaoe)
	want(t, "shop", c.Shop, "xe-shop")
	want(t, "kind", c.Kind, platforms.KindRefund) // from sale_type_name 退款: the sample has no sale_type
	want(t, "role", c.Role, platforms.RoleSeller)
	want(t, "status", c.Status, platforms.StatusSucceeded)
	want(t, "platform status", c.PlatformStatus, "13")
	want(t, "amount", c.Amount, int64(0))
	want(t, "currency", c.Currency, "CNY")
	want(t, "goods", c.GoodsStatus, platforms.GoodsNotShipped) // 无需发货
	want(t, "modified", c.Modified, time.Date(2023, 2, 13, 10, 34, 18, 0, time.UTC))
	want(t, "version", c.Version, "2023-02-13 18:34:18|13|0")
	// Finished: neither invalid_time nor the zero state_invalid_time apply.
	want(t, "deadline", c.Deadline, time.Time{})
	want(t, "items", c.Items, []platforms.Item{{Title: "HX付费图文关联作业", Quantity: 1, Amount: 20}})
	want(t, "allowed", len(c.Allowed), 0)

	// Nothing personal reaches the Case.
	out, _ := json.Marshal(c)
	for _, pii := range []string{"大肉丸", "wechatavator", "wx_avatar", "nick_name"} {
		if strings.Contains(string(out), pii) {
			t.Errorf("case carries %q: %s", pii, out)
		}
	}
}

// base is an application awaiting the merchant; tests override fields.
const base = `{
	"aftersale_id": "A1", "order_id": "o_1", "sku_id": "SKU_1", "state": 0, "sale_type": 1,
	"apply_refund_money": 990, "refund_money": 0, "reason": "不想学了", "ship_state_str": "无需发货",
	"created_at": "2026-11-20 09:00:00", "updated_at": "2026-11-21 10:30:00",
	"invalid_time": "2026-11-27 09:00:00", "state_invalid_time": "2026-11-23 18:00:00",
	"goods_name": "课程", "nick_name": "buyer", "phone": "13800000000", "remark": "call me"
}`

func afterSale(t *testing.T, over map[string]any) AfterSale {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	raw, _ := json.Marshal(m)
	var a AfterSale
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseAfterSale(t *testing.T) {
	c, err := ParseAfterSale("s", afterSale(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "status", c.Status, platforms.StatusAwaitingSeller)
	want(t, "amount", c.Amount, int64(990))
	want(t, "deadline", c.Deadline, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	want(t, "owner", c.DeadlineOwner, platforms.RoleSeller)
	want(t, "version", c.Version, "2026-11-21 10:30:00|0|0")
	want(t, "attrs", c.Attrs, map[string]string{AttrSkuID: "SKU_1", AttrSaleType: "1"})
	want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse})
	want(t, "items", c.Items, []platforms.Item{{SKU: "SKU_1", Title: "课程"}})
	out, _ := json.Marshal(c)
	for _, pii := range []string{"13800000000", "call me", "buyer"} {
		if strings.Contains(string(out), pii) {
			t.Errorf("case carries %q", pii)
		}
	}
}

func TestParseAfterSaleFields(t *testing.T) {
	utc := func(s string) time.Time {
		tm, _ := time.ParseInLocation(TimeLayout, s, cst)
		return tm.UTC()
	}
	tests := []struct {
		name  string
		over  map[string]any
		check func(t *testing.T, c platforms.Case)
	}{
		{"expiry earlier than the state deadline", map[string]any{"invalid_time": "2026-11-22 08:00:00"}, func(t *testing.T, c platforms.Case) {
			want(t, "deadline", c.Deadline, utc("2026-11-22 08:00:00"))
		}},
		{"zero state deadline falls back to expiry", map[string]any{"state_invalid_time": "-0001-11-30 00:00:00"}, func(t *testing.T, c platforms.Case) {
			want(t, "deadline", c.Deadline, utc("2026-11-27 09:00:00"))
		}},
		{"no deadline at all", map[string]any{"state_invalid_time": "0000-00-00 00:00:00", "invalid_time": ""}, func(t *testing.T, c platforms.Case) {
			want(t, "deadline", c.Deadline, time.Time{})
			want(t, "owner", c.DeadlineOwner, platforms.Role(""))
		}},
		{"buyer's turn", map[string]any{"state": 6, "sale_type": 2}, func(t *testing.T, c platforms.Case) {
			want(t, "owner", c.DeadlineOwner, platforms.RoleBuyer)
			want(t, "goods", c.GoodsStatus, platforms.GoodsReceived)
		}},
		{"return", map[string]any{"sale_type": 2}, func(t *testing.T, c platforms.Case) {
			want(t, "kind", c.Kind, platforms.KindReturn)
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgreeReturn, platforms.ActionRefuse})
		}},
		{"exchange", map[string]any{"sale_type": "3"}, func(t *testing.T, c platforms.Case) {
			want(t, "kind", c.Kind, platforms.KindExchange)
		}},
		{"sale_type_name only", map[string]any{"sale_type": nil, "sale_type_name": "退货退款"}, func(t *testing.T, c platforms.Case) {
			want(t, "kind", c.Kind, platforms.KindReturn)
		}},
		{"undocumented sale_type is never acted on", map[string]any{"sale_type": 9}, func(t *testing.T, c platforms.Case) {
			want(t, "status", c.Status, platforms.StatusUnknown)
			want(t, "kind", c.Kind, platforms.KindReturn)
			want(t, "allowed", len(c.Allowed), 0)
		}},
		{"no sale type at all", map[string]any{"sale_type": nil}, func(t *testing.T, c platforms.Case) {
			want(t, "status", c.Status, platforms.StatusUnknown)
		}},
		{"merchant overdue", map[string]any{"state": 3}, func(t *testing.T, c platforms.Case) {
			want(t, "status", c.Status, platforms.StatusAwaitingSeller)
			want(t, "flags", c.Flags, []string{platforms.FlagMustHandleOnWeb})
			want(t, "allowed", len(c.Allowed), 0)
		}},
		{"refund overdue", map[string]any{"state": 12}, func(t *testing.T, c platforms.Case) {
			want(t, "flags", c.Flags, []string{platforms.FlagMustHandleOnWeb})
		}},
		{"unknown state", map[string]any{"state": 10}, func(t *testing.T, c platforms.Case) {
			want(t, "status", c.Status, platforms.StatusUnknown)
			want(t, "platform status", c.PlatformStatus, "10")
		}},
		{"refunded money shows in version and blocks agree", map[string]any{"refund_money": 990}, func(t *testing.T, c platforms.Case) {
			want(t, "version", c.Version, "2026-11-21 10:30:00|0|990")
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionRefuse})
		}},
		{"merchant-initiated has only refund_money", map[string]any{"apply_refund_money": 0, "refund_money": 500}, func(t *testing.T, c platforms.Case) {
			want(t, "amount", c.Amount, int64(500))
		}},
		{"without sku no refund", map[string]any{"sku_id": nil}, func(t *testing.T, c platforms.Case) {
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionRefuse})
		}},
		{"numeric ids", map[string]any{"aftersale_id": json.Number("12345678901234567890"), "sku_id": 42}, func(t *testing.T, c platforms.Case) {
			want(t, "id", c.ID, "12345678901234567890")
			want(t, "sku", c.Attrs[AttrSkuID], "42")
		}},
		{"money as strings", map[string]any{"apply_refund_money": "1990"}, func(t *testing.T, c platforms.Case) {
			want(t, "amount", c.Amount, int64(1990))
		}},
		{"goods on the way back", map[string]any{"state": 8, "sale_type": 2}, func(t *testing.T, c platforms.Case) {
			want(t, "status", c.Status, platforms.StatusAwaitingSellerReceipt)
			want(t, "goods", c.GoodsStatus, platforms.GoodsReturned)
			want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionConfirmReceipt, platforms.ActionRefuse})
		}},
		{"shipped goods", map[string]any{"ship_state_str": "已发货"}, func(t *testing.T, c platforms.Case) {
			want(t, "goods", c.GoodsStatus, platforms.GoodsShipped)
		}},
		{"unknown shipping state", map[string]any{"ship_state_str": "运输中"}, func(t *testing.T, c platforms.Case) {
			want(t, "goods", c.GoodsStatus, platforms.GoodsUnknown)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseAfterSale("s", afterSale(t, tt.over))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseAfterSaleMalformed(t *testing.T) {
	for name, over := range map[string]map[string]any{
		"no id":             {"aftersale_id": ""},
		"no state":          {"state": nil},
		"fractional money":  {"apply_refund_money": 9.9},
		"negative money":    {"refund_money": -1},
		"bad updated_at":    {"updated_at": "2026/11/21"},
		"bad deadline":      {"state_invalid_time": "tomorrow"},
		"bad expiry":        {"invalid_time": "2026-11-27T09:00:00Z"},
		"state not integer": {"state": "13a"},
	} {
		t.Run(name, func(t *testing.T) {
			var a AfterSale
			raw, _ := json.Marshal(over)
			if json.Unmarshal(raw, &a) != nil {
				return // rejected while decoding: as good
			}
			if _, err := ParseAfterSale("s", afterSale(t, over)); platforms.KindOf(err) != platforms.ErrMalformed {
				t.Errorf("err = %v, want malformed", err)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for in, w := range map[string]time.Time{
		"":                     {},
		"-0001-11-30 00:00:00": {},
		"0000-00-00 00:00:00":  {},
		"2023-02-20 18:34:18":  time.Date(2023, 2, 20, 10, 34, 18, 0, time.UTC),
	} {
		got, err := ParseTime(in)
		if err != nil || !got.Equal(w) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, w)
		}
	}
	if _, err := ParseTime("2023-02-20"); err == nil {
		t.Error("date without time accepted")
	}
	want(t, "format", FormatTime(time.Date(2023, 2, 20, 10, 34, 18, 0, time.UTC)), "2023-02-20 18:34:18")
}

func TestDateRange(t *testing.T) {
	// 2026-11-22 17:00 UTC is already the 23rd in Beijing.
	got := DateRange(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 22, 17, 0, 0, 0, time.UTC))
	want(t, "range", got, "2026-11-01||2026-11-23")
}

func want[T any](t *testing.T, what string, got, w T) {
	t.Helper()
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(w)
	if string(g) != string(e) {
		t.Errorf("%s = %s, want %s", what, g, e)
	}
}
