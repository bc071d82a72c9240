package sandbox

// Xiaoe after-sale endpoints: xe.ecommerce.after_sale.list,
// xe.ecommerce.after_sale.detail and xe.order.refund (a merchant refund of
// an order's sku; the sandbox applies it to the refund-only application of
// that order and sku that awaits the merchant).

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// xiaoeSalesStates are the sales_state filter's groups of states.
var xiaoeSalesStates = map[int][]int{
	1: {0, 2},                 // 待商家处理
	2: {13, 14, 15},           // 售后成功
	6: {6, 8, 11, 16, 17, 19}, // 售后中
	3: {1},                    // 已撤销
}

// xiaoeDateFields maps date_type to the field it filters and sorts on.
var xiaoeDateFields = map[string]string{
	"created_at": "created_at", "updated_at": "updated_at",
	"apply_time": "created_at", "refund_time": "refund_time",
}

const xiaoeMaxPageSize = 100

func (x *xiaoeSim) list(c *xiaoeCall) (any, *xiaoeError) {
	b := c.body
	size, err := xiaoeIntParam(b, "page_size", true, 1, xiaoeMaxPageSize)
	if err != nil {
		return nil, err
	}
	page, err := xiaoeIntParam(b, "page_index", true, 1, 1<<30)
	if err != nil {
		return nil, err
	}
	from, to, ok := strings.Cut(getString(b, "created_at"), "||")
	if !ok || !xiaoeDate(from) || !xiaoeDate(to) || from > to {
		return nil, xeBadParam("created_at 须为 YYYY-MM-DD||YYYY-MM-DD")
	}
	dateType := getString(b, "date_type")
	if dateType == "" {
		dateType = "created_at"
	}
	field, ok := xiaoeDateFields[dateType]
	if !ok {
		return nil, xeBadParam("date_type 须为 created_at、updated_at、refund_time 或 apply_time")
	}
	var states []int
	if s := getString(b, "sales_state"); s != "" && s != "-1" {
		n, _ := strconv.Atoi(s)
		if states, ok = xiaoeSalesStates[n]; !ok {
			return nil, xeBadParam("sales_state 取值 -1、1、2、3、6")
		}
	}
	id, order := getString(b, "aftersale_id"), getString(b, "order_id")

	x.s.touch()
	defer x.s.mu.Unlock()
	var rs []*record
	for _, r := range x.s.sorted(PlatformXiaoe, c.shop) {
		n := r.native
		state, _ := xiaoeInt(n, "state", 0)
		day := getString(n, field)
		if len(day) >= 10 {
			day = day[:10]
		}
		if !xiaoeDate(day) || day < from || day > to ||
			(states != nil && !slices.Contains(states, state)) ||
			(id != "" && r.id != id) || (order != "" && getString(n, "order_id") != order) {
			continue
		}
		rs = append(rs, r)
	}
	// Newest first by the date_type field, as Xiaoe sorts; the fixed
	// layout orders as its times do.
	sort.SliceStable(rs, func(i, j int) bool { return getString(rs[i].native, field) > getString(rs[j].native, field) })
	start := min((page-1)*size, len(rs))
	end := min(start+size, len(rs))
	list := make([]any, 0, end-start)
	for _, r := range rs[start:end] {
		list = append(list, xiaoeView(r.native))
	}
	return map[string]any{"list": list, "row_count": len(rs)}, nil
}

func (x *xiaoeSim) detail(c *xiaoeCall) (any, *xiaoeError) {
	id := getString(c.body, "aftersale_id")
	if id == "" {
		return nil, xeBadParam("缺少 aftersale_id")
	}
	x.s.touch()
	defer x.s.mu.Unlock()
	r := x.s.find(PlatformXiaoe, c.shop, id)
	if r == nil {
		return nil, &xiaoeError{Code: xiaoe.CodeNotFound, Msg: "售后单不存在"}
	}
	return xiaoeView(r.native), nil
}

func (x *xiaoeSim) refund(c *xiaoeCall) (any, *xiaoeError) {
	b := c.body
	order, sku := getString(b, "order_id"), getString(b, "sku_id")
	switch {
	case order == "":
		return nil, xeBadParam("缺少 order_id")
	case sku == "":
		return nil, xeBadParam("缺少 sku_id")
	case getString(b, "refund_operator") == "" && getString(b, "user_phone") == "":
		return nil, xeBadParam("refund_operator 与 user_phone 须填其一")
	}
	price, err := xiaoeIntParam(b, "refund_price", true, 1, 1<<40)
	if err != nil {
		return nil, err
	}
	if _, err := xiaoeIntParam(b, "is_purchase_delete_flag", false, 0, 1); err != nil {
		return nil, err
	}

	now := x.s.touch()
	defer x.s.mu.Unlock()
	r, found := x.refundTarget(c.shop, order, sku)
	if !found {
		return nil, &xiaoeError{Code: xiaoe.CodeNotFound, Msg: "订单不存在"}
	}
	if r == nil {
		e := &xiaoeError{Code: xiaoe.CodeStateConflict, Msg: "该订单没有待商家处理的仅退款售后单，不可退款"}
		x.logAction(c, "", e)
		return nil, e
	}
	apply, _ := xiaoeInt(r.native, "apply_refund_money", 0)
	if price > apply {
		e := &xiaoeError{Code: xiaoe.CodeStateConflict, Msg: fmt.Sprintf("退款金额 %d 超过可退金额 %d", price, apply)}
		x.logAction(c, r.id, e)
		return nil, e
	}
	r.native["refund_money"] = xiaoeNumber(price)
	x.move(r, 11, now)
	x.logAction(c, r.id, nil)
	refundType := 1
	if price < apply {
		refundType = 2
	}
	x.mu.Lock()
	x.seq++
	refundID := fmt.Sprintf("r_%d_%d", now.Unix(), x.seq)
	x.mu.Unlock()
	return map[string]any{"refund_id": refundID, "refund_type": refundType, "is_async": 1}, nil
}

// refundTarget finds the refund-only application of an order's sku that
// awaits the merchant. found reports whether the shop has any application
// of that order and sku at all. Called with s.mu held.
func (x *xiaoeSim) refundTarget(shop, order, sku string) (r *record, found bool) {
	for _, c := range x.s.sorted(PlatformXiaoe, shop) {
		n := c.native
		if order == "" || getString(n, "order_id") != order || getString(n, "sku_id") != sku {
			continue
		}
		found = true
		state, _ := xiaoeInt(n, "state", 0)
		saleType, _ := xiaoeInt(n, "sale_type", 1)
		if (state == 0 || state == 2) && saleType == 1 {
			return c, true
		}
	}
	return nil, found
}

// xiaoeView is an application as the API shows it: without sandbox knobs.
func xiaoeView(n map[string]any) map[string]any {
	out := cloneNative(n)
	for k := range out {
		if strings.HasPrefix(k, knobPrefix) {
			delete(out, k)
		}
	}
	return out
}

// xiaoeIntParam reads an integer body parameter within lo..hi.
func xiaoeIntParam(b map[string]any, k string, required bool, lo, hi int) (int, *xiaoeError) {
	s := getString(b, k)
	if s == "" {
		if required {
			return 0, xeBadParam("缺少 " + k)
		}
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, xeBadParam(fmt.Sprintf("%s 须为 %d 到 %d 的整数", k, lo, hi))
	}
	return n, nil
}

// xiaoeDate reports whether s is a YYYY-MM-DD date.
func xiaoeDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}
