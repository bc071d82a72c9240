package notify

import (
	"strings"
	"testing"
	"time"
)

// cst is a fixed +08:00 zone: the tests must not depend on the machine's tzdata.
var cst = time.FixedZone("CST", 8*3600)

// sample is a fully filled notice; tests change what they look at.
func sample() Notice {
	at := time.Date(2026, 11, 23, 12, 30, 0, 0, cst)
	return Notice{
		Event:          Escalated,
		WorkflowID:     "case/taobao/shop-a/123",
		Platform:       "taobao",
		Shop:           "shop-a",
		CaseID:         "123",
		Kind:           "refund",
		Status:         "waiting_seller",
		PlatformStatus: "WAIT_SELLER_AGREE",
		Amount:         12000,
		Currency:       "CNY",
		Deadline:       at.Add(5*time.Hour + 30*time.Minute),
		Rule:           "big-ticket",
		Reason:         "amount over 100.00 CNY",
		OnDeadline:     "agree",
		At:             at,
		InboxURL:       "https://inbox.example/cases/taobao/shop-a/123",
	}
}

func TestTextFull(t *testing.T) {
	title, body := Text(sample())
	if want := "Escalated: taobao/shop-a/123 · 120.00 CNY"; title != want {
		t.Errorf("title = %q, want %q", title, want)
	}
	want := strings.Join([]string{
		"This case needs a human decision.",
		"Reason: amount over 100.00 CNY",
		"Status: waiting_seller (platform: WAIT_SELLER_AGREE)",
		"Kind: refund",
		"Deadline: 2026-11-23 18:00:00 +08:00 (in 5h30m)",
		"Rule: big-ticket",
		"At deadline − margin: agree",
		"Inbox: https://inbox.example/cases/taobao/shop-a/123",
	}, "\n")
	if body != want {
		t.Errorf("body =\n%s\nwant\n%s", body, want)
	}
}

func TestTextVariants(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Notice)
		title  string   // exact, when set
		has    []string // lines the body must hold
		hasNot []string
	}{
		{name: "reminder", change: func(n *Notice) { n.Event = Reminder },
			title: "Reminder: taobao/shop-a/123 · 120.00 CNY", has: []string{"deadline is near"}},
		{name: "over budget", change: func(n *Notice) { n.Event = OverBudget },
			title: "Over budget: taobao/shop-a/123 · 120.00 CNY", has: []string{"auto-approval budget"}},
		{name: "lapsed", change: func(n *Notice) { n.Event = Lapsed },
			title: "Lapsed: taobao/shop-a/123 · 120.00 CNY", has: []string{"Nobody decided"}},
		{name: "yen has no decimals", change: func(n *Notice) { n.Amount, n.Currency = 1500, "JPY" },
			title: "Escalated: taobao/shop-a/123 · 1500 JPY"},
		{name: "overdue", change: func(n *Notice) { n.Deadline = n.At.Add(-time.Minute) },
			has: []string{"Deadline: 2026-11-23 12:29:00 +08:00 (overdue)"}},
		{name: "days away", change: func(n *Notice) { n.Deadline = n.At.Add(50*time.Hour + 7*time.Minute) },
			has: []string{"(in 2d2h)"}},
		{name: "deadline in its own zone", change: func(n *Notice) { n.Deadline = n.Deadline.UTC() },
			has: []string{"Deadline: 2026-11-23 10:00:00 +00:00 (in 5h30m)"}},
		{name: "nobody acts", change: func(n *Notice) { n.OnDeadline = "" },
			has: []string{"Nobody acts at the deadline"}, hasNot: []string{"At deadline"}},
		{name: "optional lines left out", change: func(n *Notice) {
			n.Deadline, n.Rule, n.Kind, n.PlatformStatus, n.InboxURL = time.Time{}, "", "", "", ""
		}, has: []string{"Status: waiting_seller"}, hasNot: []string{"Deadline", "Rule", "Kind", "platform:", "Inbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := sample()
			tt.change(&n)
			title, body := Text(n)
			if tt.title != "" && title != tt.title {
				t.Errorf("title = %q, want %q", title, tt.title)
			}
			for _, s := range tt.has {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(body, s) {
					t.Errorf("body has %q:\n%s", s, body)
				}
			}
		})
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{12000, "CNY", "120.00 CNY"},
		{5, "CNY", "0.05 CNY"},
		{0, "USD", "0.00 USD"},
		{123456789, "USD", "1234567.89 USD"},
		{1500, "JPY", "1500 JPY"},
		{1500, "jpy", "1500 JPY"}, // the decimals follow the code, whatever its case
		{50000, "KRW", "50000 KRW"},
		{9007199254740993, "CNY", "90071992547409.93 CNY"}, // beyond float64's exact integers
		{1999, "", "19.99"},
	}
	for _, tt := range tests {
		if got := formatAmount(tt.minor, tt.currency); got != tt.want {
			t.Errorf("formatAmount(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestWants(t *testing.T) {
	tests := []struct {
		events []Event
		e      Event
		want   bool
	}{
		{nil, Escalated, true}, // empty: all
		{nil, Lapsed, true},
		{[]Event{Escalated, Lapsed}, Lapsed, true},
		{[]Event{Escalated, Lapsed}, Reminder, false},
		{[]Event{OverBudget}, Escalated, false},
	}
	for _, tt := range tests {
		if got := (Target{Events: tt.events}).Wants(tt.e); got != tt.want {
			t.Errorf("Target{Events: %v}.Wants(%q) = %v, want %v", tt.events, tt.e, got, tt.want)
		}
	}
}

func TestTruncateKeepsRunes(t *testing.T) {
	s := strings.Repeat("退款", 10) // 3 bytes a rune
	got := truncate(s, 10)
	if len(got) > 10 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
		t.Errorf("truncate = %q", got)
	}
}
