package taobao

import (
	"testing"
	"time"
)

func TestParseTimeOut(t *testing.T) {
	at := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) // 2026-11-25 09:00:00 GMT+8
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{"  ", time.Time{}, true},
		{"2026-11-25 09:00:00", at, true},
		{" 2026-11-25 09:00:00 ", at, true},
		{"2000-01-01 00:00:00", time.Date(1999, 12, 31, 16, 0, 0, 0, time.UTC), true}, // the seed's sample
		{"1795568400", at, true},    // epoch seconds
		{"1795568400000", at, true}, // epoch milliseconds
		{"1795568400123", at.Add(123 * time.Millisecond), true},
		{"2026-11-25T09:00:00+08:00", at, true},
		{"2026-11-25T01:00:00Z", at, true},
		{"2026-11-25T01:00:00.5Z", at.Add(500 * time.Millisecond), true},
		// Anything else is not guessed at.
		{"0", time.Time{}, false},
		{"179556840000000000", time.Time{}, false},
		{"2026-11-25", time.Time{}, false},
		{"2026/11/25 09:00:00", time.Time{}, false},
		{"2026-11-25 09:00", time.Time{}, false},
		{"25/11/2026", time.Time{}, false},
		{"3天", time.Time{}, false},
		{"-1795568400", time.Time{}, false},
		{"1.7640324e9", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseTimeOut(tt.in)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Fatalf("ParseTimeOut(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if ok && !got.IsZero() && got.Location() != time.UTC {
				t.Fatalf("not UTC: %s", got.Location())
			}
		})
	}
}
