package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/rules"
)

// EvaluateInput is a case and the workflow's notion of now, so evaluation
// is reproducible from history.
type EvaluateInput struct {
	Case platforms.Case `json:"case"`
	Now  time.Time      `json:"now"`
}

// Evaluation is what the rules decided, plus the timing the workflow needs.
type Evaluation struct {
	Action       platforms.Action  `json:"action"`
	Rule         string            `json:"rule"`
	RulesetHash  string            `json:"ruleset_hash"`
	Note         string            `json:"note,omitempty"`
	OnDeadline   platforms.Action  `json:"on_deadline,omitempty"`
	Params       map[string]string `json:"params,omitempty"`
	Mode         string            `json:"mode"`
	Margin       time.Duration     `json:"margin"`
	PollInterval time.Duration     `json:"poll_interval"`
	// ReminderBefore is how long before the deadline a case still waiting
	// for a human is announced again; 0: no reminder.
	ReminderBefore time.Duration `json:"reminder_before,omitempty"`
}

// Evaluate runs the current ruleset on a case.
func (a *Activities) Evaluate(ctx context.Context, in EvaluateInput) (Evaluation, error) {
	d, err := a.Rules.Evaluate(in.Case, in.Now)
	if err != nil {
		return Evaluation{}, err
	}
	ev := Interpret(in.Case, d)
	ev.PollInterval = a.PollInterval
	ev.ReminderBefore = a.ReminderBefore
	return ev, nil
}

// Interpret turns a rules decision into what the workflow will do. A
// mutating decision the platform does not allow in the case's state becomes
// an escalation, so a rule can never push an action the platform would
// reject or misapply. `rules replay` uses it too, so a candidate ruleset is
// judged exactly as the live one was.
func Interpret(c platforms.Case, d rules.Decision) Evaluation {
	ev := Evaluation{
		Action:      d.Action,
		Rule:        d.RuleID,
		RulesetHash: d.RulesetHash,
		Note:        d.Note,
		OnDeadline:  d.OnDeadline,
		Params:      d.Params,
		Mode:        d.Mode,
		Margin:      d.DeadlineMargin,
	}
	if ev.Action.Mutating() && !c.Allows(ev.Action) {
		ev.Note = joinNote(ev.Note, fmt.Sprintf("rule %s chose %s, which %s does not allow in status %s (allowed: %v)",
			ev.Rule, ev.Action, c.Platform, c.PlatformStatus, c.Allowed))
		ev.Action = platforms.ActionEscalate
	}
	if ev.OnDeadline != "" && !c.Allows(ev.OnDeadline) {
		ev.Note = joinNote(ev.Note, fmt.Sprintf("on_deadline %s is not allowed now; nothing will act at the deadline", ev.OnDeadline))
		ev.OnDeadline = ""
	}
	return ev
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
