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
)

// Actions lists every action name.
var Actions = []Action{
	ActionAgree, ActionRefuse, ActionAgreeReturn, ActionConfirmReceipt,
	ActionResend, ActionEscalate, ActionWait,
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
