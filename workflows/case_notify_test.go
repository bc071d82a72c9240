package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/budget"
	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms"
)

// notices records what the workflow posted, and when (workflow time).
type notices struct {
	events []notify.Event
	at     []time.Time
}

func (n *notices) mock(env interface{ Now() time.Time }) func(context.Context, activities.NotifyInput) error {
	return func(_ context.Context, in activities.NotifyInput) error {
		n.events = append(n.events, in.Notice.Event)
		n.at = append(n.at, env.Now())
		return nil
	}
}

func TestCaseWorkflowOverBudgetEscalatesInsteadOfAgreeing(t *testing.T) {
	env := newEnv(t)
	c := openCase(env.Now().Add(48 * time.Hour))
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil).Once()
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(succeeded(c), nil)
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionAgree, Rule: "small", Mode: "enforce", Margin: 2 * time.Hour,
	}, nil).Once()
	env.OnActivity(a.ReserveBudget, mock.Anything, mock.MatchedBy(func(in activities.ReserveInput) bool {
		return in.Amount == 9900 && in.Case == "default-test-workflow-id" && in.Key == "default-test-workflow-id#1"
	})).Return(budget.Result{Allowed: false, Reason: "the shop's auto-approval budget is spent: 5 of 5 approvals in the last hour"}, nil).Once()
	env.OnActivity(a.NotifyTargets, mock.Anything, notify.OverBudget).Return([]string{"ops"}, nil).Once()
	var got notices
	env.OnActivity(a.Notify, mock.Anything, mock.Anything).Return(got.mock(env)).Once()

	env.ExecuteWorkflow(CaseWorkflow, input())
	v := result(t, env)
	if o := outcomes(v); len(o) != 1 || o[0] != "escalate:escalated" {
		t.Fatalf("decisions = %v, want one escalation and no agree", o)
	}
	if note := v.Decisions[0].Note; !strings.Contains(note, "rule small chose agree") || !strings.Contains(note, "5 of 5") {
		t.Fatalf("note %q does not say why", note)
	}
	if len(got.events) != 1 || got.events[0] != notify.OverBudget {
		t.Fatalf("notices = %v, want [over_budget]", got.events)
	}
	env.AssertExpectations(t)
}

func TestCaseWorkflowRemindsBeforeTheDeadlineThenLapses(t *testing.T) {
	env := newEnv(t)
	start := env.Now()
	deadline := start.Add(10 * time.Hour)
	c := openCase(deadline)
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(func(context.Context, activities.CaseRef) (platforms.Case, error) {
		if env.Now().After(deadline) {
			closed := c
			closed.Status, closed.PlatformStatus, closed.Version = platforms.StatusClosed, "CLOSED", "9"
			return closed, nil
		}
		return c, nil
	})
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionEscalate, Rule: "big", Note: "needs a senior agent", Mode: "enforce",
		Margin: time.Hour, ReminderBefore: 3 * time.Hour,
	}, nil)
	env.OnActivity(a.NotifyTargets, mock.Anything, mock.Anything).Return([]string{"ops"}, nil)
	var got notices
	env.OnActivity(a.Notify, mock.Anything, mock.Anything).Return(got.mock(env))

	env.ExecuteWorkflow(CaseWorkflow, input())
	result(t, env)
	want := []notify.Event{notify.Escalated, notify.Reminder, notify.Lapsed}
	if len(got.events) != len(want) {
		t.Fatalf("notices = %v, want %v", got.events, want)
	}
	for i := range want {
		if got.events[i] != want[i] {
			t.Fatalf("notices = %v, want %v", got.events, want)
		}
	}
	if r := got.at[1]; r.Before(deadline.Add(-3*time.Hour)) || r.After(deadline.Add(-3*time.Hour+time.Minute)) {
		t.Fatalf("reminder at %v, want deadline - 3h (%v)", r, deadline.Add(-3*time.Hour))
	}
	if l := got.at[2]; l.Before(deadline.Add(-time.Hour)) || l.After(deadline) {
		t.Fatalf("lapsed notice at %v, want at deadline - margin", l)
	}
}

func TestCaseWorkflowEscalatingInsideTheReminderWindowSendsOneNotice(t *testing.T) {
	env := newEnv(t)
	deadline := env.Now().Add(2 * time.Hour)
	c := openCase(deadline)
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil).Once()
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(succeeded(c), nil)
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionEscalate, Rule: "big", Mode: "enforce", Margin: 30 * time.Minute, ReminderBefore: 3 * time.Hour,
	}, nil)
	env.OnActivity(a.NotifyTargets, mock.Anything, mock.Anything).Return([]string{"ops", "chat"}, nil)
	var got notices
	env.OnActivity(a.Notify, mock.Anything, mock.Anything).Return(got.mock(env))

	env.ExecuteWorkflow(CaseWorkflow, input())
	result(t, env)
	// One escalation notice per webhook, no reminder on top.
	if len(got.events) != 2 || got.events[0] != notify.Escalated || got.events[1] != notify.Escalated {
		t.Fatalf("notices = %v, want one escalated notice for each of two webhooks", got.events)
	}
}

func TestCaseWorkflowUnreadableEscalationClearsWhenTheCaseReadsAgain(t *testing.T) {
	env := newEnv(t)
	c := openCase(env.Now().Add(48 * time.Hour))
	reads := 0
	// Read 1 fine (the rules say wait), read 2 garbled, reads 3-4 fine and
	// unchanged, then the platform finishes the case.
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(func(context.Context, activities.CaseRef) (platforms.Case, error) {
		reads++
		switch {
		case reads == 2:
			return platforms.Case{}, temporal.NewNonRetryableApplicationError("malformed answer", "Malformed", nil)
		case reads >= 5:
			return succeeded(c), nil
		}
		return c, nil
	})
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionWait, Rule: "buyer-turn", Mode: "enforce", Margin: 2 * time.Hour,
	}, nil)
	var got notices
	var escalatedAfterGoodRead bool
	env.OnActivity(a.NotifyTargets, mock.Anything, mock.Anything).Return([]string{"ops"}, nil)
	env.OnActivity(a.Notify, mock.Anything, mock.Anything).Return(got.mock(env))
	env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
		if info.ActivityType.Name == "ReadCase" && reads == 4 {
			if res, err := env.QueryWorkflow(QueryState); err == nil {
				var v CaseView
				res.Get(&v)
				escalatedAfterGoodRead = v.Escalation != nil
			}
		}
	})

	env.ExecuteWorkflow(CaseWorkflow, input())
	v := result(t, env)
	if escalatedAfterGoodRead {
		t.Fatal("the case was still escalated for a failed read after it read fine again")
	}
	if len(got.events) != 1 || got.events[0] != notify.Escalated {
		t.Fatalf("notices = %v, want the one escalation for the failed read", got.events)
	}
	if o := outcomes(v); len(o) < 2 || o[len(o)-1] != "wait:waiting" {
		t.Fatalf("decisions = %v: the rules must decide again once the case reads", o)
	}
}
