package xportcn

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// seedJSON returns a seed page's response sample exactly as the page has it:
// the JSON value that follows the "返回响应" (response) heading.
func seedJSON(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte("返回响应"))
	if i < 0 {
		t.Fatalf("%s: no response heading", name)
	}
	j := bytes.IndexByte(raw[i:], '{')
	if j < 0 {
		t.Fatalf("%s: no response sample", name)
	}
	sample := raw[i+j:]
	dec := json.NewDecoder(bytes.NewReader(sample))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: sample is not JSON: %v", name, err)
	}
	return sample[:dec.InputOffset()]
}

func TestSeedsAreCopiedVerbatim(t *testing.T) {
	for _, name := range []string{"xportcn-aftersale-refund-querylist.txt", "xportcn-order-page.txt"} {
		want, err := os.ReadFile("../../../shared/seeds/" + name)
		if err != nil {
			t.Skipf("seed directory not available: %v", err)
		}
		got, err := os.ReadFile("testdata/" + name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("testdata/%s differs from the seed", name)
		}
	}
}

func TestParseSeedQueryList(t *testing.T) {
	var env Envelope
	if err := json.Unmarshal(seedJSON(t, "xportcn-aftersale-refund-querylist.txt"), &env); err != nil {
		t.Fatal(err)
	}
	if env.Code.String() != codeOK {
		t.Fatalf("code = %s", env.Code)
	}
	var data QueryListData
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.Total != "28" || data.Currency != "CNY" || len(data.Aggregates) != 1 {
		t.Fatalf("data = %+v", data)
	}
	c, err := ParseRefund("xp-buyer", data.Currency, data.Aggregates[0])
	if err != nil {
		t.Fatal(err)
	}
	want := platforms.Case{
		Platform: platforms.Xportcn, Shop: "xp-buyer", ID: "110002687818", OrderID: "200028508720",
		Kind: platforms.KindRefund, Role: platforms.RoleBuyer,
		Status: platforms.StatusAwaitingSeller, PlatformStatus: "100",
		Amount: 392, Currency: "CNY", Reason: "我不想要了", ReasonID: 150013,
		GoodsStatus:   platforms.GoodsUnknown,
		Items:         []platforms.Item{{SKU: "食品口味:瓜子仁5包(试吃)", Title: "零食瓜子仁蟹黄味整箱小包装坚果炒货小零食小吃批发散装休闲食品", Quantity: 1, Amount: 392}},
		Deadline:      time.UnixMilli(1698313367000).UTC(),
		DeadlineOwner: platforms.RoleSeller,
		Version:       c.Version,
		Attrs: map[string]string{
			"timeout_type": "sAgreeRefundT", "refund_type": "1", "goods_status": "1",
			"pay_order_id": "3582133814705377121", "sales_order_id": "500918-1034477311887409465",
			"purchase_order_line_id": "200028508721",
		},
		Allowed: []platforms.Action{platforms.ActionCancel},
	}
	got, _ := json.Marshal(c)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("ParseRefund =\n%s\nwant\n%s", got, exp)
	}
	if len(c.Version) != 16 {
		t.Errorf("version %q", c.Version)
	}
	if c.Deadline.Format(time.RFC3339) != "2023-10-26T09:42:47Z" {
		t.Errorf("deadline %s", c.Deadline)
	}
}

