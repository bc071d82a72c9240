package sandbox

// Xportcn after-sale lifecycle, seen from the buyer (us): the simulated
// Taobao seller answers our request after a delay, deadlines lapse the way
// Taobao rules them, and our own actions (cancel, ship the return) move the
// case. Moves are evaluated lazily (advance), each at the logical time it
// happened.
//
// A stored case is one element of queryList's refundOrderAggregates
// ({logistics, subUserId, refundOrder, purchaseOrderLine}) plus sandbox
// knobs at its top level, never shown by the API:
//   - sandbox_seller: what the seller does with a pending request: "agree"
//     (default), "refuse" or "none" (never answers: its deadline lapses);
//   - sandbox_seller_after: seconds the seller takes (default
//     XportcnOptions.SellerAfter);
//   - sandbox_return_window, sandbox_confirm_window, sandbox_modify_window:
//     seconds of the deadlines set by moves (defaults 7d, 10d, 7d);
//   - sandbox_created: when the request was made, epoch ms (the list's
//     time filter); default: when stored;
//   - sandbox_order_status: the purchase order's status on the order page
//     (default 11, shipped);
//   - sandbox_seller_at: when the seller acts next, epoch ms (kept by the
//     simulator).

import (
	"fmt"
	"strconv"
	"time"
)

// refundStatus values: "100" is the one the docs show; the others are the
// sandbox convention that xportcn.SandboxStatuses names (UNCONFIRMED).
const (
	xpWaitSellerAgree   = "100"
	xpWaitBuyerReturn   = "200"
	xpWaitSellerConfirm = "300"
	xpSellerRefused     = "400"
	xpSuccess           = "500"
	xpClosed            = "600"
)

// timeoutType values: who must act by timeoutDate (see xportcn.TimeoutTypes
// and xportcn.SandboxTimeoutTypes).
const (
	xpTimeoutSellerAgree   = "sAgreeRefundT"
	xpTimeoutBuyerReturn   = "bReturnGoodsT"
	xpTimeoutSellerConfirm = "sConfirmGoodsT"
	xpTimeoutBuyerModify   = "bModifyRefundT"
)

const (
	xpKnobSeller        = "sandbox_seller"
	xpKnobSellerAfter   = "sandbox_seller_after"
	xpKnobSellerAt      = "sandbox_seller_at"
	xpKnobReturnWindow  = "sandbox_return_window"
	xpKnobConfirmWindow = "sandbox_confirm_window"
	xpKnobModifyWindow  = "sandbox_modify_window"
	xpKnobCreated       = "sandbox_created"
	xpKnobOrderStatus   = "sandbox_order_status"
)

const (
	xpAgreeWindow   = 48 * time.Hour
	xpReturnWindow  = 7 * 24 * time.Hour
	xpConfirmWindow = 10 * 24 * time.Hour
	xpModifyWindow  = 7 * 24 * time.Hour
)

// xpRefuseReason is what the simulated seller gives when refusing.
const xpRefuseReason = "商品已发出，请签收后申请退货退款"

// prepare validates an aggregate and fills its defaults.
func (x *xportcnSim) prepare(r *record, now time.Time) error {
	n := r.native
	ro, ok := n["refundOrder"].(map[string]any)
	if !ok {
		return fmt.Errorf("case.refundOrder is required: an element of refundOrderAggregates")
	}
	id := getString(ro, "refundId")
	if !isDigits(id) {
		return fmt.Errorf("case.refundOrder.refundId is required and must be a decimal id, got %q", id)
	}
	ro["refundId"] = id                                // the API sends it as a string
	ro["refundStatus"] = getString(ro, "refundStatus") // a string, as the seed shows it
	if ro["refundStatus"] == "" {
		ro["refundStatus"] = xpWaitSellerAgree
	}
	if fee := getString(ro, "refundFee"); !isDigits(fee) {
		return fmt.Errorf("case.refundOrder.refundFee must be whole fen, got %q", fee)
	}
	if getString(ro, "refundType") == "" {
		ro["refundType"] = 1
	}
	for _, k := range []string{"timeoutType", "sellerRefuseReason"} {
		if _, ok := ro[k]; !ok {
			ro[k] = nil
		}
	}
	if _, ok := ro["timeoutDate"]; !ok && ro["refundStatus"] == xpWaitSellerAgree {
		// Taobao always gives the seller a deadline on a new request.
		setXPTimeout(ro, xpTimeoutSellerAgree, now.Add(xpAgreeWindow))
	}
	if d := getString(ro, "timeoutDate"); d != "" {
		if !isDigits(d) {
			return fmt.Errorf("case.refundOrder.timeoutDate must be epoch milliseconds, got %q", d)
		}
		ro["timeoutDate"] = d // a string, as the seed shows it
	} else {
		ro["timeoutDate"] = nil
	}
	if _, ok := n["logistics"]; !ok {
		n["logistics"] = nil
	}
	if _, ok := n["subUserId"]; !ok {
		n["subUserId"] = nil
	}
	if getString(n, xpKnobCreated) == "" {
		n[xpKnobCreated] = xpMsNumber(now)
	}
	if s := getString(n, xpKnobSeller); s != "" && s != "agree" && s != "refuse" && s != "none" {
		return fmt.Errorf("case.%s must be agree, refuse or none, got %q", xpKnobSeller, s)
	}
	if getString(n, xpKnobSellerAt) == "" {
		x.scheduleSeller(n, now)
	}
	r.id = id
	return nil
}

