package rules

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// currencyDigits is the number of minor-unit digits per ISO 4217 currency.
// Currencies not listed have 2.
var currencyDigits = map[string]int{
	"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "SGD": 2, "GBP": 2, "AUD": 2, "CAD": 2,
	"NZD": 2, "CHF": 2, "TWD": 2, "MOP": 2, "MYR": 2, "THB": 2, "PHP": 2, "IDR": 2,
	"INR": 2, "AED": 2, "SAR": 2, "MXN": 2, "BRL": 2,
	"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
	"KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "IQD": 3, "LYD": 3,
}

// Digits returns the number of minor-unit digits of a currency (2 if unknown).
func Digits(currency string) int {
	if d, ok := currencyDigits[strings.ToUpper(currency)]; ok {
		return d
	}
	return 2
}

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
