package sandbox

// SHOPLINE endpoints: refunds of an order (list, get, calculate, create)
// and returns (query, return fulfillment).

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale/platforms/shopline"
)

// slOrder is an order as the sandbox knows it: from the returns and
// refunds that name it.
type slOrder struct {
	id            string
	currency      string // settlement currency
	storeCurrency string
	gateway       string
	paymentID     string
	lines         map[string]*slLine
	returns       []*record
	refunds       []*record
}

type slLine struct {
	id       string
	unit     int64 // minor units of the order currency
	returned int   // units in open or closed returns
	refunded int   // units in refunds whose money went out or is on its way
	ret      *record
	item     map[string]any // the line_item object
}

// order gathers an order's lines. Called with s.mu held; nil if nothing
// names the order.
func (x *shoplineSim) order(shop, orderID string) *slOrder {
	o := &slOrder{id: orderID, lines: map[string]*slLine{}}
	for _, r := range x.s.sorted(PlatformShopline, shop) {
		if getString(r.native, "order_id") != orderID {
			continue
		}
		if r.native["return_line_items"] != nil {
			o.returns = append(o.returns, r)
		} else {
			o.refunds = append(o.refunds, r)
		}
	}
	if len(o.returns) == 0 && len(o.refunds) == 0 {
		return nil
	}
	for _, r := range o.returns {
		n := r.native
		if o.currency == "" {
			o.currency, o.storeCurrency = getString(n, slKnobOrderCurrency), getString(n, slKnobStoreCurrency)
			o.gateway = firstOf(getString(n, slKnobGateway), "shopline_payments")
			o.paymentID = firstOf(getString(n, slKnobPaymentID), "PAY"+orderID)
		}
		cancelled := strings.EqualFold(getString(n, "status"), slCancelled)
		for _, l := range slList(n, "return_line_items") {
			id := getString(l, "line_item_id")
			line := o.lines[id]
			if line == nil {
				unit, _ := shopline.Minor(shopline.Text(slUnitPrice(l)), o.currency)
				line = &slLine{id: id, unit: unit, ret: r, item: slMap(slMap(l, "fulfillment_line_item"), "line_item")}
				o.lines[id] = line
			}
			if !cancelled {
				q, _ := shopline.Text(getString(l, "quantity")).Int()
				line.returned += q
			}
		}
	}
	for _, r := range o.refunds {
		if !slPaying(r.native) {
			continue
		}
		for _, l := range slList(r.native, "refund_line_items") {
			if line := o.lines[getString(l, "line_item_id")]; line != nil {
				q, _ := shopline.Text(getString(l, "quantity")).Int()
				line.refunded += q
			}
		}
	}
	return o
}

