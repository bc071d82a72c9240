package xiaoe

import (
	"strconv"

	"github.com/aftersale/aftersale/platforms"
)

// AllowedActions returns the decisions a rule or a person may take on c in
// its current state.
//
// Xiaoe's public API can carry out one of them: agree on a refund-only
// application, done as a merchant refund (xe.order.refund). The others the
// merchant takes in the Xiaoe admin (refuse, agree a return or exchange,
// confirm receipt, ship a replacement) are listed too, on purpose: such a
// decision reaches Act, which answers platforms.Unsupported with a note
// saying where to do it, so the workflow escalates with that explanation
// instead of rejecting the decision as "not allowed".
func AllowedActions(c platforms.Case) []platforms.Action {
	// Unknown states and merchant timeouts (3, 12) are for a person.
	if c.Status == platforms.StatusUnknown || c.HasFlag(platforms.FlagMustHandleOnWeb) {
		return nil
	}
	state, err := strconv.Atoi(c.PlatformStatus)
	if err != nil {
		return nil
	}
	switch {
	case awaitingMerchantDecision(state):
		if c.Kind == platforms.KindRefund {
			if refundable(c) {
				return []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse}
			}
			return []platforms.Action{platforms.ActionRefuse}
		}
		return []platforms.Action{platforms.ActionAgreeReturn, platforms.ActionRefuse}
	case state == StateAwaitReceipt:
		return []platforms.Action{platforms.ActionConfirmReceipt, platforms.ActionRefuse}
	case state == StateAwaitResend, state == StateGoodsReceived && c.Kind == platforms.KindExchange:
		return []platforms.Action{platforms.ActionResend}
	}
	return nil
}

// refundable reports whether xe.order.refund can be sent for c: it needs the
// order, the sku and an amount, and nothing refunded on it yet (a second
// refund of the same application must never go out automatically).
func refundable(c platforms.Case) bool {
	return c.OrderID != "" && c.Attrs[AttrSkuID] != "" && c.Amount > 0 && c.Attrs[AttrRefundMoney] == ""
}
