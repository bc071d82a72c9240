package taobao

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/aftersale/aftersale/platforms"
)

// listFields are the REFUND fields asked of taobao.refunds.receive.get. The
// list carries no deadline: callers Get a case before deciding on it.
const listFields = "refund_id,tid,oid,status,good_status,has_good_return,order_status," +
	"refund_fee,reason,title,num,sku,created,modified,refund_phase,refund_version," +
	"operation_contraint,dispute_type"

// maxPageSize is TOP's page size limit for refunds.receive.get.
const maxPageSize = 100

// List implements platforms.Client with taobao.refunds.receive.get and,
// when Config.Exchanges is set, tmall.exchange.receive.get: page N is page
// N of each, and HasNext holds while either has more. TOP's modified window
// is inclusive at both ends, with second precision, so pages may repeat a
// case from the previous window; signals are idempotent.
func (c *Client) List(ctx context.Context, q platforms.ListQuery) (platforms.ListPage, error) {
	refunds, err := c.listRefunds(ctx, q)
	if err != nil || !c.cfg.Exchanges {
		return refunds, err
	}
	exchanges, err := c.listExchanges(ctx, q)
	if err != nil {
		return platforms.ListPage{}, err
	}
	res := platforms.ListPage{
		Cases:   append(refunds.Cases, exchanges.Cases...),
		HasNext: refunds.HasNext || exchanges.HasNext,
	}
	// Counted only when both lists are: page N is page N of each.
	if refunds.Pages > 0 && exchanges.Pages > 0 {
		res.Pages = max(refunds.Pages, exchanges.Pages)
	}
	return res, nil
}

// listRefunds is one page of taobao.refunds.receive.get.
func (c *Client) listRefunds(ctx context.Context, q platforms.ListQuery) (platforms.ListPage, error) {
	page := max(q.Page, 1)
	size := q.PageSize
	if size <= 0 || size > maxPageSize {
		size = maxPageSize
	}
	params := url.Values{
		"fields":    {listFields},
		"page_no":   {strconv.Itoa(page)},
		"page_size": {strconv.Itoa(size)},
		// false: TOP then returns total_results, which sync needs to page
		// from the last page to the first (see platforms.ListPage.Pages).
		"use_has_next": {"false"},
	}
	if !q.ModifiedFrom.IsZero() {
		params.Set("start_modified", q.ModifiedFrom.In(cst).Format(TimestampLayout))
	}
	if !q.ModifiedTo.IsZero() {
		params.Set("end_modified", q.ModifiedTo.In(cst).Format(TimestampLayout))
	}

	var out struct {
		Refunds struct {
			Refund []Refund `json:"refund"`
		} `json:"refunds"`
		HasNext      bool        `json:"has_next"`
		TotalResults json.Number `json:"total_results"`
	}
	if err := c.call(ctx, methodList, params, &out); err != nil {
		return platforms.ListPage{}, err
	}

	// A refund that cannot be parsed fails the page rather than being
	// skipped: sync must not move its watermark past a case it never saw.
	res := platforms.ListPage{HasNext: out.HasNext, Cases: make([]platforms.Case, 0, len(out.Refunds.Refund))}
	if total, err := strconv.Atoi(out.TotalResults.String()); err == nil && total >= 0 {
		res.Pages = platforms.PagesOf(total, size)
		res.HasNext = res.HasNext || page < res.Pages
	}
	for _, r := range out.Refunds.Refund {
		cs, err := ParseRefund(c.cfg.Shop, r)
		if err != nil {
			return platforms.ListPage{}, err
		}
		res.Cases = append(res.Cases, cs)
	}
	return res, nil
}
