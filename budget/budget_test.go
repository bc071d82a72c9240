package budget

import (
	"strings"
	"testing"
	"time"
)

func TestReserve(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	type step struct {
		at      time.Duration // after t0
		caseID  string
		amount  int64
		allowed bool
		reason  string // substring when refused
	}
	tests := []struct {
		name  string
		lim   Limits
		steps []step
	}{
		{"no limits allow everything", Limits{}, []step{
			{0, "a", 1 << 40, true, ""}, {time.Second, "b", 1 << 40, true, ""},
		}},
		{"hour count: the N+1th is refused, an hour later it passes", Limits{HourCount: 2}, []step{
			{0, "a", 100, true, ""}, {time.Minute, "b", 100, true, ""},
			{2 * time.Minute, "c", 100, false, "2 of 2 approvals in the last hour"},
			{61 * time.Minute, "c", 100, true, ""},
		}},
		{"hour amount counts exactly", Limits{HourAmount: 10000}, []step{
			{0, "a", 6000, true, ""}, {time.Minute, "b", 4000, true, ""},
			{2 * time.Minute, "c", 1, false, "100.00 CNY approved in the last hour, 0.01 CNY more"},
		}},
		{"day count outlives the hour", Limits{DayCount: 1}, []step{
			{0, "a", 1, true, ""}, {2 * time.Hour, "b", 1, false, "1 of 1 approvals in the last 24h"},
			{25 * time.Hour, "b", 1, true, ""},
		}},
		{"day amount", Limits{HourAmount: 1000, DayAmount: 1500}, []step{
			{0, "a", 1000, true, ""}, {2 * time.Hour, "b", 1000, false, "in the last 24h"},
		}},
		{"a case counts once across its steps", Limits{HourCount: 1}, []step{
			{0, "a", 500, true, ""}, {time.Minute, "a", 500, true, ""}, {2 * time.Minute, "b", 1, false, "1 of 1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l Ledger
			for i, s := range tt.steps {
				res := l.Reserve(t0.Add(s.at), s.caseID, s.amount, "CNY", tt.lim)
				if res.Allowed != s.allowed {
					t.Fatalf("step %d: allowed = %v (%s), want %v", i, res.Allowed, res.Reason, s.allowed)
				}
				if !s.allowed && !strings.Contains(res.Reason, s.reason) {
					t.Fatalf("step %d: reason %q, want it to contain %q", i, res.Reason, s.reason)
				}
			}
		})
	}
}

func TestLedgerForgetsWhatIsOlderThanADay(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var l Ledger
	l.Reserve(t0, "a", 100, "CNY", Limits{DayCount: 10})
	l.Reserve(t0.Add(23*time.Hour), "b", 200, "CNY", Limits{DayCount: 10})
	l.Reserve(t0.Add(24*time.Hour), "c", 300, "CNY", Limits{DayCount: 10})
	if len(l.Entries) != 2 {
		t.Fatalf("entries = %+v, want b and c", l.Entries)
	}
	hour, day := l.Usage(t0.Add(24 * time.Hour))
	if hour != (Usage{1, 300}) || day != (Usage{2, 500}) {
		t.Fatalf("usage hour %+v day %+v", hour, day)
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		minor    int64
		currency string
		want     string
	}{{12345, "CNY", "123.45 CNY"}, {5, "USD", "0.05 USD"}, {1200, "JPY", "1200 JPY"}, {-250, "", "-2.50"}} {
		if got := Format(tt.minor, tt.currency); got != tt.want {
			t.Errorf("Format(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}