// slPaying reports whether a refund's money went out or is on its way: a
// failed refund leaves its lines refundable.
func slPaying(refund map[string]any) bool {
	for _, t := range slList(refund, "transactions") {
		if s := getString(t, "status"); s == "failure" || s == "error" {
			return false
		}
	}
	return true
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// checkCurrency is the documented check: no currency is fine only when the
// settlement currency is the store's; a given one must be the settlement
// currency. Either way: "currency must be X".
func (o *slOrder) checkCurrency(given string) *slError {
	if given == "" && o.currency != o.storeCurrency || given != "" && given != o.currency {
		return slUnprocessable("currency must be " + o.currency)
	}
	return nil
}

// slPriced is a requested refund line with its price.
type slPriced struct {
	line     *slLine
	quantity int
	typ      string
	subtotal int64
}

// price checks requested refund lines against the order.
func (o *slOrder) price(req []map[string]any) ([]slPriced, int64, *slError) {
	if len(req) == 0 {
		return nil, 0, slUnprocessable("refund_line_items is required")
	}
	var out []slPriced
	var total int64
	seen := map[string]bool{}
	for _, l := range req {
		id, typ := getString(l, "line_item_id"), getString(l, "type")
		line := o.lines[id]
		switch {
		case line == nil:
			return nil, 0, slUnprocessable(fmt.Sprintf("line_item_id %s is not a line of order %s", id, o.id))
		case seen[id]:
			return nil, 0, slUnprocessable("line_item_id " + id + " is listed twice")
		case typ == "":
			return nil, 0, slUnprocessable("refund_line_items.type is required")
		case typ == "Unshipped":
			return nil, 0, slUnprocessable("line item " + id + " was shipped and returned: use type Returned")
		case typ != "Returned":
			return nil, 0, slUnprocessable("refund_line_items.type must be Unshipped or Returned")
		}
		q, err := shopline.Text(getString(l, "quantity")).Int()
		if err != nil || q == 0 {
			return nil, 0, slUnprocessable("refund_line_items.quantity must be a positive integer")
		}
		if left := line.returned - line.refunded; q > left {
			return nil, 0, slUnprocessable(fmt.Sprintf("quantity %d exceeds the %d refundable units of line item %s", q, left, id))
		}
		seen[id] = true
		p := slPriced{line: line, quantity: q, typ: typ, subtotal: line.unit * int64(q)}
		total += p.subtotal
		out = append(out, p)
	}
	return out, total, nil
}

// refundable is what is left to refund on the order's returned lines.
func (o *slOrder) refundable() int64 {
	var n int64
	for _, l := range o.lines {
		n += l.unit * int64(max(0, l.returned-l.refunded))
	}
	return n
}

func (x *shoplineSim) calculate(c *slCall) (any, *slError) {
	orderID := c.r.PathValue("order_id")
	x.s.touch()
	defer x.s.mu.Unlock()
	o := x.order(c.shop, orderID)
	if o == nil {
		return nil, slNotFound("order not found")
	}
	if e := o.checkCurrency(getString(c.body, "currency")); e != nil {
		return nil, e
	}
	priced, total, e := o.price(slList(c.body, "refund_line_items"))
	if e != nil {
		return nil, e
	}
	cur := o.currency
	lines := make([]any, 0, len(priced))
	for _, p := range priced {
		lines = append(lines, map[string]any{
			"line_item_id": p.line.id, "quantity": p.quantity, "type": p.typ,
			"price": shopline.Major(p.line.unit, cur), "subtotal": shopline.Major(p.subtotal, cur),
			"total_tax": shopline.Major(0, cur), "discount_total_amount": shopline.Major(0, cur),
		})
	}
	return map[string]any{"refund": map[string]any{
		"currency":          cur,
		"refund_line_items": lines,
		"shipping":          map[string]any{"amount": shopline.Major(0, cur), "maximum_refundable": shopline.Major(0, cur), "tax": shopline.Major(0, cur)},
		"transactions": []any{map[string]any{
			"kind": "suggested_refund", "gateway": o.gateway, "parent_id": o.paymentID, "order_id": o.id,
			"amount": shopline.Major(total, cur), "maximum_refundable": shopline.Major(o.refundable(), cur), "currency": cur,
		}},
	}}, nil
}

func (x *shoplineSim) createRefund(c *slCall) (any, *slError) {
	orderID := getString(c.body, "order_id")
	if orderID == "" {
		return nil, slBad("order_id is required")
	}
	txns := slList(c.body, "transactions")
	if len(txns) == 0 {
		return nil, slBad("transactions is required")
	}
	now := x.s.touch()
	defer x.s.mu.Unlock()
	o := x.order(c.shop, orderID)
	if o == nil {
		return nil, slNotFound("order not found")
	}
	if e := o.checkCurrency(getString(c.body, "currency")); e != nil {
		return nil, e
	}
	priced, total, e := o.price(slList(c.body, "refund_line_items"))
	if e != nil {
		return nil, e
	}
	caseID := priced[0].line.ret.id
	var paid int64
	for _, t := range txns {
		if cur := getString(t, "currency"); cur != o.currency {
			return nil, slUnprocessable("transactions.currency must be " + o.currency)
		}
		if kind := getString(t, "kind"); kind != "refund" {
			return nil, slUnprocessable("transactions.kind must be refund, got " + kind)
		}
		n, err := shopline.Minor(shopline.Text(getString(t, "amount")), o.currency)
		if err != nil || n == 0 {
			return nil, slUnprocessable("transactions.amount must be a positive amount of " + o.currency)
		}
		paid += n
	}
	if paid != total {
		return nil, slUnprocessable(fmt.Sprintf("the transactions refund %s but the line items come to %s %s: calculate the refund first",
			shopline.Major(paid, o.currency), shopline.Major(total, o.currency), o.currency))
	}

	// The refund, as SHOPLINE would list it.
	id := "SLR" + strconv.FormatInt(x.s.clock.version(now), 10)
	result := getString(priced[0].line.ret.native, slKnobRefundResult)
	restock := firstOf(getString(slList(c.body, "refund_line_items")[0], "restock_type"), "no_restock")
	lines := make([]any, 0, len(priced))
	for i, p := range priced {
		lines = append(lines, map[string]any{
			"id": fmt.Sprintf("%s%02d", id, i+1), "line_item_id": p.line.id, "quantity": p.quantity,
			"restock_type": restock, "subtotal": jsonAmount(shopline.Major(p.subtotal, o.currency)),
			"line_item": cloneNative(p.line.item),
		})
	}
	native := map[string]any{
		"id": id, "order_id": o.id, "note": getString(c.body, "note"),
		"created_at": slTime(now), "processed_at": slTime(now),
		"refund_line_items": lines,
		"transactions": []any{map[string]any{
			"id": id + "T", "order_id": o.id, "kind": "refund", "status": result, "gateway": o.gateway,
			"parent_id": o.paymentID, "amount": shopline.Major(total, o.currency), "currency": o.currency,
			"created_at": slTime(now), "processed_at": slTime(now),
		}},
	}
	rec := &record{platform: PlatformShopline, shop: c.shop, native: native}
	if err := x.prepare(rec, now); err != nil {
		return nil, &slError{status: 500, msg: err.Error()}
	}
	x.s.cases[rec.key()] = rec

	// A paid refund closes the returns it completes ("CLOSED: return and
	// refund completed").
	if result == "success" {
		after := x.order(c.shop, o.id)
		for _, r := range after.returns {
			if getString(r.native, "status") != slOpen {
				continue
			}
			done := true
			for _, l := range slList(r.native, "return_line_items") {
				if line := after.lines[getString(l, "line_item_id")]; line.refunded < line.returned {
					done = false
				}
			}
			if done {
				r.native["status"] = slClosed
				r.native["updated_at"] = slTime(now)
				x.s.log.Info("sandbox platform move", "platform", PlatformShopline, "shop", r.shop, "case_id", r.id, "status", slClosed)
			}
		}
	}
	x.logAction(c, caseID, nil)
	return map[string]any{"refund": slServed(native)}, nil
}

// jsonAmount writes an amount as a JSON number, as the reference types
// some amounts ("subtotal double").
func jsonAmount(s string) any { return json.Number(s) }

// caseOfCall names the return a refund request is about, for the action
// log of a call that failed before its handler did.
func (x *shoplineSim) caseOfCall(c *slCall) string {
	if c.body == nil {
		return ""
	}
	order := getString(c.body, "order_id")
	lines := slList(c.body, "refund_line_items")
	if order == "" || len(lines) == 0 {
		return ""
	}
	line := getString(lines[0], "line_item_id")
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if o := x.order(c.shop, order); o != nil && o.lines[line] != nil {
		return o.lines[line].ret.id
	}
	return ""
}

func (x *shoplineSim) listRefunds(c *slCall) (any, *slError) {
	orderID := c.r.PathValue("order_id")
	limit := 50
	if v := c.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			return nil, slBad("limit must be between 1 and 250")
		}
		limit = n
	}
	x.s.touch()
	defer x.s.mu.Unlock()
	o := x.order(c.shop, orderID)
	if o == nil || !slValidID(orderID) {
		return nil, slNotFound("order not found")
	}
	refunds := slices.Clone(o.refunds)
	sort.SliceStable(refunds, func(i, j int) bool {
		return getString(refunds[i].native, "created_at") < getString(refunds[j].native, "created_at")
	})
	out := []any{}
	for _, r := range refunds[:min(limit, len(refunds))] {
		out = append(out, slServed(r.native))
	}
	return map[string]any{"refunds": out}, nil
}

