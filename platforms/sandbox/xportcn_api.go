package sandbox

// Xportcn endpoints: POST queryList and GET order page (documented shapes,
// seed samples), GET cancel and POST return logistics (paths and bodies
// UNCONFIRMED: the platforms/xportcn defaults).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (x *xportcnSim) queryList(c *xpCall) (any, *xpError) {
	b := c.body
	pageNo, err := xpInt(getString(b, "pageNo"), "pageNo", 1, 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	if getString(b, "pageSize") == "" {
		return nil, xpBadParam("pageSize is required")
	}
	pageSize, err := xpInt(getString(b, "pageSize"), "pageSize", 0, 1, 100)
	if err != nil {
		return nil, err
	}
	var bounds [2]int64 // refund time window in ms; 0 = open
	for i, k := range []string{"refundStartTime", "refundEndTime"} {
		if v := getString(b, k); v != "" {
			ms, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || ms < 0 {
				return nil, xpBadParam(k + " must be epoch milliseconds")
			}
			bounds[i] = ms
		}
	}
	refundID, purchaseID, salesID, status :=
		getString(b, "refundId"), getString(b, "purchaseOrderId"), getString(b, "salesOrderId"), getString(b, "refundStatus")

	x.s.touch()
	defer x.s.mu.Unlock()
	var rs []*record
	for _, r := range x.s.sorted(PlatformXportcn, c.shop) {
		ro, _ := r.native["refundOrder"].(map[string]any)
		line, _ := r.native["purchaseOrderLine"].(map[string]any)
		created := xpCreated(r)
		if (refundID == "" || r.id == refundID) &&
			(purchaseID == "" || getString(line, "purchaseOrderId") == purchaseID) &&
			(salesID == "" || getString(line, "salesOrderId") == salesID) &&
			(status == "" || getString(ro, "refundStatus") == status) &&
			(bounds[0] == 0 || created >= bounds[0]) && (bounds[1] == 0 || created <= bounds[1]) {
			rs = append(rs, r)
		}
	}
	// Oldest request first, so that pages stay stable while new ones arrive.
	sort.SliceStable(rs, func(i, j int) bool { return xpCreated(rs[i]) < xpCreated(rs[j]) })
	total := len(rs)
	start := min((pageNo-1)*pageSize, total)
	end := min(start+pageSize, total)
	list := make([]any, 0, end-start)
	for _, r := range rs[start:end] {
		list = append(list, xpPublic(r.native))
	}
	return map[string]any{
		"total": total, "pageNo": pageNo, "distributorId": nil, "pageSize": pageSize,
		"currency": "CNY", "refundOrderAggregates": list,
	}, nil
}

func (x *xportcnSim) cancel(c *xpCall) (any, *xpError) {
	id := c.query.Get("refundId")
	if !isDigits(id) {
		return nil, xpBadParam("refundId is required")
	}
	now := x.s.touch()
	defer x.s.mu.Unlock()
	r := x.s.find(PlatformXportcn, c.shop, id)
	if r == nil {
		return nil, xpNotFound(id)
	}
	switch st := xpStatus(r); st {
	case xpWaitSellerAgree, xpWaitBuyerReturn, xpSellerRefused:
	default:
		return nil, xpRefused(st, "cancelled")
	}
	x.move(r.native, xpClosed, now)
	return true, nil
}

func (x *xportcnSim) shipReturn(c *xpCall) (any, *xpError) {
	b := c.body
	id, company, no := getString(b, "refundId"), getString(b, "logisticsCompanyCode"), getString(b, "logisticsNo")
	switch {
	case !isDigits(id):
		return nil, xpBadParam("refundId is required")
	case company == "":
		return nil, xpBadParam("logisticsCompanyCode is required")
	case no == "":
		return nil, xpBadParam("logisticsNo is required")
	}
	now := x.s.touch()
	defer x.s.mu.Unlock()
	r := x.s.find(PlatformXportcn, c.shop, id)
	if r == nil {
		return nil, xpNotFound(id)
	}
	if st := xpStatus(r); st != xpWaitBuyerReturn {
		return nil, xpRefused(st, "given return logistics")
	}
	r.native["logistics"] = map[string]any{"logisticsCompanyCode": company, "logisticsNo": no}
	x.move(r.native, xpWaitSellerConfirm, now)
	return true, nil
}

