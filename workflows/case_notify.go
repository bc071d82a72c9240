package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms"
)

// escalate hands the case to humans and announces it when it is news: a
// new escalation, or one for another rule than the one already open.
func (w *caseWorkflow) escalate(ctx workflow.Context, event notify.Event, rule, note string, onDeadline platforms.Action) {
	prev := w.state.Escalation
	now := workflow.Now(ctx)
	w.state.Escalation = &Escalation{Since: now, Rule: rule, Note: note, OnDeadline: onDeadline}
	if prev != nil && !prev.Lapsed && prev.Rule == rule && event == notify.Escalated {
		w.state.Escalation.Since = prev.Since
		return
	}
	// The notice carries the deadline: no separate reminder when it is already this close.
	if at := w.reminderAt(); !at.IsZero() && !now.Before(at) {
		w.state.Reminded = w.state.Case.Deadline
	}
	w.announce(ctx, event, note)
}

// announce posts a notice to every webhook that wants it, in the
// background: a slow webhook must never hold up acting before a deadline.
func (w *caseWorkflow) announce(ctx workflow.Context, event notify.Event, reason string) {
	c := w.state.Case
	n := notify.Notice{
		Event:          event,
		WorkflowID:     workflow.GetInfo(ctx).WorkflowExecution.ID,
		Platform:       string(c.Platform),
		Shop:           c.Shop,
		CaseID:         c.ID,
		Kind:           string(c.Kind),
		Status:         string(c.Status),
		PlatformStatus: c.PlatformStatus,
		Amount:         c.Amount,
		Currency:       c.Currency,
		Deadline:       c.Deadline,
		Reason:         reason,
		At:             workflow.Now(ctx),
	}
	if esc := w.state.Escalation; esc != nil {
		n.Rule = esc.Rule
		n.OnDeadline = string(esc.OnDeadline)
	}
	w.notifying++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { w.notifying-- }()
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			// A notice older than this helps nobody; the reminder covers it.
			ScheduleToCloseTimeout: time.Hour,
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:    2 * time.Second,
				BackoffCoefficient: 2,
				MaximumInterval:    2 * time.Minute,
			},
		})
		var targets []string
		if err := workflow.ExecuteActivity(ctx, a.NotifyTargets, event).Get(ctx, &targets); err != nil {
			workflow.GetLogger(ctx).Warn("notification targets unavailable", "err", err)
			return
		}
		var sent []workflow.Future
		for _, t := range targets {
			sent = append(sent, workflow.ExecuteActivity(ctx, a.Notify, activities.NotifyInput{Target: t, Notice: n}))
		}
		for i, f := range sent {
			if err := f.Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("notification not delivered", "webhook", targets[i], "event", event, "err", err)
			}
		}
	})
}

// reminderAt is when a case still waiting for a human is announced again;
// zero when no reminder is due.
func (w *caseWorkflow) reminderAt() time.Time {
	esc, d := w.state.Escalation, w.state.Case.Deadline
	if esc == nil || esc.Lapsed || w.state.ReminderBefore <= 0 || d.IsZero() || w.state.Reminded.Equal(d) {
		return time.Time{}
	}
	return d.Add(-w.state.ReminderBefore)
}

// remind announces a waiting escalation once per deadline, before it.
func (w *caseWorkflow) remind(ctx workflow.Context) {
	at := w.reminderAt()
	now := workflow.Now(ctx)
	if at.IsZero() || now.Before(at) {
		return
	}
	w.state.Reminded = w.state.Case.Deadline
	if now.Before(w.state.Case.Deadline) {
		w.announce(ctx, notify.Reminder, w.state.Escalation.Note)
	}
}

// lapse records that nobody decided in time and says so.
func (w *caseWorkflow) lapse(ctx workflow.Context, esc *Escalation, note string) {
	esc.Lapsed = true
	w.record(ctx, Decision{Action: platforms.ActionEscalate, Rule: esc.Rule, Actor: "on_deadline", Note: note, Outcome: OutcomeLapsed})
	w.announce(ctx, notify.Lapsed, note)
}
