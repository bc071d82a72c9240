package sandbox

// Tmall exchange lifecycle (tmall.exchange.*): the status moves of
// docs/top-wire.md "Exchange status moves", the system timeouts, and
// simulated buyers who ship the goods back and confirm receiving the
// replacement. Like refunds, moves are applied lazily (advance) at the
// logical time they happened.
//
// An exchange is stored under the id "exchange-<dispute_id>", the Case.ID
// the client gives it, so that it cannot collide with a refund_id in the
// shared store, and the action log names it the way workflows do.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Exchange statuses, numeric codes sent as strings (the field is typed
// String in the API documentation).
const (
	exWaitSeller        = "1"  // 换货待处理
	exWaitBuyerReturn   = "2"  // 待买家退货
	exWaitSellerReceipt = "3"  // 买家已退货,待收货
	exClosed            = "4"  // 换货关闭
	exSuccess           = "5"  // 换货成功
	exWaitBuyerModify   = "6"  // 待买家修改
	exWaitSellerResend  = "12" // 待发出换货商品
	exWaitBuyerReceipt  = "13" // 待买家收货
	exRefund            = "14" // 请退款
)

// exStatuses are the documented codes, as dispute_status_array accepts them.
var exStatuses = []string{exWaitSeller, exWaitBuyerReturn, exWaitSellerReceipt, exClosed, exSuccess,
	exWaitBuyerModify, exWaitSellerResend, exWaitBuyerReceipt, exRefund}

// topExchangePrefix starts the store id of an exchange.
const topExchangePrefix = "exchange-"

// Per-case knobs of exchanges, besides the refund ones they share
// (sandbox_return_window: the buyer's time to ship the goods back or to
// modify a refused request, default 7 days; sandbox_confirm_window: the
// seller's time to confirm the returned goods, default 48h;
// sandbox_buyer_ships: false makes the buyer never ship):
//   - sandbox_resend_window: seconds the seller has to ship the
//     replacement once the goods are back (default 48h);
//   - sandbox_receipt_window: seconds the buyer has to confirm receiving
//     it (default 10 days);
//   - sandbox_buyer_confirms: false makes the buyer never confirm, so the
//     receipt deadline lapses (default true).
const (
	knobResendWindow  = "sandbox_resend_window"
	knobReceiptWindow = "sandbox_receipt_window"
	knobBuyerConfirms = "sandbox_buyer_confirms"
)

const (
	defaultResendWindow  = 48 * time.Hour
	defaultReceiptWindow = 10 * 24 * time.Hour
)

// isTOPExchange reports whether a native TOP object is an exchange: only
// exchanges carry a dispute_id.
func isTOPExchange(n map[string]any) bool {
	_, ok := n["dispute_id"]
	return ok
}

// topExchangeRecord reports whether a stored TOP case is an exchange.
func topExchangeRecord(r *record) bool { return strings.HasPrefix(r.id, topExchangePrefix) }

// prepareExchange validates a Tmall exchange object and fills its
// bookkeeping fields.
func (t *topSim) prepareExchange(r *record, now time.Time) error {
	n := r.native
	id := getString(n, "dispute_id")
	if !isDigits(id) {
		return fmt.Errorf("case.dispute_id is required and must be a decimal id, got %q", id)
	}
	// Typed String in the API: ids and status travel as JSON strings.
	for _, k := range []string{"dispute_id", "biz_order_id", "status"} {
		if v := getString(n, k); v != "" {
			n[k] = v
		}
	}
	for _, k := range []string{"num", "refund_version", "cs_status"} {
		if s, ok := n[k].(string); ok && isDigits(s) {
			n[k] = json.Number(s)
		}
	}
	if getString(n, "status") == "" {
		n["status"] = exWaitSeller
	}
	for _, k := range []string{"created", "modified"} {
		if getString(n, k) == "" {
			n[k] = topTime(now)
		} else if _, err := parseTOPTime(getString(n, k)); err != nil {
			return fmt.Errorf("case.%s must be %q in GMT+8: %v", k, topLayout, err)
		}
	}
	if getString(n, "refund_version") == "" {
		n["refund_version"] = versionNumber(t.s.clock.version(now))
	}
	for _, k := range []string{"price", "payment"} {
		if v := getString(n, k); v != "" {
			if _, err := parseFen(v); err != nil {
				return fmt.Errorf("case.%s: %v", k, err)
			}
		}
	}
	// time_out may be absent (no deadline) or in any form: one the sandbox
	// cannot read as a TOP timestamp never lapses, which is how tests
	// exercise the client's defensive parsing.
	if _, ok := n["time_out"]; !ok {
		n["time_out"] = ""
	}
	r.shipAt = time.Time{}
	switch getString(n, "status") {
	case exWaitBuyerReturn:
		if buyerShips(n) {
			r.shipAt = now.Add(t.s.buyerShipAfter)
		}
	case exWaitBuyerReceipt:
		if buyerConfirms(n) {
			r.shipAt = now.Add(t.s.buyerShipAfter)
		}
	}
	r.id = topExchangePrefix + id
	return nil
}