// aggregate returns the seed's aggregate with refundOrder fields replaced
// (nil deletes).
func aggregate(t testing.TB, over map[string]any) RefundAggregate {
	t.Helper()
	var env struct {
		Data struct {
			Aggregates []map[string]any `json:"refundOrderAggregates"`
		} `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(seedJSON(t, "xportcn-aftersale-refund-querylist.txt")))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	a := env.Data.Aggregates[0]
	ro := a["refundOrder"].(map[string]any)
	for k, v := range over {
		if k == "logistics" {
			a[k] = v
			continue
		}
		if v == nil {
			delete(ro, k)
		} else {
			ro[k] = v
		}
	}
	raw, _ := json.Marshal(a)
	var out RefundAggregate
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseRefundVariants(t *testing.T) {
	tb := newTables(SandboxStatuses, SandboxTimeoutTypes)
	base, err := parseRefund(tb, "s", "CNY", aggregate(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		over  map[string]any
		check func(t *testing.T, c platforms.Case)
	}{
		{"numeric ids and status", map[string]any{"refundId": 110002687818, "refundStatus": 100}, func(t *testing.T, c platforms.Case) {
			if c.ID != "110002687818" || c.Status != platforms.StatusAwaitingSeller || c.Version != base.Version {
				t.Errorf("case %+v", c)
			}
		}},
		{"return awaiting our waybill", map[string]any{"refundStatus": "200", "refundType": 2, "timeoutType": "bReturnGoodsT"}, func(t *testing.T, c platforms.Case) {
			if c.Kind != platforms.KindReturn || c.Status != platforms.StatusAwaitingBuyerReturn || c.DeadlineOwner != platforms.RoleBuyer ||
				!c.Allows(platforms.ActionShipReturn) || c.Version == base.Version {
				t.Errorf("case %+v", c)
			}
		}},
		{"return shipped", map[string]any{"refundStatus": "300", "timeoutType": "sConfirmGoodsT", "logistics": map[string]any{"logisticsNo": "SF1"}}, func(t *testing.T, c platforms.Case) {
			if c.Kind != platforms.KindReturn || c.GoodsStatus != platforms.GoodsReturned || c.Attrs["return_logistics"] != "submitted" || len(c.Allowed) != 0 {
				t.Errorf("case %+v", c)
			}
		}},
		{"refused", map[string]any{"refundStatus": "400", "sellerRefuseReason": "商品已发出", "timeoutType": "bModifyRefundT"}, func(t *testing.T, c platforms.Case) {
			if c.Status != platforms.StatusRefused || c.Attrs["seller_refuse_reason"] != "商品已发出" || !c.Allows(platforms.ActionCancel) {
				t.Errorf("case %+v", c)
			}
		}},
		{"unknown status and timeout type", map[string]any{"refundStatus": "777", "timeoutType": "xWhoKnowsT"}, func(t *testing.T, c platforms.Case) {
			if c.Status != platforms.StatusUnknown || c.Deadline.IsZero() || c.DeadlineOwner != "" || len(c.Allowed) != 0 ||
				!c.HasFlag(FlagDeadlineOwnerUnknown) {
				t.Errorf("case %+v", c)
			}
		}},
		{"no deadline", map[string]any{"timeoutDate": nil, "timeoutType": nil}, func(t *testing.T, c platforms.Case) {
			if !c.Deadline.IsZero() || c.DeadlineOwner != "" || len(c.Flags) != 0 {
				t.Errorf("case %+v", c)
			}
		}},
		{"new deadline changes the version", map[string]any{"timeoutDate": "1698313368000"}, func(t *testing.T, c platforms.Case) {
			if c.Version == base.Version {
				t.Errorf("version unchanged")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseRefund(tb, "s", "CNY", aggregate(t, tt.over))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}

	for _, over := range []map[string]any{
		{"refundId": "R-1"}, {"refundId": nil}, {"refundFee": "3.92"}, {"refundFee": -1},
		{"timeoutDate": "tomorrow"}, {"reasonId": "x"},
	} {
		if _, err := parseRefund(tb, "s", "CNY", aggregate(t, over)); platforms.KindOf(err) != platforms.ErrMalformed {
			t.Errorf("%v: error %v, want malformed", over, err)
		}
	}
}

func TestParseSeedOrderPage(t *testing.T) {
	sample := seedJSON(t, "xportcn-order-page.txt")
	var env Envelope
	if err := json.Unmarshal(sample, &env); err != nil {
		t.Fatal(err)
	}
	var data OrderPageData
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatal(err)
	}
	if env.RequestID != "dd6244f5a2534131b32ae699bb063cf7" || data.Total != "1" || len(data.Orders) != 1 {
		t.Fatalf("envelope %+v data %+v", env, data)
	}
	o := data.Orders[0]
	if o.ID != "1022505290408395575" || o.OrderNo != "1022505290345480832" || o.Status != "0" ||
		o.PurchaseAmount != "400" || o.CreateTime != "2023-09-22 13:50:59" || len(o.SubOrders) != 2 {
		t.Fatalf("order %+v", o)
	}
	if s := o.SubOrders[1]; s.SkuID != "4860968496626" || s.Quantity != "200" || s.PurchaseAmount != "1" || s.PurchaseCurrency != "CNY" {
		t.Fatalf("sub order %+v", s)
	}
	if OrderStatuses[string(o.Status)] != "to be paid" {
		t.Fatalf("status name %q", OrderStatuses[string(o.Status)])
	}
	// The end customer's name is in the sample but never decoded.
	out, _ := json.Marshal(data)
	if !strings.Contains(string(sample), "Nguyen Thi Tuyet") || strings.Contains(string(out), "Nguyen") {
		t.Fatalf("personal data handling: %s", out)
	}
}
