package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseDuration reads a positive duration as Go writes them ("90m", "36h",
// "1h30m") or with a leading whole number of days ("7d", "1d12h"); a day is
// 24 hours.
func parseDuration(s string) (time.Duration, error) {
	orig := s
	bad := fmt.Errorf("invalid duration %q (want e.g. 90m, 36h, 7d, 1d12h)", orig)
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || s[:i] != strconv.Itoa(n) || n > 100*365 {
			return 0, bad
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || strings.HasPrefix(s, "+") {
			return 0, bad
		}
		rest = d
	}
	if days+rest <= 0 {
		return 0, fmt.Errorf("duration %q must be more than zero", orig)
	}
	return days + rest, nil
}

// parseSince reads --since: a duration back from now ("7d") or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("--since is required (e.g. --since 7d or --since 2026-11-23T00:00:00+08:00)")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--since: %w, or an RFC 3339 time", err)
	}
	return now.Add(-d), nil
}
