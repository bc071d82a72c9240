package sandbox

import (
	"testing"
	"time"
)

func TestLimiterLeakyBucket(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	lim := Limit{Rate: 4, Burst: 40} // SHOPLINE: 4 QPS, bucket 40
	for _, tc := range []struct {
		name    string
		at      time.Duration // offset of the whole burst
		n       int
		allowed int
	}{
		{"a full bucket's worth passes", 0, 40, 40},
		{"the 41st at once is refused", 0, 1, 0},
		{"a second later four more pass", time.Second, 5, 4},
		{"ten seconds idle drains it all", 11 * time.Second, 41, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := 0
			for range tc.n {
				if limiterUnderTest.allow("k", lim, start.Add(tc.at)) {
					got++
				}
			}
			if got != tc.allowed {
				t.Fatalf("allowed %d of %d, want %d", got, tc.n, tc.allowed)
			}
		})
	}
}

var limiterUnderTest limiter
