package activities

import (
	"context"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/budget"
	"github.com/aftersale/aftersale/platforms"
)

// ReserveInput asks the shop's budget to count one automatic approval.
type ReserveInput struct {
	Platform platforms.Platform `json:"platform"`
	Shop     string             `json:"shop"`
	Case     string             `json:"case"` // the case's workflow ID
	Key      string             `json:"key"`  // the decision's key: a retried reservation is counted once
	Amount   int64              `json:"amount"`
	Currency string             `json:"currency"`
}

// ReserveBudget counts an automatic approval against the shop's budget, or
// says why it may not happen. Shops without a budget are always allowed.
func (a *Activities) ReserveBudget(ctx context.Context, in ReserveInput) (budget.Result, error) {
	lim := a.Budgets[string(in.Platform)+"/"+in.Shop]
	if !lim.Set() {
		return budget.Result{Allowed: true}, nil
	}
	id := budget.WorkflowID(string(in.Platform), in.Shop)
	start := a.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, budget.WorkflowName, budget.Input{Platform: string(in.Platform), Shop: in.Shop})
	handle, err := a.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID:     in.Key,
			UpdateName:   budget.UpdateReserve,
			Args:         []any{budget.Request{Case: in.Case, Amount: in.Amount, Currency: in.Currency, Limits: lim}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return budget.Result{}, err
	}
	var res budget.Result
	if err := handle.Get(ctx, &res); err != nil {
		return budget.Result{}, err
	}
	if !res.Allowed {
		a.log().Warn("auto-approval over budget", "case", in.Case, "reason", res.Reason)
	}
	return res, nil
}
