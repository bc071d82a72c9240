package rules

import (
	"fmt"
	"github.com/aftersale/aftersale/platforms"
	"math"
	"math/big"
	"strings"
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
func Minor(major string, currency string) (int64, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(major))
	if !ok {
		return 0, fmt.Errorf("amount %q is not a number", major)
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(Digits(currency))), nil)
	r.Mul(r, new(big.Rat).SetInt(scale))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("amount %s does not fit %d decimals of %s", major, Digits(currency), currency)
	}
	return r.Num().Int64(), nil
}
