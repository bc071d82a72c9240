package xportcn

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aftersale/aftersale/platforms"
)

var (
	epQueryList = endpoint{method: http.MethodPost, path: PathQueryList}
	epOrderPage = endpoint{method: http.MethodGet, path: PathOrderPage}
)

// maxPageSize caps queryList pages. Xportcn documents no maximum
// (UNCONFIRMED); 50 is a size list APIs of this family accept.
const maxPageSize = 50

// List implements platforms.Client with queryList. The API filters on the
// refund's time (refundStartTime/refundEndTime), not on a modified time, so
// the sync finds NEW cases in its window; changes to known cases reach their
// workflows through message callbacks and each workflow's own polling.
func (c *Client) List(ctx context.Context, q platforms.ListQuery) (platforms.ListPage, error) {
	page := max(q.Page, 1)
	size := q.PageSize
	if size <= 0 || size > maxPageSize {
		size = maxPageSize
	}
	req := QueryListRequest{PageNo: page, PageSize: size}
	if !q.ModifiedFrom.IsZero() {
		req.RefundStartTime = q.ModifiedFrom.UnixMilli()
	}
	if !q.ModifiedTo.IsZero() {
		req.RefundEndTime = q.ModifiedTo.UnixMilli()
	}
	var data QueryListData
	if err := c.call(ctx, epQueryList, nil, req, &data); err != nil {
		return platforms.ListPage{}, err
	}
	// A case that cannot be parsed fails the page rather than being
	// skipped: sync must not move its watermark past a case it never saw.
	res := platforms.ListPage{Cases: make([]platforms.Case, 0, len(data.Aggregates))}
	for _, a := range data.Aggregates {
		cs, err := parseRefund(c.tables, c.cfg.Shop, data.Currency, a)
		if err != nil {
			return platforms.ListPage{}, err
		}
		res.Cases = append(res.Cases, cs)
	}
	if total, err := strconv.Atoi(string(data.Total)); err == nil {
		res.HasNext = page*size < total
		res.Pages = platforms.PagesOf(total, size)
	} else {
		res.HasNext = len(data.Aggregates) == size
	}
	return res, nil
}
