package sandbox

// TOP refund lifecycle: the status moves of docs/top-wire.md "Status
// moves", the deadlines the platform enforces itself, and simulated buyers
// shipping returns. Moves are evaluated lazily (advance) on every request
// that touches cases, at the logical time they happened.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// TOP refund statuses.
const (
	topWaitSellerAgree   = "WAIT_SELLER_AGREE"
	topWaitBuyerReturn   = "WAIT_BUYER_RETURN_GOODS"
	topWaitSellerConfirm = "WAIT_SELLER_CONFIRM_GOODS"
	topSellerRefused     = "SELLER_REFUSE_BUYER"
	topClosed            = "CLOSED"
	topSuccess           = "SUCCESS"
)

// refund_remind_timeout.remind_type values the sandbox uses: who must act
// by the timeout. TOP does not document the enum; this is a sandbox
// convention.
const (
	remindSellerAgree   = 1
	remindBuyerReturn   = 2
	remindSellerConfirm = 3
)

// Per-case knobs a stored case may carry (never shown by the TOP API):
//   - sandbox_confirm_window: seconds the seller has to confirm returned
//     goods once the buyer shipped them (default 48h);
//   - sandbox_return_window: seconds the buyer has to ship a return once
//     agreed (default 7 days);
//   - sandbox_buyer_ships: false makes the buyer never ship, so the buyer
//     deadline lapses and the case closes (default true).
const (
	knobConfirmWindow = "sandbox_confirm_window"
	knobReturnWindow  = "sandbox_return_window"
	knobBuyerShips    = "sandbox_buyer_ships"
	knobPrefix        = "sandbox_"
)

const (
	defaultConfirmWindow = 48 * time.Hour
	defaultReturnWindow  = 7 * 24 * time.Hour
)

// topIDFields are the numeric fields a stored case may give as strings.
var topIDFields = []string{"refund_id", "tid", "oid", "refund_version", "cs_status", "num"}

// prepare validates a TOP refund object (or, with a dispute_id, a Tmall
// exchange: top_exchange.go) and fills its bookkeeping fields.
func (t *topSim) prepare(r *record, now time.Time) error {
	n := r.native
	if isTOPExchange(n) {
		return t.prepareExchange(r, now)
	}
	id := getString(n, "refund_id")
	if !isDigits(id) {
		return fmt.Errorf("case.refund_id is required and must be a decimal id, got %q", id)
	}
	for _, k := range topIDFields {
		if s, ok := n[k].(string); ok && isDigits(s) {
			n[k] = json.Number(s)
		}
	}
	if getString(n, "status") == "" {
		n["status"] = topWaitSellerAgree
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
	if _, ok := n["has_good_return"]; !ok {
		n["has_good_return"] = false
	}
	if fee := getString(n, "refund_fee"); fee != "" {
		if _, err := parseFen(fee); err != nil {
			return fmt.Errorf("case.refund_fee: %v", err)
		}
	}
	switch rt := n["refund_remind_timeout"].(type) {
	case nil:
		n["refund_remind_timeout"] = map[string]any{"exist_timeout": false}
	case map[string]any:
		if getBool(rt, "exist_timeout") {
			if _, err := parseTOPTime(getString(rt, "timeout")); err != nil {
				return fmt.Errorf("case.refund_remind_timeout.timeout: %v", err)
			}
		}
	default:
		return fmt.Errorf("case.refund_remind_timeout must be an object")
	}
	if getString(n, "status") == topWaitBuyerReturn && buyerShips(n) {
		r.shipAt = now.Add(t.s.buyerShipAfter)
	}
	r.id = id
	return nil
}

// advance applies every move due by now, in order, each at its own time.
func (t *topSim) advance(r *record, now time.Time) {
	if topExchangeRecord(r) {
		t.advanceExchange(r, now)
		return
	}
	for range 10 { // a case makes at most three moves on its own
		status, at := topNext(r)
		if status == "" || at.After(now) {
			return
		}
		d, hasDeadline := topDeadline(r.native)
		t.move(r, status, at)
		r.noteMove(at, hasDeadline && at.Equal(d))
		t.s.log.Info("sandbox platform move", "platform", PlatformTaobao, "shop", r.shop,
			"case_id", r.id, "status", status, "at", at)
	}
}

// deadline is the refund's refund_remind_timeout, or an exchange's time_out.
func (t *topSim) deadline(r *record) (time.Time, bool) {
	if topExchangeRecord(r) {
		d, ok := exchangeDeadline(r.native)
		return d, ok && !d.IsZero()
	}
	return topDeadline(r.native)
}

// topNext returns the move the platform or the buyer makes next on its
// own, and when; "" if none.
func topNext(r *record) (string, time.Time) {
	n := r.native
	deadline, hasDeadline := topDeadline(n)
	switch getString(n, "status") {
	case topWaitSellerAgree:
		if !hasDeadline {
			break
		}
		if getBool(n, "has_good_return") {
			return topWaitBuyerReturn, deadline // seller silent: return agreed
		}
		return topSuccess, deadline // seller silent: refund paid
	case topWaitBuyerReturn:
		if !r.shipAt.IsZero() && (!hasDeadline || !r.shipAt.After(deadline)) {
			return topWaitSellerConfirm, r.shipAt // buyer ships
		}
		if hasDeadline {
			return topClosed, deadline // buyer never shipped
		}
	case topWaitSellerConfirm:
		if hasDeadline {
			return topSuccess, deadline // seller silent: refund paid
		}
	}
	return "", time.Time{}
}

// move sets a new status made at at: new refund_version and modified, and
// the deadline of the new status.
func (t *topSim) move(r *record, status string, at time.Time) {
	n := r.native
	n["status"] = status
	n["modified"] = topTime(at)
	n["refund_version"] = versionNumber(t.s.clock.version(at))
	r.shipAt = time.Time{}
	switch status {
	case topWaitBuyerReturn:
		setTimeout(n, at.Add(getSeconds(n, knobReturnWindow, defaultReturnWindow)), remindBuyerReturn)
		if buyerShips(n) {
			r.shipAt = at.Add(t.s.buyerShipAfter)
		}
	case topWaitSellerConfirm:
		n["good_status"] = "BUYER_RETURNED_GOODS"
		setTimeout(n, at.Add(getSeconds(n, knobConfirmWindow, defaultConfirmWindow)), remindSellerConfirm)
	default:
		// Refused, closed and successful refunds wait on no one here.
		n["refund_remind_timeout"] = map[string]any{"exist_timeout": false}
	}
	t.publishRefund(r, at)
}

// setTimeout replaces (never mutates: answers may still hold the old map)
// the case's refund_remind_timeout.
func setTimeout(n map[string]any, deadline time.Time, remindType int) {
	n["refund_remind_timeout"] = map[string]any{
		"exist_timeout": true,
		"remind_type":   remindType,
		"timeout":       topTime(deadline),
	}
}

// topDeadline reads refund_remind_timeout.
func topDeadline(n map[string]any) (time.Time, bool) {
	rt, ok := n["refund_remind_timeout"].(map[string]any)
	if !ok || !getBool(rt, "exist_timeout") {
		return time.Time{}, false
	}
	d, err := parseTOPTime(getString(rt, "timeout"))
	return d, err == nil
}

func buyerShips(n map[string]any) bool {
	if _, ok := n[knobBuyerShips]; !ok {
		return true
	}
	return getBool(n, knobBuyerShips)
}

func versionNumber(v int64) json.Number { return json.Number(strconv.FormatInt(v, 10)) }
