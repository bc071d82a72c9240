package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseDuration is time.ParseDuration plus a leading whole number of days:
// "2h", "30m", "1d", "1d12h". Negative durations are rejected.
func parseDuration(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > maxDays {
			return 0, fmt.Errorf("invalid duration %q (want e.g. 2h, 90m, 1d, 1d12h)", orig)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || days+d < days {
		return 0, fmt.Errorf("invalid duration %q (want e.g. 2h, 90m, 1d, 1d12h)", orig)
	}
	return days + d, nil
}

// maxDays is the most days a time.Duration holds (about 292 years): more
// would wrap around, e.g. into a negative deadline margin.
const maxDays = int(math.MaxInt64 / int64(24*time.Hour))
