package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// record is one stored case: the platform's native JSON object, kept as
// decoded with UseNumber so ids beyond 2^53 stay exact.
type record struct {
	platform, shop, id string
	native             map[string]any
	// shipAt is when the simulated buyer ships the return (TOP); zero: never.
	shipAt time.Time
	// lapsedAt is the deadline at which the platform itself last moved the
	// case, and lapsedFP the case's fingerprint right after that move
	// (arrival.go); zero and "" when its last own move was not a lapse.
	lapsedAt time.Time
	lapsedFP string
}

type caseKey struct{ platform, shop, id string }

func (r *record) key() caseKey { return caseKey{r.platform, r.shop, r.id} }

// StoredCase is a case as the admin API shows it.
type StoredCase struct {
	Platform string         `json:"platform"`
	Shop     string         `json:"shop"`
	Case     map[string]any `json:"case"`
}

// PutCase stores or replaces a case given as the platform's detail API
// returns it: a map[string]any, json.RawMessage, []byte or string of JSON.
// Missing bookkeeping fields (version, modified, created, status) are filled.
func (s *Sandbox) PutCase(platform, shop string, native any) error {
	_, err := s.putCase(platform, shop, native)
	return err
}

func (s *Sandbox) putCase(platform, shop string, native any) (*record, error) {
	sim, ok := s.sims[platform]
	if !ok {
		return nil, fmt.Errorf("unknown platform %q", platform)
	}
	if shop == "" {
		return nil, fmt.Errorf("shop is required")
	}
	m, err := toNative(native)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	r := &record{platform: platform, shop: shop, native: m}
	if err := sim.prepare(r, now); err != nil {
		return nil, err
	}
	s.cases[r.key()] = r
	s.log.Debug("sandbox case stored", "platform", platform, "shop", shop, "case_id", r.id)
	return r, nil
}

// Cases returns the stored cases, with every due platform move applied,
// filtered by platform and shop when not empty.
func (s *Sandbox) Cases(platform, shop string) []StoredCase {
	s.touch()
	defer s.mu.Unlock()
	out := []StoredCase{}
	for _, r := range s.sorted(platform, shop) {
		out = append(out, r.stored())
	}
	return out
}

// touch locks the store, applies every platform move due by now, and
// returns now. The caller must unlock s.mu.
func (s *Sandbox) touch() time.Time {
	s.mu.Lock()
	now := s.clock.Now()
	for _, r := range s.cases {
		s.sims[r.platform].advance(r, now)
	}
	return now
}

// find returns a case or nil. Called with s.mu held.
func (s *Sandbox) find(platform, shop, id string) *record {
	return s.cases[caseKey{platform, shop, id}]
}

// sorted lists cases by platform, shop and id (numeric ids in numeric
// order). Called with s.mu held.
func (s *Sandbox) sorted(platform, shop string) []*record {
	var rs []*record
	for _, r := range s.cases {
		if (platform == "" || r.platform == platform) && (shop == "" || r.shop == shop) {
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.platform != b.platform {
			return a.platform < b.platform
		}
		if a.shop != b.shop {
			return a.shop < b.shop
		}
		return lessID(a.id, b.id)
	})
	return rs
}

func (r *record) stored() StoredCase {
	return StoredCase{Platform: r.platform, Shop: r.shop, Case: cloneNative(r.native)}
}

// lessID orders decimal ids numerically (shorter first), others as strings.
func lessID(a, b string) bool {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) < len(b)
	}
	return a < b
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// toNative turns a native case given in any of the accepted forms into a
// map decoded with UseNumber.
func toNative(v any) (map[string]any, error) {
	var raw []byte
	switch v := v.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("case: %w", err)
		}
		raw = b
	}
	var m map[string]any
	if err := decodeJSON(raw, &m); err != nil {
		return nil, fmt.Errorf("case must be a JSON object: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("case must be a JSON object")
	}
	return m, nil
}

func decodeJSON(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(v)
}

// cloneNative deep-copies a native case.
func cloneNative(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // stored cases always marshal
	}
	var out map[string]any
	if err := decodeJSON(b, &out); err != nil {
		panic(err)
	}
	return out
}
