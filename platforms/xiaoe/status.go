package xiaoe

import "github.com/aftersale/aftersale/platforms"

// Xiaoe after-sale states (售后状态), as the official detail page lists
// them (PLATFORMS.md §3.2). 9 and 10 are not documented.
const (
	StateNotAccepted      = 0  // 未受理
	StateUserCancelled    = 1  // 用户取消
	StateMerchantHandling = 2  // 商家受理中
	StateMerchantOverdue  = 3  // 商家逾期未处理: the merchant let state_invalid_time pass
	StateRefundRefused    = 4  // 商家拒绝退款
	StateReturnRefused    = 5  // 商家拒绝退货退款
	StateAwaitBuyerReturn = 6  // 待买家退货
	StateReturnClosed     = 7  // 退货退款关闭
	StateAwaitReceipt     = 8  // 待商家收货
	StateRefunding        = 11 // 商家退款中
	StateRefundOverdue    = 12 // 商家逾期未退款: the merchant let the refund deadline pass
	StateRefunded         = 13 // 退款完成
	StateReturnRefunded   = 14 // 退货退款完成
	StateExchanged        = 15 // 换货完成
	StateAwaitResend      = 16 // 待商家发货 (exchange: ship the replacement)
	StateAwaitBuyerAccept = 17 // 待用户确认收货
	StateExchangeRefused  = 18 // 商家拒绝换货
	StateGoodsReceived    = 19 // 商家已收到货
)

// States maps every documented Xiaoe state to the normalized status.
// Values not listed map to platforms.StatusUnknown.
//
// 3 and 12 are the merchant-timeout outcomes. What Xiaoe does next (refund
// by itself? close?) is UNCONFIRMED, so they stay open as awaiting_seller
// and the parser flags them must_handle_on_web: nothing acts automatically,
// a person looks in the Xiaoe admin, and the workflow keeps polling until
// the platform moves on.
var States = map[int]platforms.Status{
	StateNotAccepted:      platforms.StatusAwaitingSeller,
	StateUserCancelled:    platforms.StatusClosed,
	StateMerchantHandling: platforms.StatusAwaitingSeller,
	StateMerchantOverdue:  platforms.StatusAwaitingSeller,
	StateRefundRefused:    platforms.StatusRefused,
	StateReturnRefused:    platforms.StatusRefused,
	StateAwaitBuyerReturn: platforms.StatusAwaitingBuyerReturn,
	StateReturnClosed:     platforms.StatusClosed,
	StateAwaitReceipt:     platforms.StatusAwaitingSellerReceipt,
	StateRefunding:        platforms.StatusRefunding,
	StateRefundOverdue:    platforms.StatusAwaitingSeller,
	StateRefunded:         platforms.StatusSucceeded,
	StateReturnRefunded:   platforms.StatusSucceeded,
	StateExchanged:        platforms.StatusSucceeded,
	StateAwaitResend:      platforms.StatusAwaitingSellerResend,
	StateAwaitBuyerAccept: platforms.StatusAwaitingBuyerReceipt,
	StateExchangeRefused:  platforms.StatusRefused,
	// The goods are back: the merchant must now refund (return) or ship
	// the replacement (exchange).
	StateGoodsReceived: platforms.StatusAwaitingSeller,
}

// NormalizeState maps a raw Xiaoe state; unknown values become
// platforms.StatusUnknown, which rules cannot auto-agree.
func NormalizeState(state int) platforms.Status {
	if s, ok := States[state]; ok {
		return s
	}
	return platforms.StatusUnknown
}

// merchantTimedOut reports the states in which the merchant missed a
// deadline and Xiaoe's next step is undocumented.
func merchantTimedOut(state int) bool {
	return state == StateMerchantOverdue || state == StateRefundOverdue
}

// awaitingMerchantDecision reports the states in which an application waits
// for the merchant to accept or refuse it.
func awaitingMerchantDecision(state int) bool {
	return state == StateNotAccepted || state == StateMerchantHandling
}
