package sandbox

import (
	"maps"
	"sync"
)

// CallStats counts API calls by platform and endpoint (method), and
// violations by platform: calls the platform rejected because the caller
// broke the protocol (bad signature, stale timestamp, missing session,
// unknown method, missing or invalid arguments).
type CallStats struct {
	Calls      map[string]map[string]int `json:"calls"`
	Violations map[string]int            `json:"violations"`
	// RateLimited counts calls rejected for going over the platform's
	// documented rate limit (429, TOP code 7).
	RateLimited map[string]int `json:"rate_limited"`
	// Faults counts the faults injected (POST /_sandbox/faults) by
	// platform and kind; absent when none was.
	Faults map[string]map[string]int `json:"faults,omitempty"`
}

type callCounter struct {
	mu         sync.Mutex
	calls      map[string]map[string]int
	violations map[string]int
	limited    map[string]int
}

func (c *callCounter) add(platform, endpoint string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]map[string]int{}
	}
	if c.calls[platform] == nil {
		c.calls[platform] = map[string]int{}
	}
	c.calls[platform][endpoint]++
}

func (c *callCounter) violation(platform string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.violations == nil {
		c.violations = map[string]int{}
	}
	c.violations[platform]++
}

func (c *callCounter) rateLimited(platform string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limited == nil {
		c.limited = map[string]int{}
	}
	c.limited[platform]++
}

func (c *callCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls, c.violations, c.limited = nil, nil, nil
}

// Calls returns the call counters. Every simulated platform appears in
// every map, with zero counts when it had no calls.
func (s *Sandbox) Calls() CallStats {
	c := &s.calls
	c.mu.Lock()
	defer c.mu.Unlock()
	out := CallStats{Calls: map[string]map[string]int{}, Violations: map[string]int{}, RateLimited: map[string]int{}}
	for p := range s.sims {
		out.Calls[p] = maps.Clone(c.calls[p])
		if out.Calls[p] == nil {
			out.Calls[p] = map[string]int{}
		}
		out.Violations[p] = c.violations[p]
		out.RateLimited[p] = c.limited[p]
	}
	out.Faults = s.faults.injectedCounts()
	return out
}
