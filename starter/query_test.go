package main

import (
	"strings"
	"testing"
	"time"
)

func TestCaseFilterQuery(t *testing.T) {
	at := time.Date(2026, 11, 23, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		name   string
		filter caseFilter
		want   string // the whole query, or "" when an error is wanted
		errHas string
	}{
		{name: "everything current", filter: caseFilter{},
			want: "WorkflowType = 'CaseWorkflow' AND ExecutionStatus != 'ContinuedAsNew'"},
		{name: "platform shop status", filter: caseFilter{Platform: "taobao", Shop: "tb-flagship", Status: "awaiting_seller"},
			want: "WorkflowType = 'CaseWorkflow' AND AfterSalePlatform = 'taobao' AND AfterSaleShop = 'tb-flagship' AND AfterSaleStatus = 'awaiting_seller' AND ExecutionStatus != 'ContinuedAsNew'"},
		{name: "escalated runs only", filter: caseFilter{Escalated: true},
			want: "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running' AND AfterSaleEscalated = true"},
		{name: "due before, overdue included", filter: caseFilter{Shop: "s1", DueBefore: at},
			want: "WorkflowType = 'CaseWorkflow' AND AfterSaleShop = 's1' AND ExecutionStatus = 'Running' AND AfterSaleDeadline < '2026-11-23T10:00:00Z'"},
		{name: "escalated and due", filter: caseFilter{Escalated: true, DueBefore: at},
			want: "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running' AND AfterSaleEscalated = true AND AfterSaleDeadline < '2026-11-23T10:00:00Z'"},
		{name: "audit window", filter: caseFilter{Platform: "xiaoe", ActiveSince: at},
			want: "WorkflowType = 'CaseWorkflow' AND AfterSalePlatform = 'xiaoe' AND ExecutionStatus != 'ContinuedAsNew' AND (ExecutionStatus = 'Running' OR CloseTime > '2026-11-23T10:00:00Z')"},
		{name: "replay window, every run", filter: caseFilter{ActiveSince: at, AllRuns: true},
			want: "WorkflowType = 'CaseWorkflow' AND (ExecutionStatus = 'Running' OR CloseTime > '2026-11-23T10:00:00Z')"},
		{name: "quote in shop", filter: caseFilter{Shop: "x' OR WorkflowType = 'ShopSyncWorkflow"}, errHas: "cannot contain \"'\""},
		{name: "double quote in shop", filter: caseFilter{Shop: `x"y`}, errHas: "cannot contain"},
		{name: "backslash in shop", filter: caseFilter{Shop: `x\`}, errHas: "cannot contain"},
		{name: "newline in shop", filter: caseFilter{Shop: "x\ny"}, errHas: "cannot contain"},
		{name: "unknown platform", filter: caseFilter{Platform: "taobao' OR 'a'='a"}, errHas: "unknown platform"},
		{name: "unknown status", filter: caseFilter{Status: "open"}, errHas: "unknown status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.filter.query()
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("query() = %q, %v; want an error containing %q", got, err, tc.errHas)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("query() =\n  %q, %v\nwant\n  %q", got, err, tc.want)
			}
		})
	}
}

func TestSortCases(t *testing.T) {
	d := func(h int) *time.Time { x := time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC); return &x }
	cases := []caseJSON{
		{WorkflowID: "case/taobao/s/a", Deadline: nil},
		{WorkflowID: "case/taobao/s/b", Deadline: d(9)},
		{WorkflowID: "case/taobao/s/c", Deadline: d(3)},
		{WorkflowID: "case/taobao/s/d", Deadline: nil},
		{WorkflowID: "case/taobao/s/e", Deadline: d(3)},
	}
	ids := func() string {
		var s []string
		for _, c := range cases {
			s = append(s, c.WorkflowID[len(c.WorkflowID)-1:])
		}
		return strings.Join(s, "")
	}
	sortCases(cases, true)
	if got := ids(); got != "cebad" {
		t.Errorf("by deadline: %s, want cebad (soonest first, ties by id, none last)", got)
	}
	sortCases(cases, false)
	if got := ids(); got != "abcde" {
		t.Errorf("by id: %s, want abcde", got)
	}
}
