package taobao

import (
	"strconv"
	"strings"
	"time"
)

// ParseTimeOut reads an exchange's time_out, whose format TOP does not
// document (PLATFORMS.md §1.5, UNCONFIRMED). It accepts the forms TOP uses
// elsewhere or that a String field plausibly carries:
//   - "yyyy-MM-dd HH:mm:ss" in GMT+8 (every other TOP timestamp; the seed
//     sample "2000-01-01 00:00:00");
//   - epoch seconds (up to 11 digits) or epoch milliseconds (12 to 14);
//   - RFC 3339.
//
// "" means no deadline (ok, zero time). Anything else, or a time outside
// the years 0 to 9999 in UTC (a Case could not carry it), returns ok=false:
// the caller then keeps no deadline and flags the case rather than guess.
// Results are in UTC.
func ParseTimeOut(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil || n <= 0:
			return time.Time{}, false
		case len(s) <= 11:
			return time.Unix(n, 0).UTC(), true
		case len(s) <= 14:
			return time.UnixMilli(n).UTC(), true
		}
		return time.Time{}, false
	}
	if t, err := time.ParseInLocation(TimestampLayout, s, cst); err == nil && encodable(t) {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil && encodable(t) {
		return t.UTC(), true
	}
	return time.Time{}, false
}