func (x *shoplineSim) getRefund(c *slCall) (any, *slError) {
	orderID := c.r.PathValue("order_id")
	id, ok := strings.CutSuffix(c.r.PathValue("file"), ".json")
	if !ok || !slValidID(id) || !slValidID(orderID) {
		return nil, slNotFound("Not Found")
	}
	x.s.touch()
	defer x.s.mu.Unlock()
	r := x.s.find(PlatformShopline, c.shop, shopline.RefundCaseID(orderID, id))
	if r == nil {
		return nil, slNotFound("refund not found")
	}
	return map[string]any{"refund": slServed(r.native)}, nil
}

func (x *shoplineSim) queryReturns(c *slCall) (any, *slError) {
	q := c.r.URL.Query()
	id, orderID := q.Get("id"), q.Get("order_id")
	if id == "" && orderID == "" {
		return nil, slUnprocessable("id and order_id cannot both be empty")
	}
	x.s.touch()
	defer x.s.mu.Unlock()
	out := []any{}
	for _, r := range x.s.sorted(PlatformShopline, c.shop) {
		n := r.native
		if n["return_line_items"] == nil || id != "" && getString(n, "id") != id || orderID != "" && getString(n, "order_id") != orderID {
			continue
		}
		out = append(out, slServed(n))
	}
	return map[string]any{"returns": out}, nil
}

func (x *shoplineSim) queryReturnFulfillment(c *slCall) (any, *slError) {
	id := c.r.URL.Query().Get("return_id")
	if id == "" {
		return nil, slUnprocessable("return_id is required")
	}
	x.s.touch()
	defer x.s.mu.Unlock()
	out := []any{}
	if r := x.s.find(PlatformShopline, c.shop, shopline.ReturnCaseID(id)); r != nil {
		n := r.native
		var lines []any
		for _, l := range slList(n, "return_line_items") {
			lines = append(lines, map[string]any{
				"fulfillable_quantity":  l["quantity"],
				"fulfillment_line_item": map[string]any{"line_item": slMap(slMap(l, "fulfillment_line_item"), "line_item"), "quantity": l["quantity"]},
			})
		}
		out = append(out, map[string]any{
			"id": "RFO" + id, "order_id": getString(n, "order_id"), "return_id": id,
			"status": getString(n, slKnobPackage), "reverse_fulfillment_order_line_items": lines,
		})
	}
	return map[string]any{"order_return_fulfillment_list": out}, nil
}
