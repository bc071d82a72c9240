package taobao

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// seedXML returns the XML sample of the vendor page in testdata (a byte for
// byte copy of shared/seeds/tmall-exchange-receive-get.txt), unchanged.
func seedXML(t testing.TB) []byte {
	t.Helper()
	page, err := os.ReadFile("testdata/tmall-exchange-receive-get.txt")
	if err != nil {
		t.Fatal(err)
	}
	const open, end = "<tmall_exchange_receive_get_response>", "</tmall_exchange_receive_get_response>"
	i, j := bytes.Index(page, []byte(open)), bytes.Index(page, []byte(end))
	if i < 0 || j < i {
		t.Fatal("no XML sample in the seed page")
	}
	return page[i : j+len(end)]
}

func TestSeedSampleXML(t *testing.T) {
	var got ExchangeList
	if err := xml.Unmarshal(seedXML(t), &got); err != nil {
		t.Fatal(err)
	}
	want(t, "page_results", got.PageResults, json.Number("10"))
	want(t, "total_results", got.TotalResults, json.Number("100"))
	want(t, "has_next", got.HasNext, true)
	want(t, "error_codes", got.ErrorCodes, "ERROR")
	want(t, "error_msg", got.ErrorMsg, "NULL")
	if len(got.Results.Exchange) != 1 {
		t.Fatalf("%d exchanges", len(got.Results.Exchange))
	}
	want(t, "exchange", got.Results.Exchange[0], Exchange{
		DisputeID: "123123123", BizOrderID: "456456", Status: "买家已经申请退款,等待卖家同意",
		GoodStatus: "已发货", Payment: "100.00", Price: "100.00", Num: "1", Reason: "7天无理由换货",
		Title: "AC米兰主场球衣", BoughtSku: "红色", ExchangeSku: "白色",
		Created: "2000-01-01 00:00:00", Modified: "2000-01-01 00:00:00", TimeOut: "2000-01-01 00:00:00",
	})
}

// The JSON form (format=json, PLATFORMS.md §TOP shape) of the same sample
// decodes into the same struct.
func TestSeedSampleJSONMatchesXML(t *testing.T) {
	var fromXML ExchangeList
	if err := xml.Unmarshal(seedXML(t), &fromXML); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/tmall-exchange-receive-get.json")
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := decode(raw, &env); err != nil {
		t.Fatal(err)
	}
	var fromJSON ExchangeList
	if err := decode(env[rootKey(methodExchangeList)], &fromJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, fromXML) {
		t.Fatalf("JSON %+v\nXML  %+v", fromJSON, fromXML)
	}
}

func TestParseSeedExchange(t *testing.T) {
	var l ExchangeList
	if err := xml.Unmarshal(seedXML(t), &l); err != nil {
		t.Fatal(err)
	}
	c, err := ParseExchange("shop1", l.Results.Exchange[0])
	if err != nil {
		t.Fatal(err)
	}
	want(t, "case", c, platforms.Case{
		Platform: platforms.Taobao, Shop: "shop1", ID: "exchange-123123123", OrderID: "456456",
		Kind: platforms.KindExchange, Role: platforms.RoleSeller,
		// The sample's status is a refund text, not a documented exchange
		// status: unknown, so nothing is done automatically.
		Status: platforms.StatusUnknown, PlatformStatus: "买家已经申请退款,等待卖家同意",
		Amount: 10000, Currency: "CNY", Reason: "7天无理由换货", GoodsStatus: platforms.GoodsShipped,
		Items:    []platforms.Item{{SKU: "红色", Title: "AC米兰主场球衣", Quantity: 1}},
		Deadline: time.Date(1999, 12, 31, 16, 0, 0, 0, time.UTC),
		Modified: time.Date(1999, 12, 31, 16, 0, 0, 0, time.UTC),
		Version:  c.Version,
		Attrs:    map[string]string{"exchange_sku": "白色"},
	})
	// No personal data of the sample reaches the case.
	out, _ := json.Marshal(c)
	for _, pii := range []string{"卡卡", "加利亚尼", "李世民", "13344445555", "北京市", "浙江省", "222222222",
		"AXSADSADSDSDSD", "AAEnVKOdAOIduo9TH9hjf", "这是一个昵称", "NO123456789", "NO987654321"} {
		if strings.Contains(string(out), pii) {
			t.Errorf("case carries %q: %s", pii, out)
		}
	}
}

