package soak

import (
	"context"
	"fmt"
	"sort"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/xportcn"
	"github.com/aftersale/aftersale/rules"
)

// methodActions maps a mutating platform call, as the sandbox logs it, to
// the actions of ours that send it.
var methodActions = map[string][]platforms.Action{
	"taobao.rp.refunds.agree":          {platforms.ActionAgree, platforms.ActionConfirmReceipt},
	"taobao.refund.refuse":             {platforms.ActionRefuse},
	"taobao.rp.returngoods.agree":      {platforms.ActionAgreeReturn},
	"tmall.exchange.agree":             {platforms.ActionAgree},
	"tmall.exchange.refuse":            {platforms.ActionRefuse},
	"tmall.exchange.returngoods.agree": {platforms.ActionConfirmReceipt},
	"tmall.exchange.consigngoods":      {platforms.ActionResend},
	"xe.order.refund":                  {platforms.ActionAgree, platforms.ActionConfirmReceipt},
	"order/refund.json":                {platforms.ActionAgree, platforms.ActionConfirmReceipt},
	xportcn.PathCancel:                 {platforms.ActionCancel},
	xportcn.PathShipReturn:             {platforms.ActionShipReturn},
}

// ActionRef is one platform action the report points at.
type ActionRef struct {
	Case     string // the case's workflow ID ("" when no seeded case matches)
	Method   string // the platform method or endpoint
	At       time.Time
	OK       bool // the platform applied it
	Version  string
	Deadline time.Time
	Why      string
}

// attributed is a sandbox action and the seeded case it is about.
type attributed struct {
	a sandbox.Action
	s *Seeded
	// afterDeadline: the sandbox's fact, or for a Xiaoe refund the sandbox
	// could not tie to an application (it names an order), the call's time
	// against the application's deadline.
	afterDeadline bool
	deadline      time.Time
}

// attribute ties every action to its seeded case.
func attribute(acts []sandbox.Action, cases []*Seeded) []attributed {
	byKey := map[string]*Seeded{}
	byOrder := map[string]*Seeded{}
	for _, s := range cases {
		byKey[string(s.Platform)+"/"+s.Shop+"/"+s.CaseID] = s
		if s.OrderID != "" {
			byOrder[s.Shop+"/"+s.OrderID+"/"+s.SKU] = s
		}
	}
	out := make([]attributed, 0, len(acts))
	for _, a := range acts {
		x := attributed{a: a, s: byKey[a.Platform+"/"+a.Shop+"/"+a.CaseID], afterDeadline: a.AfterDeadline, deadline: a.Deadline}
		if x.s == nil && a.CaseID == "" && a.Platform == string(platforms.Xiaoe) {
			if s := byOrder[a.Shop+"/"+a.Params["order_id"]+"/"+a.Params["sku_id"]]; s != nil {
				x.s = s
				if !s.Deadline.IsZero() && !a.At.Before(s.Deadline) {
					x.afterDeadline, x.deadline = true, s.Deadline
				}
			}
		}
		out = append(out, x)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].a.At.Before(out[j].a.At) })
	return out
}

func (x attributed) ref(why string) ActionRef {
	r := ActionRef{Method: x.a.Action, At: x.a.At, OK: x.a.OK, Version: x.a.Version, Deadline: x.deadline, Why: why}
	if x.s != nil {
		r.Case = x.s.WorkflowID()
	} else {
		r.Case = fmt.Sprintf("?%s/%s/%s", x.a.Platform, x.a.Shop, x.a.CaseID)
	}
	return r
}

// duplicates are the calls of an action on a case made after the same
// action was already applied to that case. An applied action moves the
// case to a new version, so this is "the same action for the same case
// version more than once": the later call repeats a decision that was
// carried out (the version it was made on is gone), whatever version the
// call then found.
func duplicates(acts []attributed) []ActionRef {
	applied := map[string]attributed{}
	var out []ActionRef
	for _, x := range acts {
		key := x.a.Platform + "/" + x.a.Shop + "/" + x.a.CaseID + "|" + x.a.Action
		if x.s != nil {
			key = x.s.WorkflowID() + "|" + x.a.Action
		}
		if first, ok := applied[key]; ok {
			out = append(out, x.ref(fmt.Sprintf("already applied at %s on version %s", first.a.At.Format(time.RFC3339Nano), first.a.Version)))
			continue
		}
		if x.a.OK {
			applied[key] = x
		}
	}
	return out
}

