package soak

import (
	"context"
	"fmt"
	"strings"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/workflows"
)

// Where a case stands when the soak surveys it.
const (
	StateMissing = "missing" // no workflow (yet) for a case that was open when seeded
	// StateUnseen: no workflow, and the case is finished on the platform
	// (it was when seeded, or the platform finished it before the worker
	// first listed it): sync and pushes never start a workflow for a
	// finished case, by design. Reported apart from lost.
	StateUnseen    = "unseen"
	StateCompleted = "completed" // the workflow finished: the case succeeded or closed
	StateEscalated = "escalated" // settled: waiting for a human (also lapsed escalations)
	StateWaiting   = "waiting"   // settled: the rules wait (buyer, seller, platform)
	StateBusy      = "busy"      // running and not settled (see why)
	StateLost      = "lost"      // the workflow failed, was terminated, timed out or cancelled
)

// caseState is one case in a survey.
type caseState struct {
	state string
	why   string // for busy and lost
	// view is the workflow's state query answer (running workflows).
	view *workflows.CaseView
}

// settled reports whether nothing more happens to the case without news.
func (c caseState) settled() bool {
	switch c.state {
	case StateCompleted, StateEscalated, StateWaiting, StateLost, StateUnseen:
		return true
	}
	return false
}

// survey looks at every seeded case. A case is settled when its workflow
// completed, or failed (lost: it will not move again), or, for a case
// already finished when seeded, when there is none (sync and pushes never
// start a workflow for a finished case), or when it is running with
//   - no action in flight: no pending Act (a platform action) nor
//     ReserveBudget activity; routine re-reads (ReadCase, Evaluate, the
//     poll_interval wake-ups), notices and workflow tasks may be pending;
//   - the platform's current state read: the workflow's case has the status
//     the sandbox holds now (statusKey);
//   - a decision taken in that status that needs nobody else: the last
//     decision was made in the case's current status, and the case is
//     escalated (waiting for a human, lapsed included) or that decision
//     is "wait".
func survey(ctx context.Context, tc client.Client, sb *sandbox.Sandbox, cases []*Seeded) (map[string]caseState, error) {
	latest, err := listCaseWorkflows(ctx, tc)
	if err != nil {
		return nil, err
	}
	stored := map[string]map[string]any{}
	for _, c := range sb.Cases("", "") {
		if id := storedID(c); id != "" {
			stored[c.Platform+"/"+c.Shop+"/"+id] = c.Case
		}
	}
	out := make(map[string]caseState, len(cases))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, s := range cases {
		id := s.WorkflowID()
		info, ok := latest[id]
		native := stored[string(s.Platform)+"/"+s.Shop+"/"+s.CaseID]
		set := func(st caseState) {
			mu.Lock()
			out[id] = st
			mu.Unlock()
		}
		if !ok {
			if s.Finished || finishedOnPlatform(s.Platform, native) {
				set(caseState{state: StateUnseen, why: "no workflow; finished on the platform: " + statusKey(s.Platform, native)})
			} else {
				set(caseState{state: StateMissing, why: "no workflow; open on the platform: " + statusKey(s.Platform, native)})
			}
			continue
		}
		switch info.GetStatus() {
		case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			set(caseState{state: StateCompleted})
			continue
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		default:
			set(caseState{state: StateLost, why: "workflow " + strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))})
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			set(runningState(ctx, tc, s, native))
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

func runningState(ctx context.Context, tc client.Client, s *Seeded, native map[string]any) caseState {
	id := s.WorkflowID()
	busy := func(why string) caseState { return caseState{state: StateBusy, why: why} }
	d, err := tc.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return busy("describe: " + err.Error())
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return busy("status " + st.String())
	}
	for _, pa := range d.GetPendingActivities() {
		if name := pa.GetActivityType().GetName(); name == "Act" || name == "ReserveBudget" {
			return busy(name + " in flight")
		}
	}
	val, err := tc.QueryWorkflow(ctx, id, "", workflows.QueryState)
	if err != nil {
		return busy("query: " + err.Error())
	}
	var v workflows.CaseView
	if err := val.Get(&v); err != nil {
		return busy("query answer: " + err.Error())
	}
	st := caseState{view: &v}
	if v.Case.Status == "" {
		st.state, st.why = StateBusy, "case not read yet"
		return st
	}
	if native == nil {
		st.state, st.why = StateBusy, "case not in the sandbox"
		return st
	}
	if got, want := viewKey(v.Case), statusKey(s.Platform, native); got != want {
		st.state, st.why = StateBusy, fmt.Sprintf("workflow sees %s, platform has %s", got, want)
		return st
	}
	var last workflows.Decision
	if len(v.Decisions) > 0 {
		last = v.Decisions[len(v.Decisions)-1]
	}
	switch {
	case last.Status != v.Case.Status:
		st.state, st.why = StateBusy, "no decision yet in "+string(v.Case.Status)
	case v.Escalation != nil:
		st.state = StateEscalated
	case last.Outcome == workflows.OutcomeWaiting:
		st.state = StateWaiting
	default:
		st.state, st.why = StateBusy, fmt.Sprintf("last decision %s %s in %s", last.Action, last.Outcome, v.Case.Status)
	}
	return st
}

