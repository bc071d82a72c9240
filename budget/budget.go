// Package budget caps what the rules may approve on their own in one shop:
// a count and an amount per hour and per day. A bad rule edit then approves
// at most one budget's worth before humans are asked.
//
// The ledger is plain data so a Temporal workflow can own it: one budget
// workflow per shop serializes every reservation through its update
// handler, across all workers, with no lock of our own.
package budget

import (
	"fmt"
	"github.com/aftersale/aftersale/platforms"
	"time"
)

// Limits are the caps; a zero field does not limit. Amounts are minor units.
type Limits struct {
	HourCount  int   `json:"hour_count,omitempty"`
	HourAmount int64 `json:"hour_amount,omitempty"`
	DayCount   int   `json:"day_count,omitempty"`
	DayAmount  int64 `json:"day_amount,omitempty"`
}

// Set reports whether anything is limited.
func (l Limits) Set() bool {
	return l.HourCount > 0 || l.HourAmount > 0 || l.DayCount > 0 || l.DayAmount > 0
}

// Entry is one approval counted against the budget. Case is the case's
// workflow ID: a case counts once per window, however many steps it takes
// (agree_return, then confirm_receipt).
type Entry struct {
	Case   string    `json:"case"`
	Amount int64     `json:"amount"`
	At     time.Time `json:"at"`
}

// Usage is what a window holds.
type Usage struct {
	Count  int   `json:"count"`
	Amount int64 `json:"amount"`
}

// Result answers a reservation.
type Result struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"` // why not, in words for the escalation note
	Hour    Usage  `json:"hour"`
	Day     Usage  `json:"day"`
}

// Ledger is the approvals of the last day.
type Ledger struct {
	Entries []Entry `json:"entries,omitempty"`
}

// Window lengths.
const (
	Hour = time.Hour
	Day  = 24 * time.Hour
)

// Reserve counts an approval of amount for a case at now, unless it would
// go over a limit. A case already counted within the day is allowed again
// without counting twice. currency only shapes the reason's wording.
func (l *Ledger) Reserve(now time.Time, caseID string, amount int64, currency string, lim Limits) Result {
	l.prune(now)
	hour, day := l.usage(now)
	res := Result{Hour: hour, Day: day}
	for _, e := range l.Entries {
		if e.Case == caseID {
			res.Allowed = true
			return res
		}
	}
	switch {
	case lim.HourCount > 0 && hour.Count+1 > lim.HourCount:
		res.Reason = fmt.Sprintf("the shop's auto-approval budget is spent: %d of %d approvals in the last hour", hour.Count, lim.HourCount)
	case lim.HourAmount > 0 && hour.Amount+amount > lim.HourAmount:
		res.Reason = fmt.Sprintf("the shop's auto-approval budget is spent: %s approved in the last hour, %s more would pass the limit of %s",
			Format(hour.Amount, currency), Format(amount, currency), Format(lim.HourAmount, currency))
	case lim.DayCount > 0 && day.Count+1 > lim.DayCount:
		res.Reason = fmt.Sprintf("the shop's auto-approval budget is spent: %d of %d approvals in the last 24h", day.Count, lim.DayCount)
	case lim.DayAmount > 0 && day.Amount+amount > lim.DayAmount:
		res.Reason = fmt.Sprintf("the shop's auto-approval budget is spent: %s approved in the last 24h, %s more would pass the limit of %s",
			Format(day.Amount, currency), Format(amount, currency), Format(lim.DayAmount, currency))
	default:
		res.Allowed = true
		l.Entries = append(l.Entries, Entry{Case: caseID, Amount: amount, At: now})
		res.Hour = Usage{Count: hour.Count + 1, Amount: hour.Amount + amount}
		res.Day = Usage{Count: day.Count + 1, Amount: day.Amount + amount}
	}
	return res
}

// Usage reports the hour and day windows at now.
func (l *Ledger) Usage(now time.Time) (hour, day Usage) { return l.usage(now) }

func (l *Ledger) usage(now time.Time) (hour, day Usage) {
	for _, e := range l.Entries {
		if now.Sub(e.At) < Day {
			day.Count++
			day.Amount += e.Amount
		}
		if now.Sub(e.At) < Hour {
			hour.Count++
			hour.Amount += e.Amount
		}
	}
	return hour, day
}

// prune drops entries older than the longest window.
func (l *Ledger) prune(now time.Time) {
	kept := l.Entries[:0]
	for _, e := range l.Entries {
		if now.Sub(e.At) < Day {
			kept = append(kept, e)
		}
	}
	l.Entries = kept
}

// Format writes minor units as a decimal with the currency.
func Format(minor int64, currency string) string { return platforms.FormatMoney(minor, currency) }
