package sandbox

// Xiaoe after-sale lifecycle: the moves the platform makes on its own,
// evaluated lazily (advance) at the logical time they happened:
//   - 0 未受理 / 2 商家受理中 past state_invalid_time → 3 商家逾期未处理.
//     Whether Xiaoe then refunds by itself is UNCONFIRMED: the sandbox does
//     not, the application waits for a person.
//   - 11 商家退款中 (after xe.order.refund) → 13 退款完成 after RefundAfter.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// xiaoeNoTime is Xiaoe's "unset" date (PHP's zero date, as in the seed).
const xiaoeNoTime = "-0001-11-30 00:00:00"

// knobRefundAt is when a refund in progress completes, in Unix ms (never
// shown by the API).
const knobRefundAt = "sandbox_refund_at"

// xiaoeStateNames are the state_str values: the documented state names,
// except that finished after-sales read 售后成功 as in the seed.
var xiaoeStateNames = map[int]string{
	0: "未受理", 1: "用户取消", 2: "商家受理中", 3: "商家逾期未处理", 4: "商家拒绝退款",
	5: "商家拒绝退货退款", 6: "待买家退货", 7: "退货退款关闭", 8: "待商家收货", 11: "商家退款中",
	12: "商家逾期未退款", 13: "售后成功", 14: "售后成功", 15: "售后成功", 16: "待商家发货",
	17: "待用户确认收货", 18: "商家拒绝换货", 19: "商家已收到货",
}

var xiaoeSaleTypeNames = map[int]string{1: "退款", 2: "退货退款", 3: "换货"}

// prepare validates an after-sale application (as after_sale.detail returns
// it) and fills its bookkeeping fields.
func (x *xiaoeSim) prepare(r *record, now time.Time) error {
	n := r.native
	id := getString(n, "aftersale_id")
	if id == "" {
		return fmt.Errorf("case.aftersale_id is required")
	}
	n["aftersale_id"] = id
	for _, k := range []string{"order_id", "sku_id"} {
		if _, ok := n[k]; ok {
			n[k] = getString(n, k)
		}
	}
	defaults := map[string]int{"state": 0, "sale_type": 1, "apply_refund_money": 0, "refund_money": 0}
	for k, def := range defaults {
		v, err := xiaoeInt(n, k, def)
		if err != nil || v < 0 {
			return fmt.Errorf("case.%s must be a non-negative integer, got %q", k, getString(n, k))
		}
		n[k] = xiaoeNumber(v)
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if getString(n, k) == "" {
			n[k] = xiaoe.FormatTime(now)
		}
	}
	for _, k := range []string{"invalid_time", "state_invalid_time"} {
		if getString(n, k) == "" {
			n[k] = xiaoeNoTime
		}
	}
	for _, k := range []string{"created_at", "updated_at", "invalid_time", "state_invalid_time"} {
		if _, err := xiaoe.ParseTime(getString(n, k)); err != nil {
			return fmt.Errorf("case.%s must be %q in GMT+8: %v", k, xiaoe.TimeLayout, err)
		}
	}
	if getString(n, "sale_type_name") == "" {
		st, _ := xiaoeInt(n, "sale_type", 1)
		n["sale_type_name"] = xiaoeSaleTypeNames[st]
	}
	state, _ := xiaoeInt(n, "state", 0)
	n["state_str"] = xiaoeStateNames[state]
	r.id = id
	return nil
}

// advance applies every move due by now, in order, each at its own time.
func (x *xiaoeSim) advance(r *record, now time.Time) {
	for range 5 { // an application makes at most two moves on its own
		state, at := xiaoeNext(r.native)
		if state < 0 || at.After(now) {
			return
		}
		x.move(r, state, at)
		r.noteMove(at, state == 3) // 3 商家逾期未处理: the state deadline passed
		x.s.log.Info("sandbox platform move", "platform", PlatformXiaoe, "shop", r.shop,
			"case_id", r.id, "state", state, "at", at)
	}
}

// deadline is the application's state_invalid_time, when set.
func (x *xiaoeSim) deadline(r *record) (time.Time, bool) {
	d, err := xiaoe.ParseTime(getString(r.native, "state_invalid_time"))
	return d, err == nil && !d.IsZero()
}

// xiaoeNext returns the move the platform makes next on its own, and when;
// -1 if none.
func xiaoeNext(n map[string]any) (int, time.Time) {
	state, _ := xiaoeInt(n, "state", 0)
	switch state {
	case 0, 2:
		if d, _ := xiaoe.ParseTime(getString(n, "state_invalid_time")); !d.IsZero() {
			return 3, d
		}
	case 11:
		if ms, err := strconv.ParseInt(getString(n, knobRefundAt), 10, 64); err == nil {
			return 13, time.UnixMilli(ms)
		}
	}
	return -1, time.Time{}
}

// move sets a new state made at at, with its updated_at and deadline.
func (x *xiaoeSim) move(r *record, state int, at time.Time) {
	n := r.native
	n["state"] = xiaoeNumber(state)
	n["state_str"] = xiaoeStateNames[state]
	n["updated_at"] = xiaoe.FormatTime(at)
	// No state the sandbox moves to has a deadline of its own.
	n["state_invalid_time"] = xiaoeNoTime
	delete(n, knobRefundAt)
	switch state {
	case 11:
		n[knobRefundAt] = xiaoeNumber64(at.Add(x.refundAfter).UnixMilli())
	case 13:
		n["refund_time"] = xiaoe.FormatTime(at)
		n["state_reason"] = "退款成功"
	case 3:
		n["state_reason"] = "商家逾期未处理"
	}
}

// xiaoeInt reads an integer field, def when absent.
func xiaoeInt(n map[string]any, k string, def int) (int, error) {
	s := getString(n, k)
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}

func xiaoeNumber(v int) json.Number     { return json.Number(strconv.Itoa(v)) }
func xiaoeNumber64(v int64) json.Number { return json.Number(strconv.FormatInt(v, 10)) }
