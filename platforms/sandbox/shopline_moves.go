package sandbox

// SHOPLINE cases in the store, and the moves the platform makes itself.
//
// A stored case is one of two native objects, told apart by their fields:
//   - a return, as GET /return.json lists it (return_line_items), stored as
//     case "return-<id>";
//   - a refund, as GET /orders/:order_id/refunds.json lists it
//     (transactions, refund_line_items), stored as "refund-<order_id>-<id>".
// The order behind them is not stored: its lines, prices and currency are
// the returns' lines.
//
// Knobs a stored return may carry (never shown by the API):
//   - sandbox_package_status: the status of its reverse fulfillment order,
//     OPEN while the goods travel back (default), CLOSED once they arrived;
//   - sandbox_arrive_after: seconds after storing at which the package
//     arrives by itself (default: never; POST /_sandbox/shopline/arrive
//     makes it arrive now);
//   - sandbox_refund_result: the status the transactions of a refund
//     created for it get: success (default; the return then closes),
//     pending or failure (the return stays open);
//   - sandbox_order_currency: the order's settlement currency (default the
//     lines' shop_money currency, else USD); sandbox_store_currency the
//     store's (default the same);
//   - sandbox_gateway, sandbox_payment_id: what the calculation suggests
//     to refund through.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/aftersale/aftersale/platforms/shopline"
)

const (
	slKnobPackage       = "sandbox_package_status"
	slKnobArriveAfter   = "sandbox_arrive_after"
	slKnobArriveAt      = "sandbox_arrive_at"
	slKnobRefundResult  = "sandbox_refund_result"
	slKnobOrderCurrency = "sandbox_order_currency"
	slKnobStoreCurrency = "sandbox_store_currency"
	slKnobGateway       = "sandbox_gateway"
	slKnobPaymentID     = "sandbox_payment_id"
	slKnobAnnounced     = "sandbox_announced" // the create webhook went out
)

const (
	slOpen      = "OPEN"
	slClosed    = "CLOSED"
	slCancelled = "cancelled"
)

// slTime formats a time as SHOPLINE does (ISO 8601).
func slTime(t time.Time) string { return t.Format(time.RFC3339) }

func (x *shoplineSim) prepare(r *record, now time.Time) error {
	n := r.native
	switch {
	case n["return_line_items"] != nil:
		return x.prepareReturn(r, now)
	case n["transactions"] != nil || n["refund_line_items"] != nil:
		return x.prepareRefund(r, now)
	}
	return fmt.Errorf("case must be a SHOPLINE return (with return_line_items) or refund (with transactions)")
}

// slIDs turns numeric ids into the strings SHOPLINE documents.
func slIDs(m map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := m[k].(json.Number); ok {
			m[k] = v.String()
		}
	}
}

// slValidID accepts SHOPLINE ids: letters, digits and "_".
func slValidID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

func (x *shoplineSim) prepareReturn(r *record, now time.Time) error {
	n := r.native
	slIDs(n, "id", "order_id")
	id, order := getString(n, "id"), getString(n, "order_id")
	if !slValidID(id) || !slValidID(order) {
		return fmt.Errorf("case.id and case.order_id are required SHOPLINE ids (letters, digits, _), got %q and %q", id, order)
	}
	if getString(n, "status") == "" {
		n["status"] = slOpen
	}
	if getString(n, "created_at") == "" {
		n["created_at"] = slTime(now)
	}
	if getString(n, "updated_at") == "" {
		n["updated_at"] = getString(n, "created_at")
	}
	lines := slList(n, "return_line_items")
	if len(lines) == 0 {
		return fmt.Errorf("case.return_line_items must list the returned lines")
	}
	cur := getString(n, slKnobOrderCurrency)
	for i, l := range lines {
		slIDs(l, "id", "line_item_id", "fulfillment_id")
		li := slMap(slMap(l, "fulfillment_line_item"), "line_item")
		if li != nil {
			slIDs(li, "id")
		}
		if getString(l, "line_item_id") == "" && li != nil {
			l["line_item_id"] = getString(li, "id")
		}
		if !slValidID(getString(l, "line_item_id")) {
			return fmt.Errorf("case.return_line_items[%d]: line_item_id (or fulfillment_line_item.line_item.id) is required", i)
		}
		if q, err := (shopline.Text(getString(l, "quantity"))).Int(); err != nil || q == 0 {
			return fmt.Errorf("case.return_line_items[%d].quantity must be a positive integer", i)
		}
		if cur == "" {
			cur = getString(slMap(slMap(li, "price_set"), "shop_money"), "currency_code")
		}
	}
	if cur == "" {
		cur = "USD"
	}
	n[slKnobOrderCurrency] = cur
	if getString(n, slKnobStoreCurrency) == "" {
		n[slKnobStoreCurrency] = cur
	}
	for i, l := range lines {
		if _, err := shopline.Minor(shopline.Text(slUnitPrice(l)), cur); err != nil {
			return fmt.Errorf("case.return_line_items[%d]: price: %v", i, err)
		}
	}
	if getString(n, slKnobPackage) == "" {
		n[slKnobPackage] = slOpen
	}
	if after := getSeconds(n, slKnobArriveAfter, 0); after > 0 && getString(n, slKnobArriveAt) == "" {
		n[slKnobArriveAt] = slTime(now.Add(after))
	}
	switch getString(n, slKnobRefundResult) {
	case "":
		n[slKnobRefundResult] = "success"
	case "success", "pending", "failure", "error":
	default:
		return fmt.Errorf("case.%s must be success, pending, failure or error", slKnobRefundResult)
	}
	r.id = shopline.ReturnCaseID(id)
	if !getBool(n, slKnobAnnounced) {
		n[slKnobAnnounced] = true
		x.webhook(r.shop, shopline.TopicReturnCreate, map[string]any{
			"after_sale_order_seq": id, "order_seq": order, "created_at": getString(n, "created_at"),
		})
	}
	return nil
}

