package workflows

import (
	"errors"

	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/budget"
)

// reservationsPerRun bounds a budget workflow's history: every reservation
// is an update (a few events), and the ledger itself is small.
const reservationsPerRun = 500

// BudgetWorkflow keeps one shop's auto-approval ledger. Reservations are
// updates: Temporal runs them one at a time, so two workers approving at
// once cannot both take the last slot.
func BudgetWorkflow(ctx workflow.Context, in budget.Input) error {
	ledger := in.Ledger
	handled := 0
	if err := workflow.SetQueryHandler(ctx, budget.QueryUsage, func() (budget.Report, error) {
		hour, day := ledger.Usage(workflow.Now(ctx))
		return budget.Report{Hour: hour, Day: day}, nil
	}); err != nil {
		return err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, budget.UpdateReserve,
		func(ctx workflow.Context, req budget.Request) (budget.Result, error) {
			handled++
			return ledger.Reserve(workflow.Now(ctx), req.Case, req.Amount, req.Currency, req.Limits), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req budget.Request) error {
			if req.Case == "" || req.Amount < 0 {
				return errors.New("a reservation needs the case and a non-negative amount")
			}
			return nil
		}})
	if err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool {
		return handled >= reservationsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	in.Ledger = ledger
	return workflow.NewContinueAsNewError(ctx, BudgetWorkflow, in)
}
