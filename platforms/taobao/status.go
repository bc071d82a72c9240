package taobao

import "github.com/aftersale/aftersale/platforms"

// RefundStatuses maps every documented TOP refund status (PLATFORMS.md §1.4)
// to the normalized status. Values not listed map to platforms.StatusUnknown.
var RefundStatuses = map[string]platforms.Status{
	"WAIT_SELLER_AGREE":         platforms.StatusAwaitingSeller,
	"WAIT_BUYER_RETURN_GOODS":   platforms.StatusAwaitingBuyerReturn,
	"WAIT_SELLER_CONFIRM_GOODS": platforms.StatusAwaitingSellerReceipt,
	"SELLER_REFUSE_BUYER":       platforms.StatusRefused,
	"CLOSED":                    platforms.StatusClosed,
	"SUCCESS":                   platforms.StatusSucceeded,
	// Exchange states, accepted by the refunds.receive.get status filter.
	"WAIT_BUYER_CONFIRM_EXCHANGE_SELLER_SEND_GOODS": platforms.StatusAwaitingBuyerReceipt,
	// The buyer turned an exchange into a refund: the seller decides again.
	"EXCHANGE_TRANSFORM_TO_REFUND": platforms.StatusAwaitingSeller,
	"WAIT_SELLER_CONSIGN_GOODS":    platforms.StatusAwaitingSellerResend,
}

// NormalizeStatus maps a raw TOP refund status; unknown values become
// platforms.StatusUnknown, which rules cannot auto-agree.
func NormalizeStatus(raw string) platforms.Status {
	if s, ok := RefundStatuses[raw]; ok {
		return s
	}
	return platforms.StatusUnknown
}
