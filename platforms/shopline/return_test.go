package shopline

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

// aReturn is an OPEN return of two units of one line and one of another,
// created 2025-06-01 10:00 UTC, in USD: 2 × 12.50 + 1 × 5.00 = 30.00.
const aReturn = `{
 "id": "2605860580357012238342", "order_id": "21058605762597644309430942", "status": "OPEN",
 "created_at": "2025-06-01T18:00:00+08:00", "return_reason": "SIZE_TOO_SMALL",
 "return_line_items": [
  {"id": "rli1", "fulfillment_id": "22058605790725653626950942", "quantity": 2, "return_reason": "SIZE_TOO_SMALL",
   "fulfillment_line_item": {"line_item": {"id": "L1", "title": "Linen shirt", "sku": "SH-1", "price": "12.50",
     "price_set": {"shop_money": {"amount": "12.50", "currency_code": "USD"}, "presentment_money": {"amount": "11.60", "currency_code": "EUR"}}}}},
  {"id": "rli2", "line_item_id": "L2", "quantity": "1",
   "fulfillment_line_item": {"line_item": {"id": "L2", "name": "Socks", "price": 5}}}
 ]}`

func parseReturnJSON(t *testing.T, s string) Return {
	t.Helper()
	var r Return
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func pkg(status string) []ReturnFulfillment { return []ReturnFulfillment{{ID: "RFO1", Status: status}} }

func refund(id, created string, status string, lines map[string]int) Refund {
	r := Refund{ID: Text(id), OrderID: "21058605762597644309430942", CreatedAt: created,
		Transactions: []Transaction{{ID: Text(id + "t"), Amount: "30.00", Currency: "USD", Kind: "refund", Status: status}}}
	for l, q := range lines {
		r.RefundLineItems = append(r.RefundLineItems, RefundLineItem{LineItemID: Text(l), Quantity: Text(itoa(q))})
	}
	return r
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestParseReturn(t *testing.T) {
	after, before := "2025-06-02T09:00:00Z", "2025-05-30T09:00:00Z"
	all := map[string]int{"L1": 2, "L2": 1}
	agree := []platforms.Action{platforms.ActionAgree, platforms.ActionConfirmReceipt}
	for _, tc := range []struct {
		name     string
		status   string
		packages []ReturnFulfillment
		refunds  []Refund
		want     platforms.Status
		goods    platforms.GoodsStatus
		allowed  []platforms.Action
	}{
		{"arrived, not refunded: the decision", "OPEN", pkg("CLOSED"), nil, platforms.StatusAwaitingSellerReceipt, platforms.GoodsReturned, agree},
		{"on its way", "OPEN", pkg("OPEN"), nil, platforms.StatusAwaitingBuyerReturn, platforms.GoodsReceived, nil},
		{"no package yet", "OPEN", nil, nil, platforms.StatusAwaitingBuyerReturn, platforms.GoodsReceived, nil},
		{"one of two packages arrived", "OPEN", append(pkg("CLOSED"), ReturnFulfillment{Status: "OPEN"}), nil, platforms.StatusAwaitingBuyerReturn, platforms.GoodsReceived, nil},
		{"arrived, a cancelled one aside", "OPEN", append(pkg("CLOSED"), ReturnFulfillment{Status: "CANCELLED"}), nil, platforms.StatusAwaitingSellerReceipt, platforms.GoodsReturned, agree},
		{"package cancelled", "OPEN", pkg("CANCELED"), nil, platforms.StatusUnknown, platforms.GoodsReceived, nil},
		{"undocumented package status", "OPEN", pkg("DELIVERED"), nil, platforms.StatusUnknown, platforms.GoodsReceived, nil},
		{"refunded in full", "OPEN", pkg("CLOSED"), []Refund{refund("R1", after, "success", all)}, platforms.StatusSucceeded, platforms.GoodsReturned, nil},
		{"refunded in part", "OPEN", pkg("CLOSED"), []Refund{refund("R1", after, "success", map[string]int{"L1": 1})}, platforms.StatusAwaitingSeller, platforms.GoodsReturned, nil},
		{"refund pending", "OPEN", pkg("CLOSED"), []Refund{refund("R1", after, "pending", all)}, platforms.StatusRefunding, platforms.GoodsReturned, nil},
		{"refund failed", "OPEN", pkg("CLOSED"), []Refund{refund("R1", after, "failure", all)}, platforms.StatusAwaitingSeller, platforms.GoodsReturned, nil},
		{"refund with an unreadable time counts", "OPEN", pkg("CLOSED"), []Refund{refund("R1", "yesterday", "pending", all)}, platforms.StatusRefunding, platforms.GoodsReturned, nil},
		{"a refund from before the return is about something else", "OPEN", pkg("CLOSED"), []Refund{refund("R0", before, "success", all)}, platforms.StatusAwaitingSellerReceipt, platforms.GoodsReturned, agree},
		{"a refund of other lines does not count", "OPEN", pkg("CLOSED"), []Refund{refund("R2", after, "success", map[string]int{"L9": 1})}, platforms.StatusAwaitingSellerReceipt, platforms.GoodsReturned, agree},
		{"closed", "CLOSED", nil, nil, platforms.StatusSucceeded, platforms.GoodsReceived, nil},
		{"cancelled", "cancelled", nil, nil, platforms.StatusClosed, platforms.GoodsReceived, nil},
		{"undocumented return status", "REQUESTED", pkg("CLOSED"), nil, platforms.StatusUnknown, platforms.GoodsReturned, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := parseReturnJSON(t, aReturn)
			r.Status = tc.status
			c, err := ParseReturn("shop1", r, tc.packages, tc.refunds, "USD")
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != tc.want || c.GoodsStatus != tc.goods || !slices.Equal(c.Allowed, tc.allowed) {
				t.Fatalf("status %s goods %s allowed %v; want %s %s %v", c.Status, c.GoodsStatus, c.Allowed, tc.want, tc.goods, tc.allowed)
			}
			if c.PlatformStatus != tc.status || c.ID != "return-2605860580357012238342" || c.Amount != 3000 || c.Currency != "USD" ||
				c.Kind != platforms.KindReturn || c.Attrs["refund_lines"] != "L1:2,L2:1" || !c.Deadline.IsZero() {
				t.Fatalf("case = %+v", c)
			}
		})
	}
}

func TestParseReturnVersionFollowsTheState(t *testing.T) {
	r := parseReturnJSON(t, aReturn)
	v := func(p []ReturnFulfillment, rs []Refund) string {
		c, err := ParseReturn("shop1", r, p, rs, "USD")
		if err != nil {
			t.Fatal(err)
		}
		return c.Version
	}
	all := map[string]int{"L1": 2, "L2": 1}
	versions := []string{
		v(pkg("OPEN"), nil),
		v(pkg("CLOSED"), nil),
		v(pkg("CLOSED"), []Refund{refund("R1", "2025-06-02T09:00:00Z", "pending", all)}),
		v(pkg("CLOSED"), []Refund{refund("R1", "2025-06-02T09:00:00Z", "success", all)}),
	}
	for i := range versions {
		for j := range i {
			if versions[i] == versions[j] {
				t.Fatalf("versions %d and %d are equal: %v", i, j, versions)
			}
		}
	}
	if again := v(pkg("CLOSED"), nil); again != versions[1] {
		t.Fatal("the same state gave another version")
	}
}

func TestParseReturnRejects(t *testing.T) {
	for name, edit := range map[string]func(*Return){
		"bad id":            func(r *Return) { r.ID = "12/34" },
		"no order":          func(r *Return) { r.OrderID = "" },
		"no lines":          func(r *Return) { r.LineItems = nil },
		"zero quantity":     func(r *Return) { r.LineItems[0].Quantity = "0" },
		"no line item id":   func(r *Return) { r.LineItems[1].LineItemID, r.LineItems[1].FulfillmentLineItem.LineItem.ID = "", "" },
		"sub-cent price":    func(r *Return) { r.LineItems[1].FulfillmentLineItem.LineItem.Price = "5.001" },
		"mixed currencies":  func(r *Return) { r.LineItems[0].FulfillmentLineItem.LineItem.PriceSet.ShopMoney.CurrencyCode = "EUR" },
		"negative price":    func(r *Return) { r.LineItems[1].FulfillmentLineItem.LineItem.Price = "-5" },
		"unparseable price": func(r *Return) { r.LineItems[1].FulfillmentLineItem.LineItem.Price = "five" },
	} {
		r := parseReturnJSON(t, aReturn)
		edit(&r)
		if _, err := ParseReturn("shop1", r, nil, nil, "USD"); platforms.KindOf(err) != platforms.ErrMalformed {
			t.Errorf("%s: err = %v, want malformed", name, err)
		}
	}
	// A price without a currency needs the shop currency.
	if _, err := ParseReturn("shop1", parseReturnJSON(t, aReturn), nil, nil, ""); platforms.KindOf(err) != platforms.ErrMalformed {
		t.Errorf("no currency: err = %v", err)
	}
}

func TestParseReturnJPY(t *testing.T) {
	r := parseReturnJSON(t, `{"id":"R9","order_id":"O9","status":"OPEN","return_line_items":[
	 {"line_item_id":"L1","quantity":2,"fulfillment_line_item":{"line_item":{"id":"L1","price_set":{"shop_money":{"amount":"3980","currency_code":"JPY"}}}}}]}`)
	c, err := ParseReturn("jp", r, pkg("CLOSED"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Amount != 7960 || c.Currency != "JPY" {
		t.Fatalf("amount %d %s", c.Amount, c.Currency)
	}
}

func TestParseRefundStatuses(t *testing.T) {
	for _, tc := range []struct {
		statuses []string
		want     platforms.Status
		raw      string
	}{
		{[]string{"success"}, platforms.StatusSucceeded, "success"},
		{[]string{"pending"}, platforms.StatusRefunding, "pending"},
		{[]string{"success", "failure"}, platforms.StatusAwaitingSeller, "failure"},
		{[]string{"error"}, platforms.StatusAwaitingSeller, "error"},
		{[]string{"reversed"}, platforms.StatusUnknown, "reversed"},
		{nil, platforms.StatusUnknown, ""},
	} {
		r := Refund{ID: "R1", OrderID: "O1"}
		for i, s := range tc.statuses {
			r.Transactions = append(r.Transactions, Transaction{ID: Text(itoa(i)), Amount: "10.00", Currency: "EUR", Kind: "refund", Status: s})
		}
		// A transaction of another kind does not count.
		r.Transactions = append(r.Transactions, Transaction{Amount: "99.00", Currency: "EUR", Kind: "sale", Status: "failure"})
		c, err := ParseRefund("s", r)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != tc.want || c.PlatformStatus != tc.raw || c.Amount != int64(1000*len(tc.statuses)) || len(c.Allowed) != 0 {
			t.Errorf("%v: %s %q %d %v", tc.statuses, c.Status, c.PlatformStatus, c.Amount, c.Allowed)
		}
	}
}

func TestParseRefundRejects(t *testing.T) {
	for name, r := range map[string]Refund{
		"bad id":         {ID: "a b", OrderID: "O1"},
		"no order":       {ID: "R1"},
		"bad amount":     {ID: "R1", OrderID: "O1", Transactions: []Transaction{{Amount: "1.234", Currency: "USD", Status: "success"}}},
		"no currency":    {ID: "R1", OrderID: "O1", Transactions: []Transaction{{Amount: "1.00", Status: "success"}}},
		"two currencies": {ID: "R1", OrderID: "O1", Transactions: []Transaction{{Amount: "1.00", Currency: "USD"}, {Amount: "1.00", Currency: "EUR"}}},
	} {
		if _, err := ParseRefund("s", r); platforms.KindOf(err) != platforms.ErrMalformed {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