// advance applies every move due by now, in order, each at its own time.
func (x *xportcnSim) advance(r *record, now time.Time) {
	for range 10 { // a case makes at most three moves on its own
		status, at := xpNext(r.native)
		if status == "" || at.After(now) {
			return
		}
		ro, _ := r.native["refundOrder"].(map[string]any)
		d, hasDeadline := xpDeadline(ro)
		x.move(r.native, status, at)
		r.noteMove(at, hasDeadline && at.Equal(d))
		x.s.log.Info("sandbox platform move", "platform", PlatformXportcn, "shop", r.shop,
			"case_id", r.id, "status", status, "at", at)
	}
}

// deadline is the request's timeoutDate, when set.
func (x *xportcnSim) deadline(r *record) (time.Time, bool) {
	ro, _ := r.native["refundOrder"].(map[string]any)
	return xpDeadline(ro)
}

// xpNext returns the move the seller or Taobao makes next on its own, and
// when; "" if none.
func xpNext(n map[string]any) (string, time.Time) {
	ro, _ := n["refundOrder"].(map[string]any)
	deadline, hasDeadline := xpDeadline(ro)
	sellerAt, sellerActs := xpMsTime(getString(n, xpKnobSellerAt))
	sellerFirst := sellerActs && (!hasDeadline || !sellerAt.After(deadline))
	isReturn := getString(ro, "refundType") == "2"
	switch getString(ro, "refundStatus") {
	case xpWaitSellerAgree:
		agreed := xpSuccess // refund-only: the seller (or the lapse) pays
		if isReturn {
			agreed = xpWaitBuyerReturn // return: we ship the goods back first
		}
		switch {
		case sellerFirst && getString(n, xpKnobSeller) == "refuse":
			return xpSellerRefused, sellerAt
		case sellerFirst:
			return agreed, sellerAt
		case hasDeadline:
			return agreed, deadline // the seller let it lapse: Taobao sides with the buyer
		}
	case xpWaitSellerConfirm:
		switch {
		case sellerFirst:
			return xpSuccess, sellerAt // the seller confirms receipt: refunded
		case hasDeadline:
			return xpSuccess, deadline // the seller let it lapse: refunded
		}
	case xpWaitBuyerReturn, xpSellerRefused:
		if hasDeadline {
			return xpClosed, deadline // we let our deadline lapse: the request closes
		}
	}
	return "", time.Time{}
}

// move sets a new status made at at, with the deadline it carries.
func (x *xportcnSim) move(n map[string]any, status string, at time.Time) {
	ro := n["refundOrder"].(map[string]any)
	ro["refundStatus"] = status
	delete(n, xpKnobSellerAt)
	switch status {
	case xpWaitBuyerReturn:
		setXPTimeout(ro, xpTimeoutBuyerReturn, at.Add(getSeconds(n, xpKnobReturnWindow, xpReturnWindow)))
	case xpWaitSellerConfirm:
		setXPTimeout(ro, xpTimeoutSellerConfirm, at.Add(getSeconds(n, xpKnobConfirmWindow, xpConfirmWindow)))
		x.scheduleSeller(n, at)
	case xpSellerRefused:
		ro["sellerRefuseReason"] = xpRefuseReason
		setXPTimeout(ro, xpTimeoutBuyerModify, at.Add(getSeconds(n, xpKnobModifyWindow, xpModifyWindow)))
	default:
		// Finished: nobody waits on anyone.
		ro["timeoutType"], ro["timeoutDate"] = nil, nil
	}
}

// scheduleSeller sets when the seller answers, if the case waits on it.
func (x *xportcnSim) scheduleSeller(n map[string]any, from time.Time) {
	ro, _ := n["refundOrder"].(map[string]any)
	st := getString(ro, "refundStatus")
	if (st != xpWaitSellerAgree && st != xpWaitSellerConfirm) || getString(n, xpKnobSeller) == "none" {
		return
	}
	n[xpKnobSellerAt] = xpMsNumber(from.Add(getSeconds(n, xpKnobSellerAfter, x.sellerAfter)))
}

func setXPTimeout(ro map[string]any, typ string, at time.Time) {
	ro["timeoutType"] = typ
	ro["timeoutDate"] = strconv.FormatInt(at.UnixMilli(), 10)
}

func xpDeadline(ro map[string]any) (time.Time, bool) {
	return xpMsTime(getString(ro, "timeoutDate"))
}

// xpMsTime reads epoch milliseconds; false when absent or not a number.
func xpMsTime(s string) (time.Time, bool) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

func xpMsNumber(t time.Time) any { return versionNumber(t.UnixMilli()) }
