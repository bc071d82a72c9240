package xportcn

import (
	"maps"

	"github.com/aftersale/aftersale/platforms"
)

// RefundStatuses maps every refundStatus value the public docs show to the
// normalized status, from OUR point of view: we are the buyer. The docs
// document no enum (UNCONFIRMED); the one value seen is "100", in the
// queryList sample together with timeoutType sAgreeRefundT: the request waits
// for the seller to agree. Any other value is platforms.StatusUnknown unless
// the deployment adds it (Config.ExtraStatuses) after confirming it with
// Xportcn: an unknown status is never acted on automatically.
var RefundStatuses = map[string]platforms.Status{
	"100": platforms.StatusAwaitingSeller,
}

// TimeoutTypes maps every timeoutType value the public docs show to who must
// act by timeoutDate. The enum is undocumented (UNCONFIRMED); we read the
// prefix as "s" = seller, "b" = buyer (that is us), an inference from the one
// value seen. Unknown types keep their date but get no owner, so the workflow
// still wakes before it.
var TimeoutTypes = map[string]platforms.Role{
	"sAgreeRefundT": platforms.RoleSeller, // the seller must agree the refund; lapsing favours the buyer
}

// Sandbox conventions: the codes the sandbox (platforms/sandbox) simulates
// for the states the docs do not show. They follow the pattern of the one
// observed value but are NOT Xportcn's confirmed values: only dev mode and
// tests enable them (Config.ExtraStatuses = SandboxStatuses, ...). A
// deployment replaces them with what Xportcn confirms.
var (
	SandboxStatuses = map[string]platforms.Status{
		"200": platforms.StatusAwaitingBuyerReturn,   // the seller agreed a return: we ship the goods back
		"300": platforms.StatusAwaitingSellerReceipt, // we shipped the return: the seller confirms receipt
		"400": platforms.StatusRefused,               // the seller refused our request
		"500": platforms.StatusSucceeded,             // refunded
		"600": platforms.StatusClosed,                // cancelled by us, or closed by the platform
	}
	SandboxTimeoutTypes = map[string]platforms.Role{
		"bReturnGoodsT":  platforms.RoleBuyer,  // we must ship the return, or the request closes
		"sConfirmGoodsT": platforms.RoleSeller, // the seller must confirm receipt, or Taobao refunds
		"bModifyRefundT": platforms.RoleBuyer,  // after a refusal: we may modify or appeal, or it closes
	}
)

// tables are the value maps a client normalizes with.
type tables struct {
	statuses map[string]platforms.Status
	timeouts map[string]platforms.Role
}

// newTables merges the documented values with a deployment's extra ones;
// extras may not redefine a documented value.
func newTables(statuses map[string]platforms.Status, timeouts map[string]platforms.Role) tables {
	t := tables{statuses: maps.Clone(RefundStatuses), timeouts: maps.Clone(TimeoutTypes)}
	for k, v := range statuses {
		if _, documented := RefundStatuses[k]; !documented && v.Valid() {
			t.statuses[k] = v
		}
	}
	for k, v := range timeouts {
		if _, documented := TimeoutTypes[k]; !documented {
			t.timeouts[k] = v
		}
	}
	return t
}

// status normalizes a raw refundStatus; unknown values are StatusUnknown.
func (t tables) status(raw string) platforms.Status {
	if s, ok := t.statuses[raw]; ok {
		return s
	}
	return platforms.StatusUnknown
}

// owner says who must act by a timeoutType's date; "" when unknown.
func (t tables) owner(timeoutType string) platforms.Role {
	return t.timeouts[timeoutType]
}

// NormalizeStatus maps a raw refundStatus with the documented table only.
func NormalizeStatus(raw string) platforms.Status { return newTables(nil, nil).status(raw) }
