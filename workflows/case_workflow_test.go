package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
)

// These are fast unit tests on the SDK's test environment with mocked
// activities; the real-server tests live in the integration package.

func openCase(deadline time.Time) platforms.Case {
	return platforms.Case{
		Platform: platforms.Taobao, Shop: "s1", ID: "101", Kind: platforms.KindRefund,
		Status: platforms.StatusAwaitingSeller, PlatformStatus: "WAIT_SELLER_AGREE",
		Amount: 9900, Currency: "CNY", Version: "1", Deadline: deadline,
		Allowed: []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse},
	}
}

func succeeded(c platforms.Case) platforms.Case {
	c.Status, c.PlatformStatus, c.Version, c.Allowed = platforms.StatusSucceeded, "SUCCESS", "2", nil
	return c
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Activities{})
	env.RegisterWorkflow(CaseWorkflow)
	return env
}

func input() CaseInput { return CaseInput{Platform: platforms.Taobao, Shop: "s1", CaseID: "101"} }

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) CaseView {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var v CaseView
	if err := env.GetWorkflowResult(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func outcomes(v CaseView) []string {
	var out []string
	for _, d := range v.Decisions {
		out = append(out, string(d.Action)+":"+d.Outcome)
	}
	return out
}

func TestCaseWorkflowAgreesOnce(t *testing.T) {
	env := newEnv(t)
	c := openCase(env.Now().Add(48 * time.Hour))
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil).Once()
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionAgree, Rule: "small", RulesetHash: "abc", Mode: "enforce", Margin: 2 * time.Hour,
	}, nil).Once()
	env.OnActivity(a.Act, mock.Anything, mock.MatchedBy(func(in activities.ActInput) bool {
		return in.Action == platforms.ActionAgree && in.Key == "default-test-workflow-id#1" && in.Amount == 9900
	})).Return(activities.ActOutput{Outcome: activities.ActDone, Case: succeeded(c)}, nil).Once()

	env.ExecuteWorkflow(CaseWorkflow, input())
	v := result(t, env)
	if got := outcomes(v); len(got) != 1 || got[0] != "agree:done" {
		t.Fatalf("decisions = %v, want [agree:done]", got)
	}
	if d := v.Decisions[0]; d.Rule != "small" || d.RulesetHash != "abc" || d.Actor != "rules" {
		t.Fatalf("decision record = %+v", d)
	}
	env.AssertExpectations(t)
}

func TestCaseWorkflowEscalatesAndTakesHumanDecision(t *testing.T) {
	env := newEnv(t)
	c := openCase(env.Now().Add(48 * time.Hour))
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil)
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionEscalate, Rule: "big", Note: "senior", Mode: "enforce", Margin: 2 * time.Hour,
	}, nil)
	env.OnActivity(a.Act, mock.Anything, mock.MatchedBy(func(in activities.ActInput) bool {
		return in.Action == platforms.ActionRefuse && in.Params["reason_id"] == "7"
	})).Return(activities.ActOutput{Outcome: activities.ActDone, Case: func() platforms.Case {
		r := c
		r.Status, r.PlatformStatus, r.Version = platforms.StatusClosed, "CLOSED", "3"
		return r
	}()}, nil).Once()

	var rejected, answered error
	var got Decision
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateDecide, "bad", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { rejected = err },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, DecideRequest{Action: platforms.ActionAgreeReturn, By: "li"})
		env.UpdateWorkflow(UpdateDecide, "good", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { answered = err },
			OnAccept: func() {},
			OnComplete: func(res any, err error) {
				answered = err
				if d, ok := res.(Decision); ok {
					got = d
				}
			},
		}, DecideRequest{Action: platforms.ActionRefuse, By: "li", Note: "fraud", Params: map[string]string{"reason_id": "7"}})
	}, time.Hour)

	env.ExecuteWorkflow(CaseWorkflow, input())
	v := result(t, env)
	if rejected == nil {
		t.Fatal("agree_return is not allowed in this status; the validator should have rejected it")
	}
	if answered != nil || got.Outcome != OutcomeDone || got.Actor != "li" {
		t.Fatalf("decide answered %+v, %v", got, answered)
	}
	if want := []string{"escalate:escalated", "refuse:done"}; !equal(outcomes(v), want) {
		t.Fatalf("decisions = %v, want %v", outcomes(v), want)
	}
	env.AssertExpectations(t)
}

func TestCaseWorkflowActsOnDeadlineBeforeDeadline(t *testing.T) {
	env := newEnv(t)
	deadline := env.Now().Add(5 * time.Hour)
	c := openCase(deadline)
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil)
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionEscalate, Rule: "big", OnDeadline: platforms.ActionAgree, Mode: "enforce", Margin: 2 * time.Hour,
	}, nil)
	var actedAt time.Time
	env.OnActivity(a.Act, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ActInput) (activities.ActOutput, error) {
			actedAt = env.Now()
			return activities.ActOutput{Outcome: activities.ActDone, Case: succeeded(c)}, nil
		}).Once()

	env.ExecuteWorkflow(CaseWorkflow, input())
	v := result(t, env)
	if actedAt.IsZero() || !actedAt.Before(deadline) || actedAt.Before(deadline.Add(-2*time.Hour-time.Minute)) {
		t.Fatalf("acted at %s; want at deadline - margin (%s), before the deadline %s", actedAt, deadline.Add(-2*time.Hour), deadline)
	}
	if want := []string{"escalate:escalated", "agree:done"}; !equal(outcomes(v), want) {
		t.Fatalf("decisions = %v, want %v", outcomes(v), want)
	}
	if v.Decisions[1].Actor != "on_deadline" {
		t.Fatalf("actor = %q, want on_deadline", v.Decisions[1].Actor)
	}
}

