package budget

import "fmt"

// Names the budget workflow answers to; the workflow lives in package
// workflows, the activity that asks it in package activities.
const (
	WorkflowName  = "BudgetWorkflow"
	UpdateReserve = "reserve"
	QueryUsage    = "usage"
)

// WorkflowID is the one budget workflow of a shop.
func WorkflowID(platform, shop string) string { return fmt.Sprintf("budget/%s/%s", platform, shop) }

// Input starts a budget workflow, or continues one with its ledger.
type Input struct {
	Platform string `json:"platform"`
	Shop     string `json:"shop"`
	Ledger   Ledger `json:"ledger"`
}

// Request asks to count one approval.
type Request struct {
	Case     string `json:"case"` // the case's workflow ID
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Limits   Limits `json:"limits"`
}

// Report answers the usage query.
type Report struct {
	Hour Usage `json:"hour"`
	Day  Usage `json:"day"`
}
