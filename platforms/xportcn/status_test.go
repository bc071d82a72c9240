package xportcn

import (
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestNormalizeStatus(t *testing.T) {
	tests := []struct {
		raw  string
		want platforms.Status
	}{
		{"100", platforms.StatusAwaitingSeller}, // the one documented value
		{"200", platforms.StatusUnknown},        // sandbox convention: not enabled by default
		{"1", platforms.StatusUnknown},
		{"", platforms.StatusUnknown},
	}
	if got, want := len(RefundStatuses), 1; got != want {
		t.Errorf("RefundStatuses has %d entries, the test covers %d", got, want)
	}
	for _, tt := range tests {
		if got := NormalizeStatus(tt.raw); got != tt.want {
			t.Errorf("NormalizeStatus(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestTablesWithSandboxValues(t *testing.T) {
	tb := newTables(SandboxStatuses, SandboxTimeoutTypes)
	statuses := []struct {
		raw  string
		want platforms.Status
	}{
		{"100", platforms.StatusAwaitingSeller},
		{"200", platforms.StatusAwaitingBuyerReturn},
		{"300", platforms.StatusAwaitingSellerReceipt},
		{"400", platforms.StatusRefused},
		{"500", platforms.StatusSucceeded},
		{"600", platforms.StatusClosed},
		{"700", platforms.StatusUnknown},
	}
	if got, want := len(RefundStatuses)+len(SandboxStatuses), len(statuses)-1; got != want {
		t.Errorf("tables have %d statuses, the test covers %d", got, want)
	}
	for _, tt := range statuses {
		if got := tb.status(tt.raw); got != tt.want {
			t.Errorf("status(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
	owners := []struct {
		typ  string
		want platforms.Role
	}{
		{"sAgreeRefundT", platforms.RoleSeller},
		{"sConfirmGoodsT", platforms.RoleSeller},
		{"bReturnGoodsT", platforms.RoleBuyer},
		{"bModifyRefundT", platforms.RoleBuyer},
		{"bSomethingNewT", ""}, // unknown: no owner, even with a "b" prefix
		{"", ""},
	}
	if got, want := len(TimeoutTypes)+len(SandboxTimeoutTypes), len(owners)-2; got != want {
		t.Errorf("tables have %d timeout types, the test covers %d", got, want)
	}
	for _, tt := range owners {
		if got := tb.owner(tt.typ); got != tt.want {
			t.Errorf("owner(%q) = %q, want %q", tt.typ, got, tt.want)
		}
	}
	// Documented values cannot be redefined, and invalid statuses are dropped.
	tb = newTables(map[string]platforms.Status{"100": platforms.StatusSucceeded, "9": "bogus"},
		map[string]platforms.Role{"sAgreeRefundT": platforms.RoleBuyer})
	if tb.status("100") != platforms.StatusAwaitingSeller || tb.status("9") != platforms.StatusUnknown ||
		tb.owner("sAgreeRefundT") != platforms.RoleSeller {
		t.Errorf("extras overrode the documented tables: %+v", tb)
	}
}

func TestAllowedActions(t *testing.T) {
	tests := []struct {
		status platforms.Status
		want   []platforms.Action
	}{
		{platforms.StatusAwaitingSeller, []platforms.Action{platforms.ActionCancel}},
		{platforms.StatusRefused, []platforms.Action{platforms.ActionCancel}},
		{platforms.StatusAwaitingBuyerReturn, []platforms.Action{platforms.ActionShipReturn, platforms.ActionCancel}},
		{platforms.StatusAwaitingSellerReceipt, nil},
		{platforms.StatusSucceeded, nil},
		{platforms.StatusClosed, nil},
		{platforms.StatusUnknown, nil},
	}
	for _, tt := range tests {
		got := AllowedActions(platforms.Case{Status: tt.status})
		if len(got) != len(tt.want) {
			t.Errorf("%s: allowed %v, want %v", tt.status, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: allowed %v, want %v", tt.status, got, tt.want)
			}
		}
	}
}