func TestCaseWorkflowFinishesWhenPlatformClosesCase(t *testing.T) {
	env := newEnv(t)
	c := openCase(env.Now().Add(48 * time.Hour))
	closed := c
	closed.Status, closed.PlatformStatus, closed.Version = platforms.StatusClosed, "CLOSED", "9"
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil).Once()
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(closed, nil).Once()
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionEscalate, Rule: "big", Mode: "enforce", Margin: 2 * time.Hour,
	}, nil).Once()
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalSnapshot, closed) }, 10*time.Minute)

	env.ExecuteWorkflow(CaseWorkflow, input())
	v := result(t, env)
	if !v.Finished || v.Case.Status != platforms.StatusClosed || v.Escalation != nil {
		t.Fatalf("view = %+v", v)
	}
	env.AssertNotCalled(t, "Act", mock.Anything, mock.Anything)
}

func TestCaseWorkflowEscalatesWhenActionFails(t *testing.T) {
	env := newEnv(t)
	c := openCase(env.Now().Add(48 * time.Hour))
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil)
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionAgree, Rule: "small", Mode: "enforce", Margin: 2 * time.Hour,
	}, nil)
	env.OnActivity(a.Act, mock.Anything, mock.Anything).Return(activities.ActOutput{},
		errors.New("taobao auth: invalid session")).Once()
	env.RegisterDelayedCallback(func() {
		env.QueryWorkflow(QueryState) // exercise the query while waiting
		env.CancelWorkflow()
	}, 3*time.Hour)

	env.ExecuteWorkflow(CaseWorkflow, input())
	if !env.IsWorkflowCompleted() {
		t.Fatal("not completed")
	}
	var v CaseView
	res, err := env.QueryWorkflow(QueryState)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Get(&v); err != nil {
		t.Fatal(err)
	}
	if v.Escalation == nil || len(v.Decisions) != 1 || v.Decisions[0].Outcome != OutcomeFailed {
		t.Fatalf("want a failed decision and an escalation, got %+v", v)
	}
}

func TestCaseWorkflowContinuesAsNewKeepingState(t *testing.T) {
	env := newEnv(t)
	env.SetContinueAsNewSuggested(true)
	c := openCase(env.Now().Add(48 * time.Hour))
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(c, nil)
	env.OnActivity(a.Evaluate, mock.Anything, mock.Anything).Return(activities.Evaluation{
		Action: platforms.ActionEscalate, Rule: "big", Mode: "enforce",
	}, nil)
	env.ExecuteWorkflow(CaseWorkflow, input())
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next CaseInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.State.Escalation == nil || len(next.State.Decisions) != 1 || next.State.Case.Version != "1" {
		t.Fatalf("state not carried over: %+v", next.State)
	}
}

func TestCaseInputValidate(t *testing.T) {
	for _, tc := range []struct {
		in CaseInput
		ok bool
	}{
		{input(), true},
		{CaseInput{Platform: "taobao", Shop: "s"}, false},
		{CaseInput{Platform: "ebay", Shop: "s", CaseID: "1"}, false},
		{CaseInput{}, false},
	} {
		if err := tc.in.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v", tc.in, err)
		}
	}
}

func TestParseCaseWorkflowID(t *testing.T) {
	id := CaseWorkflowID(platforms.Taobao, "shop-1", "2026112300000000001")
	p, shop, cid, err := ParseCaseWorkflowID(id)
	if err != nil || p != platforms.Taobao || shop != "shop-1" || cid != "2026112300000000001" {
		t.Fatalf("round trip of %q = %q %q %q %v", id, p, shop, cid, err)
	}
	for _, bad := range []string{"", "case/taobao/x", "sync/taobao/x/1", "case//x/1"} {
		if _, _, _, err := ParseCaseWorkflowID(bad); err == nil {
			t.Errorf("ParseCaseWorkflowID(%q) accepted", bad)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCaseWorkflowKeepsTryingWhenCaseCannotBeRead(t *testing.T) {
	env := newEnv(t)
	c := openCase(env.Now().Add(48 * time.Hour))
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(platforms.Case{}, errors.New("platform down")).Times(3)
	env.OnActivity(a.ReadCase, mock.Anything, mock.Anything).Return(succeeded(c), nil).Once()
	env.ExecuteWorkflow(CaseWorkflow, input())
	v := result(t, env)
	if v.Case.Status != platforms.StatusSucceeded || len(v.Decisions) != 0 {
		t.Fatalf("view = %+v", v)
	}
}
