package xportcn

import (
	"context"

	"github.com/aftersale/aftersale/platforms"
)

// Get implements platforms.Client: queryList filtered on the refund id (the
// docs list no detail endpoint with a known body). With Config.OrderContext
// it also reads the purchase order's status.
func (c *Client) Get(ctx context.Context, id string) (platforms.Case, error) {
	if !isDigits(id) {
		return platforms.Case{}, xpErr(platforms.ErrInvalid, "refundId", "refund id must be decimal digits, got "+id)
	}
	var data QueryListData
	if err := c.call(ctx, epQueryList, nil, QueryListRequest{RefundID: id, PageNo: 1, PageSize: 1}, &data); err != nil {
		return platforms.Case{}, err
	}
	var found *RefundAggregate
	for i, a := range data.Aggregates {
		if a.RefundOrder != nil && string(a.RefundOrder.RefundID) == id {
			found = &data.Aggregates[i]
		}
	}
	switch {
	case found == nil && len(data.Aggregates) == 0:
		return platforms.Case{}, xpErr(platforms.ErrNotFound, "refundId", "no after-sale order "+id)
	case found == nil:
		// The filter was ignored: never act on a case we did not ask for.
		return platforms.Case{}, xpErr(platforms.ErrMalformed, "json", PathQueryList+": asked for refund "+id+", got others")
	}
	cs, err := parseRefund(c.tables, c.cfg.Shop, data.Currency, *found)
	if err != nil {
		return platforms.Case{}, err
	}
	if c.cfg.OrderContext && cs.OrderID != "" {
		if err := c.addOrderContext(ctx, &cs); err != nil {
			return platforms.Case{}, err
		}
	}
	return cs, nil
}