// slUnitPrice is a return line's unit price in the order currency.
func slUnitPrice(l map[string]any) string {
	li := slMap(slMap(l, "fulfillment_line_item"), "line_item")
	if p := getString(slMap(slMap(li, "price_set"), "shop_money"), "amount"); p != "" {
		return p
	}
	return getString(li, "price")
}

func (x *shoplineSim) prepareRefund(r *record, now time.Time) error {
	n := r.native
	slIDs(n, "id", "order_id")
	id, order := getString(n, "id"), getString(n, "order_id")
	if !slValidID(id) || !slValidID(order) {
		return fmt.Errorf("case.id and case.order_id are required SHOPLINE ids (letters, digits, _), got %q and %q", id, order)
	}
	for _, k := range []string{"created_at", "processed_at"} {
		if getString(n, k) == "" {
			n[k] = slTime(now)
		}
	}
	for i, t := range slList(n, "transactions") {
		slIDs(t, "id", "order_id")
		if getString(t, "id") == "" {
			t["id"] = fmt.Sprintf("%s%d", id, i+1)
		}
		if getString(t, "kind") == "" {
			t["kind"] = "refund"
		}
		if getString(t, "status") == "" {
			t["status"] = "success"
		}
		if _, err := shopline.Minor(shopline.Text(getString(t, "amount")), getString(t, "currency")); err != nil || getString(t, "currency") == "" {
			return fmt.Errorf("case.transactions[%d]: amount and currency are required: %v", i, err)
		}
	}
	for _, l := range slList(n, "refund_line_items") {
		slIDs(l, "id", "line_item_id")
	}
	r.id = shopline.RefundCaseID(order, id)
	if !getBool(n, slKnobAnnounced) {
		n[slKnobAnnounced] = true
		x.webhook(r.shop, shopline.TopicRefundCreate, slServed(n))
	}
	return nil
}

// deadline: SHOPLINE documents no platform deadline.
func (x *shoplineSim) deadline(*record) (time.Time, bool) { return time.Time{}, false }

// advance makes a package arrive when its time has come.
func (x *shoplineSim) advance(r *record, now time.Time) {
	n := r.native
	if n["return_line_items"] == nil || getString(n, "status") != slOpen || getString(n, slKnobPackage) != slOpen {
		return
	}
	at, err := time.Parse(time.RFC3339, getString(n, slKnobArriveAt))
	if err != nil || at.After(now) {
		return
	}
	x.arrive(r, at)
	r.noteMove(at, false)
}

// arrive records the return's goods back at the seller.
func (x *shoplineSim) arrive(r *record, at time.Time) {
	n := r.native
	n[slKnobPackage] = slClosed
	n["updated_at"] = slTime(at)
	delete(n, slKnobArriveAt)
	x.s.log.Info("sandbox platform move", "platform", PlatformShopline, "shop", r.shop, "case_id", r.id, "package", slClosed, "at", at)
	x.webhook(r.shop, shopline.TopicPackageUpdate, map[string]any{
		"return_id":           getString(n, "id"),
		"reverse_delivery_id": "RPP" + getString(n, "id"),
		"tracking_information": map[string]any{
			"tracking_company": "Sandbox Express", "tracking_number": "SBX" + getString(n, "id"),
		},
		"update_at": slTime(at),
	})
}

// ShoplineArrive makes the package of a SHOPLINE return arrive now (what
// POST /_sandbox/shopline/arrive does).
func (s *Sandbox) ShoplineArrive(shop, returnID string) error {
	s.touch()
	defer s.mu.Unlock()
	x := s.sims[PlatformShopline].(*shoplineSim)
	r := s.find(PlatformShopline, shop, shopline.ReturnCaseID(returnID))
	if r == nil {
		return fmt.Errorf("no SHOPLINE return %s in shop %s", returnID, shop)
	}
	if getString(r.native, "status") != slOpen || getString(r.native, slKnobPackage) != slOpen {
		return fmt.Errorf("return %s is %s with its package %s: nothing to arrive", returnID,
			getString(r.native, "status"), getString(r.native, slKnobPackage))
	}
	x.arrive(r, s.clock.Now())
	return nil
}

func (x *shoplineSim) adminArrive(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Shop     string `json:"shop"`
		ReturnID string `json:"return_id"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if err := x.s.ShoplineArrive(req.Shop, req.ReturnID); err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// slServed is a native object as the API shows it: without knobs.
func slServed(n map[string]any) map[string]any {
	out := cloneNative(n)
	for k := range out {
		if len(k) > len(knobPrefix) && k[:len(knobPrefix)] == knobPrefix {
			delete(out, k)
		}
	}
	return out
}
