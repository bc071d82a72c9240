package platforms

import (
	"math/big"
	"fmt"
	"strconv"
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
	if d, ok := currencyDigits[strings.ToUpper(strings.TrimSpace(currency))]; ok {
		return d
	}
	return 2
}

// FormatMinor writes an amount in minor units in major units with the
// currency's decimals, from integers only: 45000 CNY → "450.00", 3980 JPY
// → "3980". Money is never turned into a float for display.
func FormatMinor(minor int64, currency string) string {
	digits := Digits(currency)
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", -u // unsigned negation also covers math.MinInt64
	}
	if digits == 0 {
		return sign + strconv.FormatUint(u, 10)
	}
	pow := uint64(1)
	for range digits {
		pow *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, u/pow, digits, u%pow)
}

// FormatMoney is FormatMinor followed by the currency code, if any.
func FormatMoney(minor int64, currency string) string {
	if currency = strings.ToUpper(strings.TrimSpace(currency)); currency == "" {
		return FormatMinor(minor, currency)
	}
	return FormatMinor(minor, currency) + " " + currency
}

// ParseMinor parses a decimal amount in major units ("99.5") into minor
// units, exactly; it fails if the amount has more decimals than the
// currency allows or does not fit an int64.
func ParseMinor(major string, currency string) (int64, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(major))
	if !ok || strings.ContainsAny(major, "/eE") {
		return 0, fmt.Errorf("amount %q is not a decimal number", major)
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(Digits(currency))), nil)
	r.Mul(r, new(big.Rat).SetInt(scale))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("amount %s does not fit %d decimals of %s", major, Digits(currency), currency)
	}
	return r.Num().Int64(), nil
}
