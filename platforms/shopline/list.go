package shopline

import (
	"context"

	"github.com/aftersale/aftersale/platforms"
)

// List implements platforms.Client, and always answers an empty page.
//
// SHOPLINE has no "after-sale cases modified since" query: refunds hang off
// orders (/orders/:order_id/refunds.json) and /return.json needs a return or
// order id (PLATFORMS.md §4.2). Listing every order updated in the window
// and then its returns and refunds would cost several calls per order
// against a 4-per-second budget, and whether a return or refund updates its
// order is UNCONFIRMED. So cases are learned from webhooks (webhook.go:
// return/*, return_package/*, refunds/create) and from `starter start`, and
// each case workflow then polls its case with Get.
func (c *Client) List(ctx context.Context, q platforms.ListQuery) (platforms.ListPage, error) {
	return platforms.ListPage{}, nil
}
