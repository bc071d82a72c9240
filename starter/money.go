package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale/rules"
)

// formatMinor prints an amount in minor units in major units, with the
// currency's number of decimals, from integers only: 45000 CNY → "450.00".
func formatMinor(minor int64, currency string) string {
	digits := rules.Digits(currency)
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-(minor+1))+1 // no overflow at math.MinInt64
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

// amounts sums minor units per currency; money is never added across
// currencies nor converted to floating point.
type amounts map[string]int64

func (a amounts) add(minor int64, currency string) { a[currency] += minor }

// String is "450.00 CNY + 12.50 USD" (currencies in name order), "" if empty.
func (a amounts) String() string {
	var parts []string
	for _, cur := range slices.Sorted(maps.Keys(a)) {
		name := cur
		if name == "" {
			name = "(no currency)"
		}
		parts = append(parts, formatMinor(a[cur], cur)+" "+name)
	}
	return strings.Join(parts, " + ")
}
