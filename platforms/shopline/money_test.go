package shopline

import (
	"encoding/json"
	"testing"
)

func TestMinor(t *testing.T) {
	for _, tc := range []struct {
		in, cur string
		want    int64
		bad     bool
	}{
		{"10.00", "USD", 1000, false},
		{"10", "USD", 1000, false},
		{"8.5", "USD", 850, false},
		{"0.01", "EUR", 1, false},
		{"200.070", "CNY", 20007, false}, // trailing zeros are harmless
		{"3980", "JPY", 3980, false},
		{"3980.00", "JPY", 3980, false},
		{"1.234", "KWD", 1234, false},
		{"3980.5", "JPY", 0, true}, // JPY has no minor unit
		{"1.005", "USD", 0, true},
		{"-1.00", "USD", 0, true},
		{"1e3", "USD", 0, true},
		{"", "USD", 0, true},
		{".5", "USD", 0, true},
		{"1,000.00", "USD", 0, true},
		{"9999999999999999", "USD", 0, true},
	} {
		got, err := Minor(Text(tc.in), tc.cur)
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("Minor(%q, %s) = %d, %v; want %d, bad=%t", tc.in, tc.cur, got, err, tc.want, tc.bad)
		}
	}
}

func TestMajor(t *testing.T) {
	for _, tc := range []struct {
		minor int64
		cur   string
		want  string
	}{
		{1050, "USD", "10.50"}, {5, "USD", "0.05"}, {0, "USD", "0.00"}, {3980, "JPY", "3980"},
		{1234, "KWD", "1.234"}, {-250, "USD", "-2.50"},
	} {
		if got := Major(tc.minor, tc.cur); got != tc.want {
			t.Errorf("Major(%d, %s) = %q, want %q", tc.minor, tc.cur, got, tc.want)
		}
		if tc.minor >= 0 {
			if back, err := Minor(Text(tc.want), tc.cur); err != nil || back != tc.minor {
				t.Errorf("Minor(Major(%d)) = %d, %v", tc.minor, back, err)
			}
		}
	}
}

func TestTextTakesStringsAndNumbers(t *testing.T) {
	var v struct {
		A, B, C, D Text
	}
	if err := json.Unmarshal([]byte(`{"A":"10.00","B":9.9,"C":21057168152571061289431726,"D":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "10.00" || v.B != "9.9" || v.C != "21057168152571061289431726" || v.D != "" {
		t.Fatalf("%+v", v)
	}
	if err := json.Unmarshal([]byte(`{"A":true}`), &v); err == nil {
		t.Fatal("a bool was taken for text")
	}
}
