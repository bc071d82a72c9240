package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/budget"
)

// withinBudget asks the shop's auto-approval budget before an automatic
// decision gives the buyer something. Humans are not limited; the budget
// guards against a rule that approves a flood.
func (w *caseWorkflow) withinBudget(ctx workflow.Context, d Decision) (bool, string) {
	if !d.Action.Approving() {
		return true, ""
	}
	amount := d.Amount
	if amount == 0 {
		amount = w.state.Case.Amount
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
	})
	wid := workflow.GetInfo(ctx).WorkflowExecution.ID
	var res budget.Result
	err := workflow.ExecuteActivity(ctx, a.ReserveBudget, activities.ReserveInput{
		Platform: w.in.Platform, Shop: w.in.Shop, Case: wid,
		Key:    fmt.Sprintf("%s#%d", wid, len(w.state.Decisions)+1),
		Amount: amount, Currency: w.state.Case.Currency,
	}).Get(ctx, &res)
	if err != nil {
		// Unknown budget: do not approve on guesswork.
		return false, "the auto-approval budget could not be checked: " + errMessage(err)
	}
	return res.Allowed, res.Reason
}
