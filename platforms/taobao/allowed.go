package taobao

import "github.com/aftersale/aftersale/platforms"

// AllowedActions returns the actions TOP accepts on c in its current state.
// Workflows validate human decisions against this list without I/O.
func AllowedActions(c platforms.Case) []platforms.Action {
	// TOP demands a human on its web console.
	if c.HasFlag(platforms.FlagMustHandleOnWeb) {
		return nil
	}
	// Exchanges are acted on through tmall.exchange.*, which this client does
	// not call; the refund APIs would act on the wrong thing.
	if c.Kind == platforms.KindExchange {
		return nil
	}
	canRefuse := !c.HasFlag(platforms.FlagCannotRefuse)

	switch c.Status {
	case platforms.StatusAwaitingSeller:
		out := []platforms.Action{platforms.ActionAgree}
		if c.Kind == platforms.KindReturn {
			out = []platforms.Action{platforms.ActionAgreeReturn}
		}
		// TOP forbids refusing a refund whose goods were never shipped.
		if canRefuse && c.GoodsStatus != platforms.GoodsNotShipped {
			out = append(out, platforms.ActionRefuse)
		}
		return out
	case platforms.StatusAwaitingSellerReceipt:
		out := []platforms.Action{platforms.ActionAgree, platforms.ActionConfirmReceipt}
		if canRefuse {
			out = append(out, platforms.ActionRefuse)
		}
		return out
	}
	return nil
}
