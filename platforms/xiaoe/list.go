package xiaoe

import (
	"context"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// maxPageSize bounds page_size; Xiaoe documents no maximum [UNCONFIRMED], so
// stay at a size any API accepts.
const maxPageSize = 100

// defaultLookback is the window start when the query gives none:
// created_at (a date range) is required.
const defaultLookback = 30 * 24 * time.Hour

// List implements platforms.Client with xe.ecommerce.after_sale.list,
// date_type updated_at. Xiaoe filters by DATE (created_at
// "YYYY-MM-DD||YYYY-MM-DD", Beijing dates, both ends included), so the
// applications outside [ModifiedFrom, ModifiedTo) are dropped here. HasNext
// follows row_count, which counts the whole date range: a page may be
// empty after filtering while later pages still match.
func (c *Client) List(ctx context.Context, q platforms.ListQuery) (platforms.ListPage, error) {
	page := max(q.Page, 1)
	size := q.PageSize
	if size <= 0 || size > maxPageSize {
		size = maxPageSize
	}
	to := q.ModifiedTo
	if to.IsZero() {
		to = c.cfg.Now()
	}
	from := q.ModifiedFrom
	if from.IsZero() {
		from = to.Add(-defaultLookback)
	}
	params := map[string]any{
		"page_index":  page,
		"page_size":   size,
		"date_type":   "updated_at",
		"created_at":  DateRange(from, to),
		"sales_state": -1, // all
	}
	var out struct {
		List     []AfterSale `json:"list"`
		RowCount int64       `json:"row_count"`
	}
	if err := c.call(ctx, endpointList, params, &out); err != nil {
		return platforms.ListPage{}, err
	}

	// An application that cannot be parsed fails the page rather than
	// being skipped: sync must not move its watermark past a case it never saw.
	res := platforms.ListPage{HasNext: int64(page)*int64(size) < out.RowCount, Pages: platforms.PagesOf(int(min(out.RowCount, 1<<31)), size)}
	for _, a := range out.List {
		cs, err := ParseAfterSale(c.cfg.Shop, a)
		if err != nil {
			return platforms.ListPage{}, err
		}
		if !cs.Modified.IsZero() && (cs.Modified.Before(from) || !cs.Modified.Before(to)) {
			continue
		}
		res.Cases = append(res.Cases, cs)
	}
	return res, nil
}

// DateRange is Xiaoe's created_at filter for [from, to]: the Beijing dates
// of both ends, "2023-01-14||2023-02-13".
func DateRange(from, to time.Time) string {
	const day = "2006-01-02"
	return from.In(cst).Format(day) + "||" + to.In(cst).Format(day)
}
