package inbox

import (
	"testing"
	"time"
)

func TestSortRows(t *testing.T) {
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	rows := []row{
		{WorkflowID: "case/taobao/s/no-deadline-b"},
		{WorkflowID: "case/taobao/s/late", Deadline: base.Add(72 * time.Hour)},
		{WorkflowID: "case/taobao/s/no-deadline-a"},
		{WorkflowID: "case/taobao/s/overdue", Deadline: base.Add(-time.Hour)},
		{WorkflowID: "case/taobao/s/soon-b", Deadline: base.Add(time.Hour)},
		{WorkflowID: "case/taobao/s/soon-a", Deadline: base.Add(time.Hour)},
	}
	sortRows(rows)
	want := []string{"overdue", "soon-a", "soon-b", "late", "no-deadline-a", "no-deadline-b"}
	for i, w := range want {
		if got := rows[i].WorkflowID; got != "case/taobao/s/"+w {
			t.Fatalf("row %d = %s, want %s (all: %v)", i, got, w, rows)
		}
	}
}

func TestEscalatedQuery(t *testing.T) {
	const base = "WorkflowType = 'CaseWorkflow' AND AfterSaleEscalated = true AND ExecutionStatus = 'Running'"
	for _, tc := range []struct {
		platform, shop, want string
		wantErr              bool
	}{
		{"", "", base, false},
		{"taobao", "", base + " AND AfterSalePlatform = 'taobao'", false},
		{"", "tb-flagship", base + " AND AfterSaleShop = 'tb-flagship'", false},
		{"xiaoe", "app_1.x", base + " AND AfterSalePlatform = 'xiaoe' AND AfterSaleShop = 'app_1.x'", false},
		{"", "x' OR 'a' = 'a", "", true},
		{"taobao", "a b", "", true},
	} {
		got, err := escalatedQuery(tc.platform, tc.shop)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("escalatedQuery(%q, %q) = %q, %v", tc.platform, tc.shop, got, err)
		}
	}
}
