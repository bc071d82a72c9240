package platforms

import (
	"math"
	"testing"
)

func TestFormatMinor(t *testing.T) {
	for _, tt := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{45000, "CNY", "450.00"}, {5, "usd", "0.05"}, {3980, "JPY", "3980"}, {1234, "KWD", "1.234"},
		{-250, "", "-2.50"}, {math.MinInt64, "CNY", "-92233720368547758.08"}, {7, "XXX", "0.07"},
	} {
		if got := FormatMinor(tt.minor, tt.currency); got != tt.want {
			t.Errorf("FormatMinor(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
	if got := FormatMoney(12345, "cny"); got != "123.45 CNY" {
		t.Errorf("FormatMoney = %q", got)
	}
}

func TestParseMinor(t *testing.T) {
	for _, tt := range []struct {
		in       string
		currency string
		want     int64
		ok       bool
	}{
		{"99.5", "CNY", 9950, true}, {" 2000 ", "", 200000, true}, {"0.07", "USD", 7, true},
		{"3980", "JPY", 3980, true}, {"1.234", "KWD", 1234, true}, {"-2.50", "CNY", -250, true},
		{"1.005", "CNY", 0, false}, {"1.5", "JPY", 0, false}, {"1e3", "CNY", 0, false}, {"1/2", "CNY", 0, false},
		{"abc", "CNY", 0, false}, {"92233720368547758.08", "CNY", 0, false},
	} {
		got, err := ParseMinor(tt.in, tt.currency)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMinor(%q, %q) = %d, %v; want %d, ok %v", tt.in, tt.currency, got, err, tt.want, tt.ok)
		}
	}
}