// listCaseWorkflows returns the newest execution of every case workflow ID.
func listCaseWorkflows(ctx context.Context, tc client.Client) (map[string]*workflowExecution, error) {
	out := map[string]*workflowExecution{}
	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowType = 'CaseWorkflow'", PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			if old, ok := out[id]; !ok || e.GetStartTime().AsTime().After(old.GetStartTime().AsTime()) {
				out[id] = e
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// storedID is the case ID (as the platform clients name it) of a stored case.
func storedID(c sandbox.StoredCase) string {
	n := c.Case
	switch platforms.Platform(c.Platform) {
	case platforms.Taobao:
		if id := getString(n, "dispute_id"); id != "" {
			return "exchange-" + id
		}
		return getString(n, "refund_id")
	case platforms.Xiaoe:
		return getString(n, "aftersale_id")
	case platforms.Shopline:
		if n["return_line_items"] != nil {
			return "return-" + getString(n, "id")
		}
		return "refund-" + getString(n, "order_id") + "-" + getString(n, "id")
	case platforms.Xportcn:
		ro, _ := n["refundOrder"].(map[string]any)
		return getString(ro, "refundId")
	}
	return ""
}

// statusKey is the platform's status of a stored case as the clients
// report it in Case.PlatformStatus (SHOPLINE returns: plus whether the
// package arrived, which their status does not show).
func statusKey(p platforms.Platform, n map[string]any) string {
	switch p {
	case platforms.Xiaoe:
		return getString(n, "state")
	case platforms.Xportcn:
		ro, _ := n["refundOrder"].(map[string]any)
		return getString(ro, "refundStatus")
	case platforms.Shopline:
		if n["return_line_items"] == nil {
			return "refund"
		}
		return fmt.Sprintf("%s|arrived=%t", getString(n, "status"), getString(n, "sandbox_package_status") == "CLOSED")
	}
	return getString(n, "status")
}

// finishedOnPlatform reports whether a stored case is in a final state.
func finishedOnPlatform(p platforms.Platform, n map[string]any) bool {
	if n == nil {
		return false
	}
	k := statusKey(p, n)
	switch p {
	case platforms.Taobao:
		if getString(n, "dispute_id") != "" {
			return k == "4" || k == "5" || k == "14"
		}
		return k == "SUCCESS" || k == "CLOSED"
	case platforms.Xiaoe:
		return k == "1" || k == "7" || k == "13" || k == "14" || k == "15"
	case platforms.Xportcn:
		return k == "500" || k == "600"
	case platforms.Shopline:
		return strings.HasPrefix(k, "CLOSED|") || strings.HasPrefix(k, "cancelled|")
	}
	return false
}

// viewKey is statusKey of the case as the workflow last read it.
func viewKey(c platforms.Case) string {
	if c.Platform == platforms.Shopline {
		if strings.HasPrefix(c.ID, "refund-") {
			return "refund"
		}
		return fmt.Sprintf("%s|arrived=%t", c.PlatformStatus, c.GoodsStatus == platforms.GoodsReturned)
	}
	return c.PlatformStatus
}

type workflowExecution = workflowpb.WorkflowExecutionInfo
