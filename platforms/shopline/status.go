package shopline

import (
	"strings"

	"github.com/aftersale/aftersale/platforms"
)

// SHOPLINE has no "after-sale request" with a status of its own (PLATFORMS.md
// §4.2): a case's normalized status is derived from three documented or
// observed values, each with its own table below. Values not listed map to
// platforms.StatusUnknown (or an unknown package state), which rules cannot
// auto-agree.

// ReturnStatuses maps the documented return order status (Query returns:
// "OPEN: returning, CLOSED: return and refund completed"; "cancelled" added
// in the November 2025 release notes). Matched case-insensitively. An OPEN
// return is refined by its package and refunds (see returnStatus).
var ReturnStatuses = map[string]platforms.Status{
	"OPEN":      platforms.StatusAwaitingBuyerReturn,
	"CLOSED":    platforms.StatusSucceeded,
	"CANCELLED": platforms.StatusClosed,
}

// TransactionStatuses maps the documented refund transaction status
// ("pending, failure, success, and error"). A refund whose money did not go
// out (failure, error) is the seller's to sort out: nothing retries it
// automatically, because a second refund could pay twice if the first one
// completes later.
var TransactionStatuses = map[string]platforms.Status{
	"success": platforms.StatusSucceeded,
	"pending": platforms.StatusRefunding,
	"failure": platforms.StatusAwaitingSeller,
	"error":   platforms.StatusAwaitingSeller,
}

// packageState is where a return's goods are.
type packageState int

const (
	packageUnknown   packageState = iota
	packageAwaiting               // not back yet (not shipped or in transit)
	packageArrived                // back at the seller
	packageCancelled              // the return fulfillment was cancelled
)

// PackageStatuses maps the status of a reverse fulfillment order (GET
// /return_fulfillment.json). UNCONFIRMED: the field and its values are not in
// the public reference; they follow the reverse-fulfillment model SHOPLINE's
// API mirrors (OPEN while the goods are on their way, CLOSED once received).
// Any other value is an unknown package state, and the return case is
// escalated rather than refunded.
var PackageStatuses = map[string]packageState{
	"OPEN":      packageAwaiting,
	"CLOSED":    packageArrived,
	"CANCELLED": packageCancelled,
	"CANCELED":  packageCancelled,
}

// NormalizeReturnStatus maps a raw return status; unknown values become
// platforms.StatusUnknown.
func NormalizeReturnStatus(raw string) platforms.Status {
	if s, ok := ReturnStatuses[strings.ToUpper(raw)]; ok {
		return s
	}
	return platforms.StatusUnknown
}

// NormalizeTransactionStatus maps a raw refund transaction status; unknown
// values become platforms.StatusUnknown.
func NormalizeTransactionStatus(raw string) platforms.Status {
	if s, ok := TransactionStatuses[strings.ToLower(raw)]; ok {
		return s
	}
	return platforms.StatusUnknown
}

func normalizePackage(raw string) packageState {
	return PackageStatuses[strings.ToUpper(raw)] // zero value: packageUnknown
}

// severity orders transaction statuses so that the worst one speaks for a
// refund: an unknown value, then money that did not go out, then money on
// its way, then paid.
func severity(raw string) int {
	switch NormalizeTransactionStatus(raw) {
	case platforms.StatusSucceeded:
		return 0
	case platforms.StatusRefunding:
		return 1
	case platforms.StatusAwaitingSeller:
		return 2
	}
	return 3
}

// worstStatus returns the raw transaction status that decides for a set of
// transactions; "" for none.
func worstStatus(raws []string) string {
	worst := ""
	for _, r := range raws {
		if worst == "" || severity(r) > severity(worst) {
			worst = r
		}
	}
	return worst
}
