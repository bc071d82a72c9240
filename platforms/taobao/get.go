package taobao

import (
	"context"
	"net/url"
	"strings"

	"github.com/aftersale/aftersale/platforms"
)

// getFields adds what only taobao.refund.get returns: the deadline and
// whether platform customer service is involved.
const getFields = listFields + ",cs_status,refund_remind_timeout"

// Get implements platforms.Client with taobao.refund.get, or
// tmall.exchange.get for an "exchange-<dispute_id>" id.
func (c *Client) Get(ctx context.Context, id string) (platforms.Case, error) {
	if d, ok := strings.CutPrefix(id, ExchangeIDPrefix); ok {
		return c.getExchange(ctx, d)
	}
	if !isDigits(id) {
		return platforms.Case{}, topErr(platforms.ErrInvalid, "refund_id", "refund id must be decimal digits, got "+id)
	}
	var out struct {
		Refund *Refund `json:"refund"`
	}
	params := url.Values{"refund_id": {id}, "fields": {getFields}}
	if err := c.call(ctx, methodGet, params, &out); err != nil {
		return platforms.Case{}, err
	}
	if out.Refund == nil {
		return platforms.Case{}, topErr(platforms.ErrMalformed, "json", methodGet+": answer has no refund")
	}
	if got := out.Refund.RefundID.String(); got != id {
		return platforms.Case{}, topErr(platforms.ErrMalformed, "json", methodGet+": asked for refund "+id+", got "+got)
	}
	return ParseRefund(c.cfg.Shop, *out.Refund)
}
