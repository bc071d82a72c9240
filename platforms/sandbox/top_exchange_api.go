package sandbox

// Tmall exchange methods: tmall.exchange.receive.get, tmall.exchange.get,
// tmall.exchange.agree, tmall.exchange.refuse,
// tmall.exchange.refusereason.get, tmall.exchange.returngoods.agree,
// tmall.exchange.consigngoods (docs/top-wire.md "Tmall exchanges").

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// exRefuseReasons are the sandbox's answer to
// tmall.exchange.refusereason.get; real ids and texts are the platform's.
var exRefuseReasons = []exReason{
	{11, "商品已影响二次销售"},
	{12, "换货商品缺货"},
	{13, "超出换货期限"},
	{14, "买家要求不合理"},
}

type exReason struct {
	ID   int
	Text string
}

func (t *topSim) exchangeReceiveGet(c *topCall) (map[string]any, *topError) {
	p := c.params
	fields, err := topFields(p)
	if err != nil {
		return nil, err
	}
	var statuses []string
	if v := p.Get("dispute_status_array"); v != "" {
		for s := range strings.SplitSeq(v, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(exStatuses, s) {
				return nil, errInvalidArg("dispute_status_array", "unknown exchange status "+s)
			}
			statuses = append(statuses, s)
		}
		if len(statuses) > 20 {
			return nil, errInvalidArg("dispute_status_array", "at most 20 statuses")
		}
	}
	// Windows as TOP timestamps, inclusive; "" = open. The end of the
	// modified window is spelled "modifed" by TOP; the correct spelling is
	// not a parameter of this API and is ignored, as TOP ignores unknown
	// parameters.
	windows := []struct{ field, from, to string }{
		{"modified", "start_gmt_modified_time", "end_gmt_modifed_time"},
		{"created", "start_created_time", "end_created_time"},
	}
	bounds := map[string]string{}
	for _, w := range windows {
		for _, name := range []string{w.from, w.to} {
			if v := p.Get(name); v != "" {
				tm, perr := parseTOPTime(v)
				if perr != nil {
					return nil, errInvalidArg(name, "want yyyy-MM-dd HH:mm:ss")
				}
				bounds[name] = topTime(tm)
			}
		}
	}
	order := p.Get("biz_order_id")
	if order != "" && !isDigits(order) {
		return nil, errInvalidArg("biz_order_id", "biz_order_id must be a number")
	}
	pageNo, err := intParam(p, "page_no", 1, 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	pageSize, err := intParam(p, "page_size", 30, 1, 100)
	if err != nil {
		return nil, err
	}

	t.s.touch()
	defer t.s.mu.Unlock()
	var rs []*record
	for _, r := range t.s.sorted(PlatformTaobao, c.shop) {
		n := r.native
		if !topExchangeRecord(r) ||
			(statuses != nil && !slices.Contains(statuses, getString(n, "status"))) ||
			(order != "" && getString(n, "biz_order_id") != order) {
			continue
		}
		in := true
		for _, w := range windows {
			v := getString(n, w.field) // stored in the fixed TOP layout: strings order as times
			if b := bounds[w.from]; b != "" && v < b {
				in = false
			}
			if b := bounds[w.to]; b != "" && v > b {
				in = false
			}
		}
		if in {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		return getString(rs[i].native, "modified") < getString(rs[j].native, "modified")
	})
	total := len(rs)
	start := min((pageNo-1)*pageSize, total)
	end := min(start+pageSize, total)
	body := map[string]any{"page_results": end - start, "total_results": total, "has_next": end < total}
	if end > start {
		list := make([]any, 0, end-start)
		for _, r := range rs[start:end] {
			list = append(list, exchangePick(r.native, fields))
		}
		body["results"] = map[string]any{"exchange": list}
	}
	return body, nil
}

func (t *topSim) exchangeGet(c *topCall) (map[string]any, *topError) {
	id, err := disputeIDParam(c.params)
	if err != nil {
		return nil, err
	}
	fields, err := topFields(c.params)
	if err != nil {
		return nil, err
	}
	t.s.touch()
	defer t.s.mu.Unlock()
	r := t.s.find(PlatformTaobao, c.shop, topExchangePrefix+id)
	if r == nil {
		return nil, errExchangeNotExist(id)
	}
	return exchangeAnswer(true, "", "", exchangePick(r.native, fields)), nil
}

func (t *topSim) exchangeAgree(c *topCall) (map[string]any, *topError) {
	addr := c.params.Get("address_id")
	if addr == "" {
		return nil, errMissingArg("address_id")
	}
	if !isDigits(addr) {
		return nil, errInvalidArg("address_id", "address_id must be a number (contact_id)")
	}
	return t.exchangeAct(c, "agree", exWaitSeller, exWaitBuyerReturn, nil, nil)
}

func (t *topSim) exchangeRefuse(c *topCall) (map[string]any, *topError) {
	reason := c.params.Get("seller_refuse_reason_id")
	if reason == "" {
		return nil, errMissingArg("seller_refuse_reason_id")
	}
	if !isDigits(reason) {
		return nil, errInvalidArg("seller_refuse_reason_id", "seller_refuse_reason_id must be a number")
	}
	check := func(n map[string]any) (string, string) {
		if getString(n, "operation_contraint") == "cannot_refuse" {
			return "isv.exchange-cannot-refuse", "the platform does not allow refusing this exchange"
		}
		if !slices.ContainsFunc(exRefuseReasons, func(r exReason) bool { return fmt.Sprint(r.ID) == reason }) {
			return "isv.invalid-refuse-reason", "refuse reason " + reason + " is not one of tmall.exchange.refusereason.get"
		}
		return "", ""
	}
	return t.exchangeAct(c, "refuse", exWaitSeller, exWaitBuyerModify, check, nil)
}

func (t *topSim) exchangeReturnGoodsAgree(c *topCall) (map[string]any, *topError) {
	return t.exchangeAct(c, "confirm the returned goods of", exWaitSellerReceipt, exWaitSellerResend, nil, nil)
}

func (t *topSim) exchangeConsignGoods(c *topCall) (map[string]any, *topError) {
	p := c.params
	for _, k := range []string{"logistics_no", "logistics_type", "logistics_company_name"} {
		if strings.TrimSpace(p.Get(k)) == "" {
			return nil, errMissingArg(k)
		}
	}
	if lt := p.Get("logistics_type"); lt != "100" && lt != "200" {
		return nil, errInvalidArg("logistics_type", "logistics_type must be 100 (平邮) or 200 (快递)")
	}
	edit := func(n map[string]any) {
		n["seller_logistic_no"] = p.Get("logistics_no")
		n["seller_logistic_name"] = p.Get("logistics_company_name")
	}
	return t.exchangeAct(c, "ship the replacement of", exWaitSellerResend, exWaitBuyerReceipt, nil, edit)
}

func (t *topSim) exchangeRefuseReasons(c *topCall) (map[string]any, *topError) {
	id, err := disputeIDParam(c.params)
	if err != nil {
		return nil, err
	}
	if _, err := topFields(c.params); err != nil {
		return nil, err
	}
	if v := c.params.Get("dispute_type"); v != "" && v != "0" && v != "1" && v != "2" {
		return nil, errInvalidArg("dispute_type", "dispute_type must be 0, 1 or 2")
	}
	t.s.touch()
	defer t.s.mu.Unlock()
	if t.s.find(PlatformTaobao, c.shop, topExchangePrefix+id) == nil {
		return nil, errExchangeNotExist(id)
	}
	list := make([]any, 0, len(exRefuseReasons))
	for _, r := range exRefuseReasons {
		list = append(list, map[string]any{"reason_id": r.ID, "reason_text": r.Text})
	}
	return map[string]any{"result": map[string]any{
		"results": map[string]any{"reason": list}, "total_results": len(list),
	}}, nil
}

// exchangeAct runs one seller action: the exchange must exist, be handled
// through the API, be in status from and pass check (a business code and
// message when it does not). Then edit applies and the exchange moves to
// status to. Business failures answer result.success=false with HTTP 200,
// logged here as failed actions; run logs the rest.
func (t *topSim) exchangeAct(c *topCall, what, from, to string,
	check func(n map[string]any) (code, msg string), edit func(n map[string]any)) (map[string]any, *topError) {
	id, err := disputeIDParam(c.params)
	if err != nil {
		return nil, err
	}
	if _, err := topFields(c.params); err != nil {
		return nil, err
	}
	now := t.s.touch()
	defer t.s.mu.Unlock()
	r := t.s.find(PlatformTaobao, c.shop, topExchangePrefix+id)
	if r == nil {
		return nil, errExchangeNotExist(id)
	}
	n := r.native
	var code, msg string
	switch st := getString(n, "status"); {
	case getString(n, "operation_contraint") == "refund_onweb":
		code, msg = "isv.exchange-onweb", "this exchange must be handled on the web console"
	case st != from:
		code, msg = "isv.exchange-status-not-support", fmt.Sprintf("cannot %s an exchange in status %s", what, st)
	case check != nil:
		code, msg = check(n)
	}
	if code != "" {
		t.logAction(c, r.id, errors.New(code+": "+msg))
		return exchangeAnswer(false, code, msg, nil), nil
	}
	if edit != nil {
		edit(n)
	}
	t.moveExchange(r, to, now)
	return exchangeAnswer(true, "", "success", exchangePick(n, []string{"dispute_id", "biz_order_id", "status", "modified"})), nil
}

// exchangeAnswer is the result envelope of tmall.exchange.get and of the
// actions.
func exchangeAnswer(ok bool, code, msg string, exchange map[string]any) map[string]any {
	res := map[string]any{"success": ok, "msg_code": code, "message": msg}
	if exchange != nil {
		res["exchange"] = exchange
	}
	return map[string]any{"result": res}
}

// exchangePick returns the requested fields of an exchange. The documented
// fields list names the order id "bizorder_id"; it answers biz_order_id.
// Sandbox knobs never come.
func exchangePick(n map[string]any, fields []string) map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if f == "bizorder_id" {
			f = "biz_order_id"
		}
		if strings.HasPrefix(f, knobPrefix) {
			continue
		}
		if v, ok := n[f]; ok {
			out[f] = v
		}
	}
	return out
}

func disputeIDParam(p url.Values) (string, *topError) {
	id := p.Get("dispute_id")
	if id == "" {
		return "", errMissingArg("dispute_id")
	}
	if !isDigits(id) {
		return "", errInvalidArg("dispute_id", "dispute_id must be a number")
	}
	return id, nil
}

func errExchangeNotExist(id string) *topError {
	return errRefund("isv.exchange-not-exist", "exchange "+id+" does not exist")
}