// afterDeadline are the calls that reached the sandbox at or after the
// deadline of the case's state (see sandbox.Action.AfterDeadline).
func afterDeadline(acts []attributed) []ActionRef {
	var out []ActionRef
	for _, x := range acts {
		if x.afterDeadline {
			out = append(out, x.ref(fmt.Sprintf("arrived %s after the deadline %s", x.a.At.Sub(x.deadline).Round(time.Millisecond), x.deadline.Format(time.RFC3339))))
		}
	}
	return out
}

// oracle judges actions independently of the worker: it evaluates the
// example rules itself on the snapshot each Act activity was given.
type oracle struct {
	tc    client.Client
	rules *rules.Engine
	dc    converter.DataConverter
}

// actCall is one Act activity a case workflow scheduled.
type actCall struct {
	at time.Time // when it was scheduled (the decision's time)
	in activities.ActInput
}

// acts reads every Act activity from every run of a case workflow.
func (o *oracle) acts(ctx context.Context, workflowID string) ([]actCall, error) {
	runs, err := o.runs(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	var out []actCall
	for _, run := range runs {
		it := o.tc.GetWorkflowHistory(ctx, workflowID, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return nil, fmt.Errorf("history of %s: %w", workflowID, err)
			}
			attr := ev.GetActivityTaskScheduledEventAttributes()
			if attr == nil || attr.GetActivityType().GetName() != "Act" {
				continue
			}
			var in activities.ActInput
			if err := o.dc.FromPayloads(attr.GetInput(), &in); err != nil {
				return nil, fmt.Errorf("%s: Act input: %w", workflowID, err)
			}
			out = append(out, actCall{at: ev.GetEventTime().AsTime(), in: in})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out, nil
}

// runs lists the run IDs of a workflow ID (continue-as-new makes several).
func (o *oracle) runs(ctx context.Context, workflowID string) ([]string, error) {
	var out []string
	var token []byte
	for {
		resp, err := o.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s'", workflowID), NextPageToken: token})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, e.GetExecution().GetRunId())
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out, nil
}

// judge says whether the rules, evaluated by the oracle on the snapshot
// the Act was given at the time it was scheduled, take that action: as
// their decision, or as the on_deadline action once deadline − margin
// has come.
func (o *oracle) judge(ac actCall) (bool, string) {
	c := ac.in.Case
	d, err := o.rules.Evaluate(c, ac.at)
	if err != nil {
		return false, fmt.Sprintf("rules fail on the snapshot (%v): they escalate", err)
	}
	ev := activities.Interpret(c, d)
	switch {
	case ev.Mode == "shadow":
		return false, fmt.Sprintf("rule %s is in shadow mode", ev.Rule)
	case ev.Action == ac.in.Action:
		return true, ""
	case ev.Action == platforms.ActionEscalate && ev.OnDeadline == ac.in.Action && !c.Deadline.IsZero() &&
		!ac.at.Before(c.Deadline.Add(-ev.Margin)):
		return true, ""
	}
	return false, fmt.Sprintf("on %s %s (amount %d, version %s) at %s the rules say %s (rule %s, on_deadline %q), not %s",
		c.Status, c.PlatformStatus, c.Amount, c.Version, ac.at.Format(time.RFC3339), ev.Action, ev.Rule, ev.OnDeadline, ac.in.Action)
}

// wrong checks every platform action: it must be sent by an Act of its
// case's workflow for a compatible action, scheduled before the call, that
// the oracle's own rule evaluation agrees with.
func (o *oracle) wrong(ctx context.Context, acts []attributed) ([]ActionRef, error) {
	history := map[string][]actCall{}
	var out []ActionRef
	for _, x := range acts {
		if x.s == nil {
			out = append(out, x.ref("no seeded case has this id"))
			continue
		}
		id := x.s.WorkflowID()
		calls, ok := history[id]
		if !ok {
			var err error
			if calls, err = o.acts(ctx, id); err != nil {
				return out, err
			}
			history[id] = calls
		}
		var match *actCall
		for i := range calls {
			if calls[i].at.After(x.a.At) {
				break
			}
			for _, act := range methodActions[x.a.Action] {
				if calls[i].in.Action == act {
					match = &calls[i]
				}
			}
		}
		if match == nil {
			out = append(out, x.ref("no Act activity of the case's workflow sends it"))
			continue
		}
		if ok, why := o.judge(*match); !ok {
			out = append(out, x.ref(why))
		}
	}
	return out, nil
}
