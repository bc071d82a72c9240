package shopline

import (
	"context"
	"net/url"

	"github.com/aftersale/aftersale/platforms"
)

// refundsLimit is the most refunds one call lists (documented maximum).
const refundsLimit = "250"

// Get implements platforms.Client. A refund case is one call; a return case
// is up to three: the return, where its package is, and (while it is OPEN)
// the refunds of its order, which tell whether it was refunded already.
func (c *Client) Get(ctx context.Context, id string) (platforms.Case, error) {
	ref, err := parseCaseID(id)
	if err != nil {
		return platforms.Case{}, slErr(platforms.ErrInvalid, "case_id", err.Error())
	}
	if ref.kind == "refund" {
		return c.getRefund(ctx, ref.orderID, ref.refundID)
	}
	return c.getReturn(ctx, ref.returnID)
}

func (c *Client) getRefund(ctx context.Context, orderID, refundID string) (platforms.Case, error) {
	var out struct {
		Refund *Refund `json:"refund"`
	}
	path := "orders/" + orderID + "/refunds/" + refundID + ".json"
	if err := c.call(ctx, epRefund, "GET", path, nil, nil, &out); err != nil {
		return platforms.Case{}, err
	}
	if out.Refund == nil {
		return platforms.Case{}, slErr(platforms.ErrMalformed, "json", epRefund.name+": answer has no refund")
	}
	if got := out.Refund.ID.String(); got != refundID {
		return platforms.Case{}, slErr(platforms.ErrMalformed, "json", epRefund.name+": asked for refund "+refundID+", got "+got)
	}
	switch out.Refund.OrderID.String() {
	case "":
		out.Refund.OrderID = Text(orderID)
	case orderID:
	default: // the case would come back under another case id
		return platforms.Case{}, slErr(platforms.ErrMalformed, "json", epRefund.name+": asked for a refund of order "+orderID+", got order "+out.Refund.OrderID.String())
	}
	return ParseRefund(c.cfg.Shop, *out.Refund)
}

func (c *Client) getReturn(ctx context.Context, returnID string) (platforms.Case, error) {
	var rets struct {
		Returns []Return `json:"returns"`
	}
	if err := c.call(ctx, epReturns, "GET", "return.json", url.Values{"id": {returnID}}, nil, &rets); err != nil {
		return platforms.Case{}, err
	}
	var ret *Return
	for i := range rets.Returns {
		if rets.Returns[i].ID.String() == returnID {
			ret = &rets.Returns[i]
		}
	}
	if ret == nil {
		return platforms.Case{}, slErr(platforms.ErrNotFound, "return", "no return "+returnID)
	}

	// A closed or cancelled return is finished whatever its package and
	// refunds say: no more calls.
	var (
		packages []ReturnFulfillment
		refunds  []Refund
	)
	if NormalizeReturnStatus(ret.Status) == platforms.StatusAwaitingBuyerReturn {
		var fulf struct {
			List []ReturnFulfillment `json:"order_return_fulfillment_list"`
		}
		if err := c.call(ctx, epReturnFulf, "GET", "return_fulfillment.json", url.Values{"return_id": {returnID}}, nil, &fulf); err != nil {
			return platforms.Case{}, err
		}
		packages = fulf.List
		if !validID(ret.OrderID.String()) {
			return platforms.Case{}, slErr(platforms.ErrMalformed, "return", "return "+returnID+": bad order_id "+ret.OrderID.String())
		}
		var rs struct {
			Refunds []Refund `json:"refunds"`
		}
		path := "orders/" + ret.OrderID.String() + "/refunds.json"
		if err := c.call(ctx, epRefunds, "GET", path, url.Values{"limit": {refundsLimit}}, nil, &rs); err != nil {
			return platforms.Case{}, err
		}
		refunds = rs.Refunds
	}
	return ParseReturn(c.cfg.Shop, *ret, packages, refunds, c.cfg.Currency)
}
