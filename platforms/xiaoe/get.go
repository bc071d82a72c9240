package xiaoe

import (
	"context"

	"github.com/aftersale/aftersale/platforms"
)

// Get implements platforms.Client with xe.ecommerce.after_sale.detail.
func (c *Client) Get(ctx context.Context, id string) (platforms.Case, error) {
	if id == "" {
		return platforms.Case{}, xeErr(platforms.ErrInvalid, "aftersale_id", "after-sale id is empty")
	}
	var out AfterSale
	if err := c.call(ctx, endpointDetail, map[string]any{"aftersale_id": id}, &out); err != nil {
		return platforms.Case{}, err
	}
	if got := string(out.AftersaleID); got != id {
		return platforms.Case{}, xeErr(platforms.ErrMalformed, "json", endpointDetail+": asked for "+id+", got "+got)
	}
	return ParseAfterSale(c.cfg.Shop, out)
}
