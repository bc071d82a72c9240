package main

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/aftersale/aftersale/platforms"
)

// caseFilter is what a command selects case workflow runs by. Every value is
// validated before it goes into a visibility query: a value that could
// change the query's meaning (a quote, a backslash, a control character) is
// refused, never silently altered.
type caseFilter struct {
	Platform, Shop, Status string
	Escalated              bool
	// DueBefore keeps running cases whose deadline is before it (overdue ones too).
	DueBefore time.Time
	// ActiveSince keeps runs still running or closed after it.
	ActiveSince time.Time
	// AllRuns keeps every run of a workflow, including those that continued
	// as new (their search attributes are frozen at the hand-over, so lists
	// of current state leave them out).
	AllRuns bool
}

var knownPlatforms = []platforms.Platform{platforms.Taobao, platforms.Xiaoe, platforms.Shopline, platforms.Xportcn}

func (f caseFilter) validate() error {
	if f.Platform != "" {
		ok := false
		for _, p := range knownPlatforms {
			ok = ok || string(p) == f.Platform
		}
		if !ok {
			return fmt.Errorf("--platform %q: unknown platform (one of %v)", f.Platform, knownPlatforms)
		}
	}
	if f.Status != "" && !platforms.Status(f.Status).Valid() {
		return fmt.Errorf("--status %q: unknown status (one of %v)", f.Status, platforms.Statuses)
	}
	if f.Shop != "" {
		if i := strings.IndexFunc(f.Shop, func(r rune) bool {
			return r == '\'' || r == '"' || r == '\\' || r == '`' || unicode.IsControl(r)
		}); i >= 0 {
			return fmt.Errorf("--shop %q: shop names cannot contain %q", f.Shop, f.Shop[i:i+1])
		}
	}
	return nil
}

// query is the visibility query of the filter.
func (f caseFilter) query() (string, error) {
	if err := f.validate(); err != nil {
		return "", err
	}
	q := []string{"WorkflowType = 'CaseWorkflow'"}
	for _, kv := range []struct{ name, value string }{
		{"AfterSalePlatform", f.Platform}, {"AfterSaleShop", f.Shop}, {"AfterSaleStatus", f.Status},
	} {
		if kv.value != "" {
			q = append(q, fmt.Sprintf("%s = '%s'", kv.name, kv.value))
		}
	}
	switch {
	case f.Escalated || !f.DueBefore.IsZero():
		q = append(q, "ExecutionStatus = 'Running'")
	case !f.AllRuns:
		q = append(q, "ExecutionStatus != 'ContinuedAsNew'")
	}
	if f.Escalated {
		q = append(q, "AfterSaleEscalated = true")
	}
	if !f.DueBefore.IsZero() {
		q = append(q, fmt.Sprintf("AfterSaleDeadline < '%s'", queryTime(f.DueBefore)))
	}
	if !f.ActiveSince.IsZero() {
		q = append(q, fmt.Sprintf("(ExecutionStatus = 'Running' OR CloseTime > '%s')", queryTime(f.ActiveSince)))
	}
	return strings.Join(q, " AND "), nil
}

func queryTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
