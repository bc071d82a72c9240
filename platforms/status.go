package platforms

// Status is the normalized case status used in rules and search attributes.
type Status string

const (
	StatusAwaitingSeller        Status = "awaiting_seller"
	StatusAwaitingBuyerReturn   Status = "awaiting_buyer_return"
	StatusAwaitingSellerReceipt Status = "awaiting_seller_receipt"
	StatusAwaitingSellerResend  Status = "awaiting_seller_resend"
	StatusAwaitingBuyerReceipt  Status = "awaiting_buyer_receipt"
	StatusAwaitingBuyer         Status = "awaiting_buyer"
	StatusRefunding             Status = "refunding"
	StatusRefused               Status = "refused"
	StatusSucceeded             Status = "succeeded"
	StatusClosed                Status = "closed"
	// StatusUnknown is what an undocumented platform value maps to; rules
	// cannot auto-agree such a case.
	StatusUnknown Status = "unknown"
)

// Statuses lists every normalized status, for validation and docs.
var Statuses = []Status{
	StatusAwaitingSeller, StatusAwaitingBuyerReturn, StatusAwaitingSellerReceipt,
	StatusAwaitingSellerResend, StatusAwaitingBuyerReceipt, StatusAwaitingBuyer,
	StatusRefunding, StatusRefused, StatusSucceeded, StatusClosed, StatusUnknown,
}

// Terminal reports whether nothing more can happen on the platform.
func (s Status) Terminal() bool { return s == StatusSucceeded || s == StatusClosed }

// Valid reports whether s is one of the normalized statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}
