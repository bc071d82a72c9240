package inbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/aftersale/aftersale/workflows"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// fakeClient answers the few calls the inbox makes; any other call panics
// on the nil embedded interface.
type fakeClient struct {
	client.Client
	mu       sync.Mutex
	views    map[string]workflows.CaseView
	finished map[string]bool
	decide   func(client.UpdateWorkflowOptions) (workflows.Decision, error)
	updates  []client.UpdateWorkflowOptions
	queries  int
}

func (f *fakeClient) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &workflowservice.ListWorkflowExecutionsResponse{}
	for id, v := range f.views {
		if f.finished[id] || v.Escalation == nil {
			continue
		}
		p, _ := converter.GetDefaultDataConverter().ToPayload(v.Case.Deadline)
		resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{
			Execution:        &commonpb.WorkflowExecution{WorkflowId: id},
			SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{"AfterSaleDeadline": p}},
		})
	}
	return resp, nil
}

func (f *fakeClient) view(id string) (workflows.CaseView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.views[id]
	if !ok {
		return v, serviceerror.NewNotFound("workflow not found")
	}
	return v, nil
}

func (f *fakeClient) QueryWorkflow(_ context.Context, id, _, _ string, _ ...any) (converter.EncodedValue, error) {
	f.mu.Lock()
	f.queries++
	f.mu.Unlock()
	v, err := f.view(id)
	return jsonValue{v}, err
}

func (f *fakeClient) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if _, err := f.view(id); err != nil {
		return nil, err
	}
	st := enums.WORKFLOW_EXECUTION_STATUS_RUNNING
	if f.finished[id] {
		st = enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: st}}, nil
}

func (f *fakeClient) GetWorkflow(_ context.Context, id, _ string) client.WorkflowRun {
	return fakeRun{f: f, id: id}
}

func (f *fakeClient) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	f.updates = append(f.updates, o)
	f.mu.Unlock()
	d, err := f.decide(o)
	if err != nil {
		return nil, err
	}
	return fakeUpdate{d}, nil
}

type fakeRun struct {
	client.WorkflowRun
	f  *fakeClient
	id string
}

func (r fakeRun) Get(_ context.Context, into any) error {
	v, err := r.f.view(r.id)
	if err != nil {
		return err
	}
	return jsonValue{v}.Get(into)
}

type fakeUpdate struct{ d workflows.Decision }

func (fakeUpdate) WorkflowID() string { return "" }
func (fakeUpdate) RunID() string      { return "" }
func (fakeUpdate) UpdateID() string   { return "" }
func (u fakeUpdate) Get(_ context.Context, into any) error {
	return jsonValue{u.d}.Get(into)
}

type jsonValue struct{ v any }

func (jsonValue) HasValue() bool { return true }
func (j jsonValue) Get(into any) error {
	b, err := json.Marshal(j.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}
