package workflows

import (
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// CaseInput starts (or continues) a CaseWorkflow. It carries no credentials
// and no personal data: the workflow reads the case through activities.
type CaseInput struct {
	Platform platforms.Platform `json:"platform"`
	Shop     string             `json:"shop"`
	CaseID   string             `json:"case_id"`
	// State is set only when the workflow continues as new.
	State *CaseState `json:"state,omitempty"`
}

// Validate says what is wrong with an input typed by hand in the Temporal UI.
func (in CaseInput) Validate() error {
	var missing []string
	if in.Platform == "" {
		missing = append(missing, "platform")
	}
	if in.Shop == "" {
		missing = append(missing, "shop")
	}
	if in.CaseID == "" {
		missing = append(missing, "case_id")
	}
	if len(missing) > 0 {
		return inputError("CaseInput is missing %v; expected {\"platform\":\"taobao\",\"shop\":\"my-shop\",\"case_id\":\"123\"}", missing)
	}
	switch in.Platform {
	case platforms.Taobao, platforms.Xiaoe, platforms.Shopline, platforms.Xportcn:
	default:
		return inputError("unknown platform %q (taobao, xiaoe, shopline, xportcn)", in.Platform)
	}
	return nil
}

// Decision outcomes.
const (
	OutcomePending   = "pending"   // recorded, the platform call is under way
	OutcomeDone      = "done"      // the platform accepted it
	OutcomeMoved     = "moved"     // the platform state moved before we acted: nothing sent
	OutcomeFailed    = "failed"    // the platform refused or could not be reached in time
	OutcomeShadow    = "shadow"    // shadow mode: decided, never sent
	OutcomeEscalated = "escalated" // handed to a human
	OutcomeLapsed    = "lapsed"    // escalated and nobody decided before deadline - margin
	OutcomeWaiting   = "waiting"   // rules said wait
)

// Decision is one entry of a case's decision record.
type Decision struct {
	Seq         int               `json:"seq"`
	Key         string            `json:"key"` // stable idempotency key, reused by retries
	Action      platforms.Action  `json:"action"`
	Rule        string            `json:"rule,omitempty"`
	RulesetHash string            `json:"ruleset_hash,omitempty"`
	Actor       string            `json:"actor"` // "rules", "on_deadline" or the human's name
	Note        string            `json:"note,omitempty"`
	Params      map[string]string `json:"params,omitempty"`
	Mode        string            `json:"mode,omitempty"`
	Amount      int64             `json:"amount"`
	Status      platforms.Status  `json:"status"` // case status the decision was made in
	Version     string            `json:"version,omitempty"`
	At          time.Time         `json:"at"`
	Outcome     string            `json:"outcome"`
	Error       string            `json:"error,omitempty"`
}

// Escalation is a pending request for a human decision.
type Escalation struct {
	Since      time.Time        `json:"since"`
	Rule       string           `json:"rule,omitempty"`
	Note       string           `json:"note,omitempty"`
	OnDeadline platforms.Action `json:"on_deadline,omitempty"`
	Lapsed     bool             `json:"lapsed,omitempty"`
	// Unreadable: escalated only because the case could not be read; the
	// next good read hands it back to the rules.
	Unreadable bool `json:"unreadable,omitempty"`
}

// CaseState is everything a CaseWorkflow knows; it survives continue-as-new.
type CaseState struct {
	Case       platforms.Case `json:"case"`
	Decisions  []Decision     `json:"decisions,omitempty"`
	Escalation *Escalation    `json:"escalation,omitempty"`
	// Margin and PollInterval come from the rules/config through the evaluate activity.
	Margin       time.Duration `json:"margin"`
	PollInterval time.Duration `json:"poll_interval"`
	LastRead     time.Time     `json:"last_read"`
	LastNews     time.Time     `json:"last_news,omitzero"` // last snapshot signal (sync, push, CLI)
	// MarginHandled is the deadline whose "deadline - margin" moment was handled.
	MarginHandled time.Time `json:"margin_handled,omitzero"`
	// LastEval identifies the last recorded evaluation (rule, action, version,
	// status) so an unchanged case does not grow the decision record.
	LastEval string `json:"last_eval,omitempty"`
	// ReminderBefore comes from the config through the evaluate activity;
	// Reminded is the deadline whose reminder was sent.
	ReminderBefore time.Duration `json:"reminder_before,omitempty"`
	Reminded       time.Time     `json:"reminded,omitzero"`
	// Hint is a snapshot signal not yet processed.
	Hint *platforms.Case `json:"hint,omitempty"`
}

// CaseView answers the state query and is the workflow's result.
type CaseView struct {
	WorkflowID string         `json:"workflow_id"`
	Case       platforms.Case `json:"case"`
	Decisions  []Decision     `json:"decisions"`
	Escalation *Escalation    `json:"escalation,omitempty"`
	NextWake   time.Time      `json:"next_wake,omitzero"`
	Finished   bool           `json:"finished"`
}

// DecideRequest is the payload of the decide update (CLI, UI, inbox).
type DecideRequest struct {
	Action platforms.Action  `json:"action"`
	By     string            `json:"by"`
	Note   string            `json:"note,omitempty"`
	Params map[string]string `json:"params,omitempty"`
	Amount int64             `json:"amount,omitempty"`
}
