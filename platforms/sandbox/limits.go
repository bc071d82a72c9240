package sandbox

import (
	"math"
	"sync"
	"time"
)

// Limit is a platform's documented request budget for one caller: a leaky
// bucket holding at most Burst requests that drains at Rate per second.
// (SHOPLINE documents exactly this; Xiaoe documents per-minute counts, which
// a bucket of that size draining evenly approximates.)
type Limit struct {
	Rate  float64
	Burst float64
}

// limiter keeps one bucket per (platform, caller key, endpoint group).
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	level float64
	at    time.Time
}

// allow takes one request from the bucket named key, or reports false when
// the caller is over the limit (the platform would answer 429 / code 7).
func (l *limiter) allow(key string, lim Limit, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{at: now}
		l.buckets[key] = b
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.level = math.Max(0, b.level-dt*lim.Rate)
	}
	b.at = now
	if b.level+1 > lim.Burst {
		return false
	}
	b.level++
	return true
}

func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets = nil
}

// overLimit applies a platform limit to one call and counts the rejection
// in /_sandbox/calls as a rate-limit violation.
func (s *Sandbox) overLimit(platform, key string, lim Limit) bool {
	if lim.Rate <= 0 {
		return false
	}
	if s.limits.allow(platform+"|"+key, lim, s.clock.Now()) {
		return false
	}
	s.calls.rateLimited(platform)
	return true
}
