package rules

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/expr-lang/expr"
)

func TestMajor(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     float64
	}{
		{20007, "CNY", 200.07},
		{9950, "CNY", 99.5},
		{29, "USD", 0.29},
		{1, "EUR", 0.01},
		{239900, "cny", 2399},
		{899900, "HKD", 8999},
		{1999, "JPY", 1999},
		{50000, "KRW", 50000},
		{12345, "KWD", 12.345},
		{12345, "XYZ", 123.45}, // unknown currency: 2 digits
		{-150, "CNY", -1.5},
	}
	for _, tt := range tests {
		if got := Major(tt.minor, tt.currency); got != tt.want {
			t.Errorf("Major(%d, %s) = %v, want %v", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestMinor(t *testing.T) {
	tests := []struct {
		major, currency string
		want            int64
		ok              bool
	}{
		{"200.07", "CNY", 20007, true},
		{"99.5", "CNY", 9950, true},
		{"0.29", "USD", 29, true},
		{"2399", "CNY", 239900, true},
		{"1999", "JPY", 1999, true},
		{"19.5", "JPY", 0, false},
		{"1.234", "CNY", 0, false},
		{"abc", "CNY", 0, false},
	}
	for _, tt := range tests {
		got, err := Minor(tt.major, tt.currency)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Minor(%s, %s) = %d, %v; want %d, ok=%v", tt.major, tt.currency, got, err, tt.want, tt.ok)
		}
	}
}

// Amount comparisons in rules are exact at the boundaries.
func TestAmountBoundaries(t *testing.T) {
	tests := []struct {
		when  string
		minor int64
		want  bool
	}{
		{"amount == 200.07", 20007, true},
		{"amount <= 200.07", 20007, true},
		{"amount > 200.06", 20007, true},
		{"amount <= 200", 20007, false},
		{"amount <= 200", 20000, true},
		{"amount == 99.5", 9950, true},
		{"amount < 99.5", 9950, false},
		{"amount == 0.29", 29, true},
		{"amount_minor == 20007", 20007, true},
	}
	for _, tt := range tests {
		p, err := expr.Compile(tt.when, compileOptions(nil)...)
		if err != nil {
			t.Fatal(err)
		}
		out, err := expr.Run(p, NewEnv(refund(tt.minor), testNow))
		if err != nil || out != tt.want {
			t.Errorf("%s with %d fen = %v, %v; want %v", tt.when, tt.minor, out, err, tt.want)
		}
	}
}

func TestNewEnv(t *testing.T) {
	c := refund(20007)
	c.OrderID, c.Reason, c.ReasonID = "T9", "不想要了", 1001
	c.Flags = []string{platforms.FlagCannotRefuse}
	c.Items = []platforms.Item{{SKU: "a"}, {SKU: "b"}}
	c.Deadline = testNow.Add(90 * time.Minute)
	e := NewEnv(c, testNow)
	if e.Platform != "taobao" || e.Shop != "shop-a" || e.CaseID != "R1" || e.OrderID != "T9" ||
		e.Kind != "refund" || e.Role != "seller" || e.Status != "awaiting_seller" ||
		e.PlatformStatus != "WAIT_SELLER_AGREE" || e.Amount != 200.07 || e.AmountMinor != 20007 ||
		e.Currency != "CNY" || e.Reason != "不想要了" || e.ReasonID != 1001 || e.GoodsStatus != "not_shipped" ||
		e.Items != 2 || !e.HasDeadline || !e.Deadline.Equal(c.Deadline) || e.HoursLeft != 1.5 || !e.Now.Equal(testNow) {
		t.Errorf("env = %+v", e)
	}
	if !e.HasFlag(platforms.FlagCannotRefuse) || e.HasFlag(platforms.FlagCSInvolved) {
		t.Error("has_flag is wrong")
	}
	if v, ok := e.Value("amount"); !ok || v != 200.07 {
		t.Errorf("Value(amount) = %v, %v", v, ok)
	}
	if _, ok := e.Value("has_flag"); ok {
		t.Error("has_flag is not a value")
	}
}

func TestHoursLeft(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Time
		want     float64
		has      bool
	}{
		{"no deadline", time.Time{}, NoDeadlineHours, false},
		{"30h ahead", testNow.Add(30 * time.Hour), 30, true},
		{"45m ahead", testNow.Add(45 * time.Minute), 0.75, true},
		{"passed 2h ago", testNow.Add(-2 * time.Hour), -2, true},
	}
	for _, tt := range tests {
		c := refund(100)
		c.Deadline = tt.deadline
		e := NewEnv(c, testNow)
		if e.HoursLeft != tt.want || e.HasDeadline != tt.has {
			t.Errorf("%s: hours_left = %v, has_deadline = %v", tt.name, e.HoursLeft, e.HasDeadline)
		}
	}
}

// Rules read `now` from the env; there is no wall clock.
func TestNoWallClock(t *testing.T) {
	for _, when := range []string{"now() > deadline", `date("2026-01-01") < now`} {
		if _, err := expr.Compile(when, compileOptions(nil)...); err == nil {
			t.Errorf("%s compiled", when)
		}
	}
	p, err := expr.Compile(`now.Year() == 2026 && deadline - now < duration("2h")`, compileOptions(nil)...)
	if err != nil {
		t.Fatal(err)
	}
	c := refund(100)
	c.Deadline = testNow.Add(time.Hour)
	if out, err := expr.Run(p, NewEnv(c, testNow)); out != true || err != nil {
		t.Errorf("got %v, %v", out, err)
	}
}
