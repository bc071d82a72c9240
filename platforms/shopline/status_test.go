package shopline

import (
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

// Every documented value is a row; undocumented values are unknown.
func TestReturnStatuses(t *testing.T) {
	for raw, want := range map[string]platforms.Status{
		"OPEN":      platforms.StatusAwaitingBuyerReturn, // refined by package and refunds
		"CLOSED":    platforms.StatusSucceeded,
		"cancelled": platforms.StatusClosed, // spelled so in the release notes
		"CANCELLED": platforms.StatusClosed,
		"REQUESTED": platforms.StatusUnknown,
		"":          platforms.StatusUnknown,
	} {
		if got := NormalizeReturnStatus(raw); got != want {
			t.Errorf("return %q → %s, want %s", raw, got, want)
		}
	}
}

func TestTransactionStatuses(t *testing.T) {
	for raw, want := range map[string]platforms.Status{
		"success":  platforms.StatusSucceeded,
		"pending":  platforms.StatusRefunding,
		"failure":  platforms.StatusAwaitingSeller,
		"error":    platforms.StatusAwaitingSeller,
		"refunded": platforms.StatusUnknown,
		"":         platforms.StatusUnknown,
	} {
		if got := NormalizeTransactionStatus(raw); got != want {
			t.Errorf("transaction %q → %s, want %s", raw, got, want)
		}
	}
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"success", "pending"}, "pending"},
		{[]string{"success", "failure", "pending"}, "failure"},
		{[]string{"error", "success"}, "error"},
		{[]string{"failure", "weird"}, "weird"},
		{[]string{"success"}, "success"},
		{nil, ""},
	} {
		if got := worstStatus(tc.in); got != tc.want {
			t.Errorf("worstStatus(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPackageStatuses(t *testing.T) {
	for raw, want := range map[string]packageState{
		"OPEN": packageAwaiting, "CLOSED": packageArrived, "closed": packageArrived,
		"CANCELLED": packageCancelled, "CANCELED": packageCancelled, "IN_TRANSIT": packageUnknown, "": packageUnknown,
	} {
		if got := normalizePackage(raw); got != want {
			t.Errorf("package %q → %d, want %d", raw, got, want)
		}
	}
}
