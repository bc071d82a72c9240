package platforms

// Action is what a rule or a human decides to do with a case.
type Action string

const (
	ActionAgree          Action = "agree"
	ActionRefuse         Action = "refuse"
	ActionAgreeReturn    Action = "agree_return"
	ActionConfirmReceipt Action = "confirm_receipt"
	ActionResend         Action = "resend"
	ActionEscalate       Action = "escalate"
	ActionWait           Action = "wait"

	// Buyer-side actions (Xportcn, where we are the buyer).
	ActionCancel     Action = "cancel"      // withdraw our after-sale request
	ActionShipReturn Action = "ship_return" // submit the return's logistics (needs a waybill: usually a human)
)

// Actions lists every action name.
var Actions = []Action{
	ActionAgree, ActionRefuse, ActionAgreeReturn, ActionConfirmReceipt,
	ActionResend, ActionEscalate, ActionWait, ActionCancel, ActionShipReturn,
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	for _, v := range Actions {
		if v == a {
			return true
		}
	}
	return false
}

// Mutating reports whether the action changes the case on the platform.
func (a Action) Mutating() bool { return a != ActionEscalate && a != ActionWait && a.Valid() }

// Approving reports whether the action gives the buyer what they asked for
// (money back, a return, a replacement): what an auto-approval budget counts.
func (a Action) Approving() bool {
	switch a {
	case ActionAgree, ActionAgreeReturn, ActionConfirmReceipt, ActionResend:
		return true
	}
	return false
}
