package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/aftersale/aftersale/platforms"
)

// formatMinor prints an amount in minor units in major units: 45000 CNY → "450.00".
func formatMinor(minor int64, currency string) string { return platforms.FormatMinor(minor, currency) }

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
