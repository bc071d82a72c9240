package taobao

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"

	"github.com/aftersale/aftersale/platforms"
)

// Tmall exchange methods this client calls (PLATFORMS.md §1.3).
const (
	methodExchangeList         = "tmall.exchange.receive.get"
	methodExchangeGet          = "tmall.exchange.get"
	methodExchangeAgree        = "tmall.exchange.agree"
	methodExchangeRefuse       = "tmall.exchange.refuse"
	methodExchangeReasons      = "tmall.exchange.refusereason.get"
	methodExchangeReturnAgree  = "tmall.exchange.returngoods.agree"
	methodExchangeConsignGoods = "tmall.exchange.consigngoods"
)

// exchangeFields are asked of the list and the detail alike, so that both
// reads give the same Case. The documented fields list spells the order id
// "bizorder_id" while answers carry biz_order_id; time_out, good_status,
// price and the detail-only fields are answered though not listed there.
const exchangeFields = "dispute_id,bizorder_id,status,good_status,price,num,reason,title," +
	"bought_sku,exchange_sku,created,modified,time_out," +
	"refund_phase,refund_version,cs_status,operation_contraint"

// ExchangeList is the answer of tmall.exchange.receive.get, as JSON
// (tmall_exchange_receive_get_response) or XML (the seed's sample).
type ExchangeList struct {
	PageResults json.Number `json:"page_results" xml:"page_results"`
	Results     struct {
		Exchange []Exchange `json:"exchange" xml:"exchange"`
	} `json:"results" xml:"results"`
	TotalResults json.Number `json:"total_results" xml:"total_results"`
	HasNext      bool        `json:"has_next" xml:"has_next"`
	ErrorCodes   string      `json:"error_codes" xml:"error_codes"`
	ErrorMsg     string      `json:"error_msg" xml:"error_msg"`
}

// exchangeResult is the result envelope of tmall.exchange.get and of every
// exchange action: a business failure comes as success=false with HTTP 200
// and no error_response.
type exchangeResult struct {
	Result *struct {
		Success  bool      `json:"success"`
		MsgCode  string    `json:"msg_code"`
		Message  string    `json:"message"`
		Exchange *Exchange `json:"exchange"`
	} `json:"result"`
}

// check returns nil for a successful result, else an ErrRefused (or
// ErrMalformed when there is no result at all).
func (r exchangeResult) check(method, id string, write bool) error {
	if r.Result == nil {
		msg := method + ": answer has no result"
		if write {
			msg += "; outcome unknown, re-read the case before acting again"
		}
		return topErr(platforms.ErrMalformed, "json", msg)
	}
	if !r.Result.Success {
		code := r.Result.MsgCode
		if code == "" {
			code = "success=false"
		}
		return &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Taobao, Code: code,
			Message: method + " on exchange " + id + ": " + r.Result.Message}
	}
	return nil
}

// listExchanges is one page of tmall.exchange.receive.get over the
// modified window (inclusive at both ends, like the refund list).
func (c *Client) listExchanges(ctx context.Context, q platforms.ListQuery) (platforms.ListPage, error) {
	size := q.PageSize
	if size <= 0 || size > maxPageSize {
		size = maxPageSize
	}
	params := url.Values{
		"fields":    {exchangeFields},
		"page_no":   {strconv.Itoa(max(q.Page, 1))},
		"page_size": {strconv.Itoa(size)},
	}
	if !q.ModifiedFrom.IsZero() {
		params.Set("start_gmt_modified_time", q.ModifiedFrom.In(cst).Format(TimestampLayout))
	}
	if !q.ModifiedTo.IsZero() {
		// sic: TOP spells the end parameter "modifed".
		params.Set("end_gmt_modifed_time", q.ModifiedTo.In(cst).Format(TimestampLayout))
	}
	var out ExchangeList
	if err := c.call(ctx, methodExchangeList, params, &out); err != nil {
		return platforms.ListPage{}, err
	}
	// error_codes is the list's in-body error channel. Its values are not
	// documented, so any is a failed page: sync must not move its
	// watermark past exchanges it may not have seen.
	if out.ErrorCodes != "" {
		return platforms.ListPage{}, topErr(platforms.ErrMalformed, out.ErrorCodes,
			methodExchangeList+" reported error_codes="+out.ErrorCodes+" error_msg="+out.ErrorMsg)
	}
	res := platforms.ListPage{HasNext: out.HasNext, Cases: make([]platforms.Case, 0, len(out.Results.Exchange))}
	if total, err := strconv.Atoi(out.TotalResults.String()); err == nil && total >= 0 {
		res.Pages = platforms.PagesOf(total, size)
	}
	for _, x := range out.Results.Exchange {
		cs, err := ParseExchange(c.cfg.Shop, x)
		if err != nil {
			return platforms.ListPage{}, err
		}
		res.Cases = append(res.Cases, cs)
	}
	return res, nil
}

// getExchange reads one exchange with tmall.exchange.get.
func (c *Client) getExchange(ctx context.Context, disputeID string) (platforms.Case, error) {
	if !isDigits(disputeID) {
		return platforms.Case{}, topErr(platforms.ErrInvalid, "dispute_id", "exchange id must be "+ExchangeIDPrefix+"<decimal dispute_id>, got "+ExchangeIDPrefix+disputeID)
	}
	var out exchangeResult
	params := url.Values{"dispute_id": {disputeID}, "fields": {exchangeFields}}
	if err := c.call(ctx, methodExchangeGet, params, &out); err != nil {
		return platforms.Case{}, exchangeNotFound(err)
	}
	if err := out.check(methodExchangeGet, disputeID, false); err != nil {
		return platforms.Case{}, err
	}
	x := out.Result.Exchange
	if x == nil {
		return platforms.Case{}, topErr(platforms.ErrMalformed, "json", methodExchangeGet+": answer has no exchange")
	}
	if got := x.DisputeID.String(); got != disputeID {
		return platforms.Case{}, topErr(platforms.ErrMalformed, "json", methodExchangeGet+": asked for exchange "+disputeID+", got "+got)
	}
	return ParseExchange(c.cfg.Shop, *x)
}

// exchangeNotFound reclassifies TOP's "no such exchange" (an isv.* code,
// which Classify files as invalid) as not_found.
func exchangeNotFound(err error) error {
	var pe *platforms.Error
	if errors.As(err, &pe) && pe.Code == "isv.exchange-not-exist" {
		pe.Kind = platforms.ErrNotFound
	}
	return err
}
