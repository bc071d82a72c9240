package main

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "7d", want: 7 * 24 * time.Hour},
		{in: "36h", want: 36 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: " 2d ", want: 48 * time.Hour},
		{in: "0d1s", want: time.Second},
		{in: "", bad: true},
		{in: "0", bad: true},
		{in: "0d", bad: true},
		{in: "-1d", bad: true},
		{in: "-5h", bad: true},
		{in: "+5h", bad: true},
		{in: "d", bad: true},
		{in: "1.5d", bad: true},
		{in: "07d", bad: true},
		{in: "3h1d", bad: true},
		{in: "1w", bad: true},
		{in: "7", bad: true},
		{in: "999999d", bad: true},
	} {
		got, err := parseDuration(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseDuration(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "7d", want: now.Add(-7 * 24 * time.Hour)},
		{in: "1h", want: now.Add(-time.Hour)},
		{in: "2026-11-20T08:00:00+08:00", want: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{in: "", bad: true},
		{in: "yesterday", bad: true},
		{in: "2026-11-20", bad: true},
	} {
		got, err := parseSince(tc.in, now)
		if tc.bad {
			if err == nil {
				t.Errorf("parseSince(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
