package taobao

import (
	"strings"

	"github.com/aftersale/aftersale/platforms"
)

// ExchangeStatuses maps every documented Tmall exchange status (PLATFORMS.md
// §1.4, tmall.exchange.receive.get) to the normalized status. Values not
// listed map to platforms.StatusUnknown.
var ExchangeStatuses = map[string]platforms.Status{
	"1":  platforms.StatusAwaitingSeller,        // 换货待处理
	"2":  platforms.StatusAwaitingBuyerReturn,   // 待买家退货
	"3":  platforms.StatusAwaitingSellerReceipt, // 买家已退货,待收货
	"4":  platforms.StatusClosed,                // 换货关闭
	"5":  platforms.StatusSucceeded,             // 换货成功
	"6":  platforms.StatusAwaitingBuyer,         // 待买家修改
	"12": platforms.StatusAwaitingSellerResend,  // 待发出换货商品
	"13": platforms.StatusAwaitingBuyerReceipt,  // 待买家收货
	// 请退款: the buyer turned the exchange into a refund request. That
	// refund is its own case (refunds.receive.get lists it as
	// EXCHANGE_TRANSFORM_TO_REFUND, which the refund table maps to
	// awaiting_seller) and is decided there. The exchange itself takes no
	// more exchange actions, but 14 is not documented as final, so it is
	// "refunding" (the money side is under way; rules wait) rather than
	// closed, and the workflow keeps watching it until 4 or 5.
	"14": platforms.StatusRefunding,
}

// exchangeStatusLabels are the labels the API documentation gives next to
// each code. The status field is typed String and the seed sample shows
// text, so an exact documented label is read as its code; any other text
// (the seed's own "买家已经申请退款,等待卖家同意" included) is unknown.
var exchangeStatusLabels = map[string]string{
	"换货待处理":     "1",
	"待处理":       "1",
	"待买家退货":     "2",
	"买家已退货,待收货": "3",
	"买家已退货，待收货": "3",
	"买家已退货待收货":  "3",
	"换货关闭":      "4",
	"换货成功":      "5",
	"待买家修改":     "6",
	"待发出换货商品":   "12",
	"待买家收货":     "13",
	"请退款":       "14",
}

// exchangeCode returns the numeric status code of a raw status, reading
// documented labels too; "" if it is neither.
func exchangeCode(raw string) string {
	raw = strings.TrimSpace(raw)
	if _, ok := ExchangeStatuses[raw]; ok {
		return raw
	}
	return exchangeStatusLabels[raw]
}

// NormalizeExchangeStatus maps a raw exchange status; unknown values become
// platforms.StatusUnknown, which rules cannot auto-agree.
func NormalizeExchangeStatus(raw string) platforms.Status {
	if s, ok := ExchangeStatuses[exchangeCode(raw)]; ok {
		return s
	}
	return platforms.StatusUnknown
}

// exchangeDeadlineOwner says whose move time_out limits in a status.
func exchangeDeadlineOwner(raw string) platforms.Role {
	switch exchangeCode(raw) {
	case "1", "3", "12":
		return platforms.RoleSeller
	case "2", "6", "13":
		return platforms.RoleBuyer
	}
	return ""
}

// ExchangeAllowedActions returns the actions the tmall.exchange.* APIs
// accept on exchange c in its current state: agree (tmall.exchange.agree)
// or refuse (tmall.exchange.refuse) a new request, confirm_receipt of the
// returned goods (tmall.exchange.returngoods.agree), and resend the
// replacement (tmall.exchange.consigngoods).
func ExchangeAllowedActions(c platforms.Case) []platforms.Action {
	if c.HasFlag(platforms.FlagMustHandleOnWeb) {
		return nil
	}
	switch c.Status {
	case platforms.StatusAwaitingSeller:
		if c.HasFlag(platforms.FlagCannotRefuse) {
			return []platforms.Action{platforms.ActionAgree}
		}
		return []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse}
	case platforms.StatusAwaitingSellerReceipt:
		return []platforms.Action{platforms.ActionConfirmReceipt}
	case platforms.StatusAwaitingSellerResend:
		return []platforms.Action{platforms.ActionResend}
	}
	return nil
}
