package inbox

import (
	"math"
	"testing"
	"time"
)

func TestFormatMinor(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "CNY", "0.00"},
		{5, "CNY", "0.05"},
		{99, "USD", "0.99"},
		{549900, "CNY", "5,499.00"},
		{123456789, "CNY", "1,234,567.89"},
		{-1250, "EUR", "-12.50"},
		{3980, "JPY", "3,980"},
		{100, "KRW", "100"},
		{100, "jpy", "100"},
		{math.MinInt64, "CNY", "-92,233,720,368,547,758.08"},
		{math.MaxInt64, "JPY", "9,223,372,036,854,775,807"},
	} {
		if got := formatMinor(tc.minor, tc.currency); got != tc.want {
			t.Errorf("formatMinor(%d, %s) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
	}
	if got := formatMoney(549900, "CNY"); got != "5,499.00 CNY" {
		t.Errorf("formatMoney = %q", got)
	}
}

func TestParseMajor(t *testing.T) {
	for _, tc := range []struct {
		in, currency string
		want         int64
		wantErr      bool
	}{
		{"1234.5", "CNY", 123450, false},
		{"1234.56", "CNY", 123456, false},
		{" 12 ", "CNY", 1200, false},
		{"0.01", "USD", 1, false},
		{".5", "USD", 50, false},
		{"12.", "USD", 1200, false},
		{"0.29", "CNY", 29, false}, // 0.29 is not exact in binary floating point
		{"19.99", "CNY", 1999, false},
		{"3980", "JPY", 3980, false},
		{"3980.5", "JPY", 0, true},
		{"1.234", "CNY", 0, true},
		{"-5", "CNY", 0, true},
		{"+5", "CNY", 0, true},
		{"1,234.00", "CNY", 0, true},
		{"1e3", "CNY", 0, true},
		{"1.2.3", "CNY", 0, true},
		{".", "CNY", 0, true},
		{"", "CNY", 0, true},
		{"١٢", "CNY", 0, true}, // non-ASCII digits
		{"92233720368547758.07", "CNY", math.MaxInt64, false},
		{"92233720368547758.08", "CNY", 0, true},
	} {
		got, err := parseMajor(tc.in, tc.currency)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseMajor(%q, %s) = %d, %v; want %d, error %v", tc.in, tc.currency, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestShowDeadline(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d         time.Time
		rel, cls  string
		wantEmpty bool
	}{
		{time.Time{}, "", "", true},
		{now.Add(3*time.Hour + 10*time.Minute), "in 3h10m", "soon", false},
		{now.Add(42*time.Minute + 30*time.Second), "in 42m", "soon", false},
		{now.Add(20 * time.Second), "in <1m", "soon", false},
		{now.Add(30 * time.Hour), "in 30h00m", "", false},
		{now.Add(74 * time.Hour), "in 3d2h", "", false},
		{now.Add(-12 * time.Minute), "overdue 12m", "overdue", false},
		{now, "overdue <1m", "overdue", false},
	} {
		v := showDeadline(tc.d, now)
		if v.Rel != tc.rel || v.Class != tc.cls || (v.Abs == "no deadline") != tc.wantEmpty {
			t.Errorf("showDeadline(%v) = %+v, want %q %q", tc.d, v, tc.rel, tc.cls)
		}
	}
}
