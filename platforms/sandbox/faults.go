package sandbox

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Fault kinds. 429, 500 and malformed answer before anything is applied;
// timeout applies the call and then holds the answer back, so the client
// sees an ambiguous timeout.
const (
	Fault429       = "429"
	Fault500       = "500"
	FaultTimeout   = "timeout"
	FaultMalformed = "malformed"
)

var faultKinds = []string{Fault429, Fault500, FaultTimeout, FaultMalformed}

// faultHold is how long a "timeout" fault holds a request at most.
const faultHold = 30 * time.Second

// Faults configures fault injection on platform API calls (never on the
// admin API). Rate 0 disables it.
type Faults struct {
	// Rate is the probability, 0..1, that a call gets a fault.
	Rate float64 `json:"rate"`
	// Kinds to pick from uniformly; empty means all kinds.
	Kinds []string `json:"kinds"`
	// Methods limits faults to these platform methods, e.g.
	// "taobao.rp.refunds.agree"; empty means all.
	Methods []string `json:"methods,omitempty"`
	// Seed, when set, reseeds the random source for a reproducible run.
	Seed *uint64 `json:"seed,omitempty"`
}

type faults struct {
	mu  sync.Mutex
	cfg Faults
	rng *rand.Rand
	// injected counts the faults injected by platform and kind, for
	// /_sandbox/calls; reset with the call counters.
	injected map[string]map[string]int
}

func newFaults(seed uint64) *faults {
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return &faults{rng: newRand(seed)}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// SetFaults replaces the fault configuration.
func (s *Sandbox) SetFaults(cfg Faults) error {
	if cfg.Rate < 0 || cfg.Rate > 1 {
		return fmt.Errorf("rate must be within 0..1, got %v", cfg.Rate)
	}
	for _, k := range cfg.Kinds {
		if !slices.Contains(faultKinds, k) {
			return fmt.Errorf("unknown fault kind %q (want one of %v)", k, faultKinds)
		}
	}
	f := s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	if cfg.Seed != nil {
		f.rng = newRand(*cfg.Seed)
	}
	cfg.Kinds = slices.Clone(cfg.Kinds)
	cfg.Methods = slices.Clone(cfg.Methods)
	f.cfg = cfg
	s.log.Info("sandbox faults set", "rate", cfg.Rate, "kinds", cfg.Kinds, "methods", cfg.Methods)
	return nil
}

// pick returns the fault kind to inject into a call of method, or "".
func (f *faults) pick(method string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cfg
	if c.Rate <= 0 || (len(c.Methods) > 0 && !slices.Contains(c.Methods, method)) {
		return ""
	}
	if f.rng.Float64() >= c.Rate {
		return ""
	}
	kinds := c.Kinds
	if len(kinds) == 0 {
		kinds = faultKinds
	}
	return kinds[f.rng.IntN(len(kinds))]
}

// pickFault is faults.pick for a call of method on platform, counting the
// fault it injects.
func (s *Sandbox) pickFault(platform, method string) string {
	kind := s.faults.pick(method)
	if kind != "" {
		f := s.faults
		f.mu.Lock()
		if f.injected == nil {
			f.injected = map[string]map[string]int{}
		}
		if f.injected[platform] == nil {
			f.injected[platform] = map[string]int{}
		}
		f.injected[platform][kind]++
		f.mu.Unlock()
	}
	return kind
}

// injectedCounts copies the injected-fault counters; nil when none.
func (f *faults) injectedCounts() map[string]map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.injected) == 0 {
		return nil
	}
	out := make(map[string]map[string]int, len(f.injected))
	for p, m := range f.injected {
		out[p] = maps.Clone(m)
	}
	return out
}

func (f *faults) resetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.injected = nil
}

func (f *faults) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = Faults{}
}

// hold blocks a request for a "timeout" fault: until the client gives up
// (or the server stops) or faultHold passes.
func hold(ctx context.Context) {
	t := time.NewTimer(faultHold)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
