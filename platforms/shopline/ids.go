package shopline

import (
	"fmt"
	"strings"
)

// Case IDs. SHOPLINE has two kinds of after-sale objects and neither can be
// read by its own id alone: a refund hangs off its order
// (/orders/:order_id/refunds/:refund_id.json), a return is read with
// /return.json?id=. The case ID embeds what the API path needs, so Get works
// from the ID alone:
//
//	return-<return_id>               e.g. return-2605860580357012238342
//	refund-<order_id>-<refund_id>    e.g. refund-21057168152571061289431726-SL201AS4571669738589065294
const (
	returnPrefix = "return-"
	refundPrefix = "refund-"
)

// ReturnCaseID is the case ID of a return.
func ReturnCaseID(returnID string) string { return returnPrefix + returnID }

// RefundCaseID is the case ID of a refund of an order.
func RefundCaseID(orderID, refundID string) string {
	return refundPrefix + orderID + "-" + refundID
}

// caseRef is a parsed case ID.
type caseRef struct {
	kind     string // "return" or "refund"
	returnID string
	orderID  string
	refundID string
}

// parseCaseID splits a case ID. Ids are SHOPLINE's alphanumeric ids; an
// order id never contains "-", so the first "-" after "refund-" splits.
func parseCaseID(id string) (caseRef, error) {
	if rid, ok := strings.CutPrefix(id, returnPrefix); ok && validID(rid) {
		return caseRef{kind: "return", returnID: rid}, nil
	}
	if rest, ok := strings.CutPrefix(id, refundPrefix); ok {
		order, refund, _ := strings.Cut(rest, "-")
		if validID(order) && validID(refund) {
			return caseRef{kind: "refund", orderID: order, refundID: refund}, nil
		}
	}
	return caseRef{}, fmt.Errorf("case id %q is neither return-<return_id> nor refund-<order_id>-<refund_id>", id)
}

// validID accepts SHOPLINE ids ("2605860580357012238342",
// "SL201AS4571669738589065294"): letters, digits and "_", which are safe in
// a URL path and never contain the "-" our case IDs split on.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		default:
			return false
		}
	}
	return true
}
