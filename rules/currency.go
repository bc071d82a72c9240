package rules

import (
	"math"

	"github.com/aftersale/aftersale/platforms"
)

// Digits returns the number of minor-unit digits of a currency (2 if unknown).
func Digits(currency string) int { return platforms.Digits(currency) }

// Major converts an amount in minor units to major units. The division is
// correctly rounded, so 20007 fen is exactly the float64 literal 200.07.
func Major(minor int64, currency string) float64 {
	return float64(minor) / math.Pow10(Digits(currency))
}

// Minor parses a decimal amount in major units ("99.5") into minor units,
// exactly; it fails if the amount has more decimals than the currency allows.
func Minor(major string, currency string) (int64, error) { return platforms.ParseMinor(major, currency) }
