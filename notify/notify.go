package notify

import (
	"fmt"
	"github.com/aftersale/aftersale/platforms"
	"slices"
	"strings"
	"time"
)

// Event is what happened to a case.
type Event string

// Events.
const (
	Escalated  Event = "escalated"   // a case now needs a human
	Reminder   Event = "reminder"    // still waiting for a human, deadline near
	OverBudget Event = "over_budget" // the shop's auto-approval budget turned a decision into an escalation
	Lapsed     Event = "lapsed"      // nobody decided before deadline - margin
)

// Notice says what happened to which case. No personal data: cases carry none.
type Notice struct {
	Event          Event     `json:"event"`
	WorkflowID     string    `json:"workflow_id"`
	Platform       string    `json:"platform"`
	Shop           string    `json:"shop"`
	CaseID         string    `json:"case_id"`
	Kind           string    `json:"kind,omitempty"`
	Status         string    `json:"status"`
	PlatformStatus string    `json:"platform_status,omitempty"`
	Amount         int64     `json:"amount"` // minor units
	Currency       string    `json:"currency"`
	Deadline       time.Time `json:"deadline,omitzero"`
	Rule           string    `json:"rule,omitempty"`
	Reason         string    `json:"reason"`                // why a human is needed, or why the budget refused
	OnDeadline     string    `json:"on_deadline,omitempty"` // what happens at deadline - margin if nobody decides
	At             time.Time `json:"at"`
	InboxURL       string    `json:"inbox_url,omitempty"` // link to the case in the escalation inbox
}

// Target is one configured webhook.
type Target struct {
	Name   string
	URL    string  // a credential for the chat vendors: never logged nor put in errors
	Format string  // "generic" (also ""), "dingtalk", "wecom", "slack"
	Secret string  // dingtalk: signing secret; generic: X-Aftersale-Signature: sha256=<hex HMAC-SHA256 of body>
	Events []Event // empty: all
}

// Wants reports whether t subscribes to e.
func (t Target) Wants(e Event) bool {
	return len(t.Events) == 0 || slices.Contains(t.Events, e)
}

// Text is the human-readable message of n: a one-line title and a body of
// lines, the last one the inbox link. The chat formats render the same
// lines in their own markup.
func Text(n Notice) (title, body string) {
	title, lines, link := message(n)
	if link != "" {
		lines = append(lines, "Inbox: "+link)
	}
	return title, strings.Join(lines, "\n")
}

// message is Text before it is joined, so that each format can mark up
// the title and the link its own way.
func message(n Notice) (title string, lines []string, link string) {
	title = fmt.Sprintf("%s: %s/%s/%s · %s", eventTitle(n.Event), n.Platform, n.Shop, n.CaseID,
		formatAmount(n.Amount, n.Currency))

	lines = append(lines, eventLine(n.Event))
	if n.Reason != "" {
		lines = append(lines, "Reason: "+n.Reason)
	}
	status := "Status: " + n.Status
	if n.PlatformStatus != "" {
		status += " (platform: " + n.PlatformStatus + ")"
	}
	lines = append(lines, status)
	if n.Kind != "" {
		lines = append(lines, "Kind: "+n.Kind)
	}
	if !n.Deadline.IsZero() {
		lines = append(lines, "Deadline: "+deadline(n.Deadline, n.At))
	}
	if n.Rule != "" {
		lines = append(lines, "Rule: "+n.Rule)
	}
	if n.OnDeadline != "" {
		lines = append(lines, "At deadline − margin: "+n.OnDeadline)
	} else {
		lines = append(lines, "Nobody acts at the deadline")
	}
	return title, lines, n.InboxURL
}

func eventTitle(e Event) string {
	switch e {
	case Escalated:
		return "Escalated"
	case Reminder:
		return "Reminder"
	case OverBudget:
		return "Over budget"
	case Lapsed:
		return "Lapsed"
	}
	return string(e) // a newer event still gets a readable title
}

func eventLine(e Event) string {
	switch e {
	case Escalated:
		return "This case needs a human decision."
	case Reminder:
		return "Still waiting for a human decision; the deadline is near."
	case OverBudget:
		return "The shop's auto-approval budget is spent, so this decision waits for a human."
	case Lapsed:
		return "Nobody decided before deadline − margin."
	}
	return "Event: " + string(e)
}

// deadline shows d in its own location (the platform's clock, which is what
// operators see on the platform) and how far it is from at.
func deadline(d, at time.Time) string {
	s := d.Format("2006-01-02 15:04:05 -07:00")
	if at.IsZero() {
		return s
	}
	if left := d.Sub(at); left > 0 {
		return s + " (in " + shortDuration(left) + ")"
	}
	return s + " (overdue)"
}

// shortDuration is a duration for a chat message: "2d3h", "5h30m", "45m".
func shortDuration(d time.Duration) string {
	d = d.Truncate(time.Minute)
	days, hours, mins := int64(d/(24*time.Hour)), int64(d/time.Hour%24), int64(d/time.Minute%60)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh%dm", hours, mins)
	case mins > 0:
		return fmt.Sprintf("%dm", mins)
	}
	return "under a minute"
}

func formatAmount(minor int64, currency string) string { return platforms.FormatMoney(minor, currency) }
