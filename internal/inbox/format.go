package inbox

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// minorDigits is how many digits of a currency's amount are minor units.
func minorDigits(currency string) int { return platforms.Digits(currency) }

// formatMinor renders minor units as a major amount with thousands
// separators: 549900 CNY → "5,499.00", 3980 JPY → "3,980".
func formatMinor(minor int64, currency string) string {
	s, negative := strings.CutPrefix(platforms.FormatMinor(minor, currency), "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if negative {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// formatMoney is formatMinor followed by the currency code.
func formatMoney(minor int64, currency string) string {
	if currency == "" {
		return formatMinor(minor, currency)
	}
	return formatMinor(minor, currency) + " " + currency
}

// parseMajor reads an amount typed in major units ("1234.5" yuan) into minor
// units (123450 fen) exactly: digits and one dot, no floats, no signs, no
// more decimals than the currency has.
func parseMajor(s, currency string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("the amount is empty")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("amount %q: use digits and at most one dot, e.g. 1234.50", s)
	}
	n := minorDigits(currency)
	if len(frac) > n {
		if n == 0 {
			return 0, fmt.Errorf("amount %q: %s has no minor units", s, currency)
		}
		return 0, fmt.Errorf("amount %q: at most %d decimals", s, n)
	}
	v, err := strconv.ParseInt(whole+frac+strings.Repeat("0", n-len(frac)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// deadlineView is a deadline as the pages show it.
type deadlineView struct {
	Abs   string // "2026-11-25 14:00 CST"
	Rel   string // "in 3h10m", "overdue 12m"
	Class string // "overdue", "soon" (under 6h) or ""
}

func showDeadline(d, now time.Time) deadlineView {
	if d.IsZero() {
		return deadlineView{Abs: "no deadline"}
	}
	left := d.Sub(now)
	v := deadlineView{Abs: showTime(d)}
	switch {
	case left <= 0:
		v.Rel, v.Class = "overdue "+shortDuration(-left), "overdue"
	case left < 6*time.Hour:
		v.Rel, v.Class = "in "+shortDuration(left), "soon"
	default:
		v.Rel = "in " + shortDuration(left)
	}
	return v
}

// shortDuration is a human duration to the minute: "42m", "3h10m", "2d4h".
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		return fmt.Sprintf("%dh%02dm", h, int((d-time.Duration(h)*time.Hour)/time.Minute))
	default:
		days := int(d / (24 * time.Hour))
		return fmt.Sprintf("%dd%dh", days, int((d-time.Duration(days)*24*time.Hour)/time.Hour))
	}
}

// showTime is the absolute form of a moment, in the server's zone.
func showTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04 MST")
}

// showStamp is a decision's moment, to the second.
func showStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// buttonClass colours an action's button: green what gives the buyer what
// they asked for, red what refuses or withdraws it.
func buttonClass(a platforms.Action) string {
	switch a {
	case platforms.ActionRefuse, platforms.ActionCancel:
		return "stop"
	case platforms.ActionWait:
		return ""
	}
	return "go"
}

// shortHash keeps enough of a ruleset hash to tell versions apart.
func shortHash(h string) string {
	if len(h) > 8 {
		return h[:8]
	}
	return h
}