// orderPage serves GET /open/order/page from the stored cases: one purchase
// order per purchaseOrderLine.purchaseOrderId, shaped like the seed's.
func (x *xportcnSim) orderPage(c *xpCall) (any, *xpError) {
	q := c.query
	pageNum, err := xpInt(q.Get("pageNum"), "pageNum", 1, 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	pageSize, err := xpInt(q.Get("pageSize"), "pageSize", 10, 1, 100)
	if err != nil {
		return nil, err
	}
	x.s.touch()
	defer x.s.mu.Unlock()
	var orders []map[string]any
	byID := map[string]map[string]any{}
	for _, r := range x.s.sorted(PlatformXportcn, c.shop) {
		line, _ := r.native["purchaseOrderLine"].(map[string]any)
		oid := getString(line, "purchaseOrderId")
		if oid == "" {
			continue
		}
		sub := map[string]any{
			"subOrderId": nil, "orderNo": getString(line, "salesOrderId"), "quantity": line["quantity"],
			"title": line["itemTitle"], "purchaseCurrency": line["currency"], "purchaseAmount": getString(line, "totalPrice"),
			"itemId": nil, "domesticPostFee": line["postFee"], "closeReason": nil, "skuId": nil,
			"subOrderResult": nil, "status": nil, "errorCode": nil, "errorMessage": nil,
		}
		if o := byID[oid]; o != nil {
			o["subOrderVOS"] = append(o["subOrderVOS"].([]any), sub)
			continue
		}
		created := ""
		if t, ok := xpMsTime(getString(line, "createTime")); ok {
			created = t.In(cst).Format(time.DateTime)
		}
		status := any(11) // shipped
		if v := getString(r.native, xpKnobOrderStatus); v != "" {
			status = topNumber(v)
		}
		o := map[string]any{
			"id": oid, "orderNo": getString(line, "salesOrderId"), "sellerOrderNumber": "1",
			// The real page carries the end customer's name; the client must ignore it.
			"userName": "Sandbox Customer", "orderSource": "taobao",
			"createTime": created, "payTime": created, "purchaseAmount": line["totalPrice"],
			"status": status, "subOrderVOS": []any{sub},
		}
		byID[oid] = o
		orders = append(orders, o)
	}
	var list []any
	for _, o := range orders {
		if (q.Get("id") == "" || o["id"] == q.Get("id")) && (q.Get("orderNo") == "" || o["orderNo"] == q.Get("orderNo")) &&
			(q.Get("status") == "" || getString(o, "status") == q.Get("status")) {
			list = append(list, o)
		}
	}
	total := len(list)
	start := min((pageNum-1)*pageSize, total)
	end := min(start+pageSize, total)
	return map[string]any{"total": total, "data": append([]any{}, list[start:end]...)}, nil
}

// xpCreated is when the request was made, epoch ms.
func xpCreated(r *record) int64 {
	ms, _ := strconv.ParseInt(getString(r.native, xpKnobCreated), 10, 64)
	return ms
}

func xpStatus(r *record) string {
	ro, _ := r.native["refundOrder"].(map[string]any)
	return getString(ro, "refundStatus")
}

// xpPublic is a stored case as the API shows it: a copy without knobs.
func xpPublic(n map[string]any) map[string]any {
	out := cloneNative(n)
	for k := range out {
		if strings.HasPrefix(k, knobPrefix) {
			delete(out, k)
		}
	}
	return out
}

func xpNotFound(id string) *xpError {
	return &xpError{Code: 404, Msg: "after-sale order " + id + " does not exist"}
}

// xpRefused is the business refusal of an action the status forbids.
func xpRefused(status, what string) *xpError {
	return &xpError{Code: 409, Msg: fmt.Sprintf("after-sale order in status %s cannot be %s", status, what)}
}

func xpInt(v, name string, def, lo, hi int) (int, *xpError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, xpBadParam(fmt.Sprintf("%s must be a number within %d..%d", name, lo, hi))
	}
	return n, nil
}
