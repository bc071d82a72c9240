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
