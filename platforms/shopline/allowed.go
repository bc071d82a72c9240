package shopline

import "github.com/aftersale/aftersale/platforms"

// AllowedActions returns the actions this client can take on c now. The
// only decision SHOPLINE leaves to a merchant app is whether to refund a
// return whose package arrived: agree and confirm_receipt both create that
// refund. There is no refusal (a return is closed in the admin), and a
// failed refund is not retried by the API: those go to a person.
func AllowedActions(c platforms.Case) []platforms.Action {
	if c.Kind == platforms.KindReturn && c.Status == platforms.StatusAwaitingSellerReceipt &&
		c.GoodsStatus == platforms.GoodsReturned && c.Attrs["refund_ids"] == "" {
		return []platforms.Action{platforms.ActionAgree, platforms.ActionConfirmReceipt}
	}
	return nil
}
