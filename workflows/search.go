package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attribute keys (contract names; ops filter on them in the Temporal UI).
var (
	SAPlatform  = temporal.NewSearchAttributeKeyKeyword("AfterSalePlatform")
	SAShop      = temporal.NewSearchAttributeKeyKeyword("AfterSaleShop")
	SAStatus    = temporal.NewSearchAttributeKeyKeyword("AfterSaleStatus")
	SADeadline  = temporal.NewSearchAttributeKeyTime("AfterSaleDeadline")
	SAEscalated = temporal.NewSearchAttributeKeyBool("AfterSaleEscalated")
	SAAmount    = temporal.NewSearchAttributeKeyFloat64("AfterSaleAmount")
	SARule      = temporal.NewSearchAttributeKeyKeyword("AfterSaleRule")
)

// searchView is the part of the state mirrored into search attributes.
type searchView struct {
	platform, shop, status, rule string
	deadlineUnix                 int64
	escalated                    bool
	amount                       float64
}

func (w *caseWorkflow) searchView() searchView {
	c := w.state.Case
	v := searchView{
		platform:  string(w.in.Platform),
		shop:      w.in.Shop,
		status:    string(c.Status),
		escalated: w.state.Escalation != nil,
		amount:    majorUnits(c.Amount, c.Currency),
	}
	if !c.Deadline.IsZero() {
		v.deadlineUnix = c.Deadline.Unix()
	}
	if n := len(w.state.Decisions); n > 0 {
		v.rule = w.state.Decisions[n-1].Rule
	}
	return v
}

// upsertSearch writes the search attributes that changed since the last write;
// each upsert is a history event, so unchanged values are not rewritten.
func (w *caseWorkflow) upsertSearch(ctx workflow.Context) {
	v := w.searchView()
	if w.searched != nil && *w.searched == v {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		SAPlatform.ValueSet(v.platform),
		SAShop.ValueSet(v.shop),
		SAEscalated.ValueSet(v.escalated),
		SAAmount.ValueSet(v.amount),
	}
	if v.status != "" {
		updates = append(updates, SAStatus.ValueSet(v.status))
	}
	if v.rule != "" {
		updates = append(updates, SARule.ValueSet(v.rule))
	}
	if !w.state.Case.Deadline.IsZero() {
		updates = append(updates, SADeadline.ValueSet(w.state.Case.Deadline))
	} else {
		updates = append(updates, SADeadline.ValueUnset())
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes failed", "err", err)
		return
	}
	w.searched = &v
}

// majorUnits converts minor units for display and search only; money logic
// stays in integers.
func majorUnits(minor int64, currency string) float64 {
	switch currency {
	case "JPY", "KRW":
		return float64(minor)
	}
	return float64(minor) / 100
}