// exchangeJSON is a status-1 exchange as tmall.exchange.get answers it,
// changed by over (nil values delete a field).
func exchangeJSON(t *testing.T, over map[string]any) Exchange {
	t.Helper()
	m := map[string]any{
		"dispute_id": "2026112300000000901", "biz_order_id": "3961024500000000901", "status": "1",
		"good_status": "已发货", "price": "59.00", "num": 2, "reason": "尺码不合适", "title": "纯棉短袖T恤",
		"bought_sku": "颜色:白色;尺码:L", "exchange_sku": "颜色:白色;尺码:XL",
		"created": "2026-11-23 08:00:00", "modified": "2026-11-23 09:00:00", "time_out": "2026-11-25 09:00:00",
		"refund_phase": "售后换货", "refund_version": 1763859600000, "cs_status": 1, "operation_contraint": "",
		"buyer_nick": "t**1", "buyer_name": "张三", "buyer_phone": "13800000000", "buyer_address": "上海市某路1号",
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	raw, _ := json.Marshal(m)
	var x Exchange
	if err := decode(raw, &x); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestParseExchange(t *testing.T) {
	c, err := ParseExchange("shop1", exchangeJSON(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "id", c.ID, "exchange-2026112300000000901")
	want(t, "order", c.OrderID, "3961024500000000901")
	want(t, "status", c.Status, platforms.StatusAwaitingSeller)
	want(t, "amount", c.Amount, int64(11800)) // price × num
	want(t, "deadline", c.Deadline, time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC))
	want(t, "owner", c.DeadlineOwner, platforms.RoleSeller)
	want(t, "goods", c.GoodsStatus, platforms.GoodsShipped)
	want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse})
	want(t, "flags", c.Flags, []string(nil))
	out, _ := json.Marshal(c)
	for _, pii := range []string{"t**1", "张三", "13800000000", "上海市"} {
		if strings.Contains(string(out), pii) {
			t.Errorf("case carries %q", pii)
		}
	}

	tests := []struct {
		name  string
		over  map[string]any
		check func(t *testing.T, c platforms.Case)
	}{
		{name: "numbers as JSON numbers", over: map[string]any{"dispute_id": json.Number("2026112300000000901"), "status": 12},
			check: func(t *testing.T, c platforms.Case) {
				want(t, "id", c.ID, "exchange-2026112300000000901")
				want(t, "status", c.Status, platforms.StatusAwaitingSellerResend)
				want(t, "goods", c.GoodsStatus, platforms.GoodsReturned)
				want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionResend})
			}},
		{name: "unreadable time_out: no deadline, flagged, still decidable by a human",
			over: map[string]any{"time_out": "3天后"},
			check: func(t *testing.T, c platforms.Case) {
				want(t, "deadline", c.Deadline, time.Time{})
				want(t, "flags", c.Flags, []string{FlagDeadlineUnparsed})
				want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse})
			}},
		{name: "epoch ms time_out", over: map[string]any{"time_out": 1795568400000},
			check: func(t *testing.T, c platforms.Case) {
				want(t, "deadline", c.Deadline, time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC))
			}},
		{name: "no time_out", over: map[string]any{"time_out": nil},
			check: func(t *testing.T, c platforms.Case) {
				want(t, "deadline", c.Deadline, time.Time{})
				want(t, "owner", c.DeadlineOwner, platforms.Role(""))
				want(t, "flags", c.Flags, []string(nil))
			}},
		{name: "closed: time_out ignored, even unreadable", over: map[string]any{"status": "4", "time_out": "?"},
			check: func(t *testing.T, c platforms.Case) {
				want(t, "deadline", c.Deadline, time.Time{})
				want(t, "flags", c.Flags, []string(nil))
				want(t, "allowed", c.Allowed, []platforms.Action(nil))
			}},
		{name: "buyer's deadline", over: map[string]any{"status": "2"},
			check: func(t *testing.T, c platforms.Case) { want(t, "owner", c.DeadlineOwner, platforms.RoleBuyer) }},
		{name: "customer service", over: map[string]any{"cs_status": 2},
			check: func(t *testing.T, c platforms.Case) { want(t, "flags", c.Flags, []string{platforms.FlagCSInvolved}) }},
		{name: "on web", over: map[string]any{"operation_contraint": "refund_onweb"},
			check: func(t *testing.T, c platforms.Case) { want(t, "allowed", c.Allowed, []platforms.Action(nil)) }},
		{name: "cannot refuse", over: map[string]any{"operation_contraint": "cannot_refuse"},
			check: func(t *testing.T, c platforms.Case) {
				want(t, "allowed", c.Allowed, []platforms.Action{platforms.ActionAgree})
			}},
		{name: "no price", over: map[string]any{"price": nil},
			check: func(t *testing.T, c platforms.Case) { want(t, "amount", c.Amount, int64(0)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseExchange("shop1", exchangeJSON(t, tt.over))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}

	// Values that decode but that the workflow cannot rely on.
	bad := map[string]func(x *Exchange){
		"dispute_id not digits":   func(x *Exchange) { x.DisputeID = "-1" },
		"dispute_id missing":      func(x *Exchange) { x.DisputeID = "" },
		"biz_order_id not digits": func(x *Exchange) { x.BizOrderID = "1e5" },
		"modified in RFC 3339":    func(x *Exchange) { x.Modified = "2026-11-23T09:00:00Z" },
		"price with a comma":      func(x *Exchange) { x.Price = "59,00" },
		"price below fen":         func(x *Exchange) { x.Price = "59.001" },
		"cs_status not an int":    func(x *Exchange) { x.CSStatus = "1.5" },
	}
	for name, edit := range bad {
		t.Run(name, func(t *testing.T) {
			x := exchangeJSON(t, nil)
			edit(&x)
			_, err := ParseExchange("shop1", x)
			want(t, "kind", platforms.KindOf(err), platforms.ErrMalformed)
		})
	}
}

// The list answer lacks refund_version and payment; the detail lacks
// payment too. A case must come out the same from both reads.
func TestExchangeVersionIsTheSameFromListAndGet(t *testing.T) {
	detail, err := ParseExchange("s", exchangeJSON(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	listed, err := ParseExchange("s", exchangeJSON(t, map[string]any{"refund_version": nil, "cs_status": nil, "payment": "118.00"}))
	if err != nil {
		t.Fatal(err)
	}
	if detail.Changed(listed) {
		t.Fatalf("detail %+v\nlisted %+v", detail, listed)
	}
	for name, over := range map[string]map[string]any{
		"status": {"status": "2"}, "modified": {"modified": "2026-11-23 09:00:01"}, "time_out": {"time_out": "2026-11-26 09:00:00"},
	} {
		moved, err := ParseExchange("s", exchangeJSON(t, over))
		if err != nil {
			t.Fatal(err)
		}
		if moved.Version == detail.Version {
			t.Errorf("version unchanged when %s changed", name)
		}
	}
}
