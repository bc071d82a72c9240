package shopline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale/rules"
)

// Text is a scalar SHOPLINE sends sometimes as a JSON string and sometimes
// as a number: the documentation itself types the same money field as
// "string" in one object and "double" in the next (see the seed page), and
// ids are documented as strings but look numeric. Text keeps the literal
// as sent, so that no value ever passes through float64.
type Text string

// UnmarshalJSON accepts a string, a number or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(strings.TrimSpace(s))
	default:
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*t = Text(n.String())
	}
	return nil
}

func (t Text) String() string { return string(t) }

// Int reads a non-negative integer quantity.
func (t Text) Int() (int, error) {
	n, err := strconv.Atoi(string(t))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad quantity %q", t)
	}
	return n, nil
}

// Minor converts a decimal amount in major units ("10.00", "100", 8.5) to
// exact minor units of currency (JPY has none, KWD three: rules.Digits).
// Signs, exponents and more decimals than the currency has (other than
// trailing zeros) are rejected, never rounded.
func Minor(amount Text, currency string) (int64, error) {
	s := string(amount)
	whole, frac, dot := strings.Cut(s, ".")
	if !isDigits(whole) || len(whole) > 15 || dot && !isDigits(frac) {
		return 0, fmt.Errorf("bad amount %q", s)
	}
	digits := rules.Digits(currency)
	for len(frac) > digits && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) > digits {
		return 0, fmt.Errorf("amount %q has more decimals than %s allows (%d)", s, currency, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q out of range", s)
	}
	return n, nil
}

// Major formats minor units of currency as SHOPLINE's decimal string:
// 1050 USD → "10.50", 3980 JPY → "3980".
func Major(minor int64, currency string) string {
	digits := rules.Digits(currency)
	s := strconv.FormatInt(minor, 10)
	if digits == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= digits {
		s = "0" + s
	}
	s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	if neg {
		s = "-" + s
	}
	return s
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