// advanceExchange applies every move due by now, in order.
func (t *topSim) advanceExchange(r *record, now time.Time) {
	for range 10 { // an exchange makes at most five moves on its own
		status, at := exchangeNext(r)
		if status == "" || at.After(now) {
			return
		}
		d, hasDeadline := exchangeDeadline(r.native)
		t.moveExchange(r, status, at)
		r.noteMove(at, hasDeadline && at.Equal(d))
		t.s.log.Info("sandbox platform move", "platform", PlatformTaobao, "shop", r.shop,
			"case_id", r.id, "status", status, "at", at)
	}
}

// exchangeNext returns the move the platform (system timeout) or the buyer
// makes next on its own, and when; "" if none. What TOP does at a timeout
// is UNCONFIRMED (PLATFORMS.md §1.5); the sandbox assumes what Taobao does
// for refunds: a silent seller loses, a silent buyer loses the request.
func exchangeNext(r *record) (string, time.Time) {
	n := r.native
	deadline, hasDeadline := exchangeDeadline(n)
	buyerFirst := !r.shipAt.IsZero() && (!hasDeadline || !r.shipAt.After(deadline))
	switch getString(n, "status") {
	case exWaitSeller:
		if hasDeadline {
			return exWaitBuyerReturn, deadline // agreed with the shop's default address
		}
	case exWaitBuyerReturn:
		if buyerFirst {
			return exWaitSellerReceipt, r.shipAt // buyer ships the goods back
		}
		if hasDeadline {
			return exClosed, deadline // buyer never shipped
		}
	case exWaitSellerReceipt:
		if hasDeadline {
			return exWaitSellerResend, deadline // receipt confirmed for the seller
		}
	case exWaitBuyerModify:
		if hasDeadline {
			return exClosed, deadline // buyer never modified the refused request
		}
	case exWaitSellerResend:
		if hasDeadline {
			return exRefund, deadline // seller never resent: the buyer gets a refund
		}
	case exWaitBuyerReceipt:
		if buyerFirst {
			return exSuccess, r.shipAt // buyer confirms receiving the replacement
		}
		if hasDeadline {
			return exSuccess, deadline // receipt confirmed for the buyer
		}
	}
	return "", time.Time{}
}

// moveExchange sets a new status made at at: new modified and
// refund_version, and the time_out of the new status.
func (t *topSim) moveExchange(r *record, status string, at time.Time) {
	n := r.native
	n["status"] = status
	n["modified"] = topTime(at)
	n["refund_version"] = versionNumber(t.s.clock.version(at))
	r.shipAt = time.Time{}
	timeout := time.Duration(0)
	switch status {
	case exWaitBuyerReturn:
		timeout = getSeconds(n, knobReturnWindow, defaultReturnWindow)
		if buyerShips(n) {
			r.shipAt = at.Add(t.s.buyerShipAfter)
		}
	case exWaitSellerReceipt:
		n["good_status"] = "买家已退货"
		n["buyer_logistic_name"] = "圆通速递"
		n["buyer_logistic_no"] = "YT" + strings.TrimPrefix(r.id, topExchangePrefix)
		timeout = getSeconds(n, knobConfirmWindow, defaultConfirmWindow)
	case exWaitBuyerModify:
		timeout = getSeconds(n, knobReturnWindow, defaultReturnWindow)
	case exWaitSellerResend:
		n["good_status"] = "卖家已收到退货"
		timeout = getSeconds(n, knobResendWindow, defaultResendWindow)
	case exWaitBuyerReceipt:
		timeout = getSeconds(n, knobReceiptWindow, defaultReceiptWindow)
		if buyerConfirms(n) {
			r.shipAt = at.Add(t.s.buyerShipAfter)
		}
	}
	// Closed, successful and refund-turned exchanges wait on no one here.
	n["time_out"] = ""
	if timeout > 0 {
		n["time_out"] = topTime(at.Add(timeout))
	}
}

// exchangeDeadline reads time_out as a TOP timestamp.
func exchangeDeadline(n map[string]any) (time.Time, bool) {
	d, err := parseTOPTime(getString(n, "time_out"))
	return d, err == nil
}

func buyerConfirms(n map[string]any) bool {
	if _, ok := n[knobBuyerConfirms]; !ok {
		return true
	}
	return getBool(n, knobBuyerConfirms)
}
