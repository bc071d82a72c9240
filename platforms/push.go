package platforms

import (
	"context"
	"sync"
	"time"
)

// Hint says a case changed. Pushes and sync produce hints; the case
// workflow re-reads the case before acting on one.
type Hint struct {
	Platform Platform `json:"platform"`
	Shop     string   `json:"shop"`
	CaseID   string   `json:"case_id"`
	// Case is a snapshot when the source carried enough to build one.
	Case *Case `json:"case,omitempty"`
}

// HintSink takes hints from push receivers; the worker's sink signals (and
// if needed starts) the case workflow.
type HintSink func(ctx context.Context, h Hint) error

// Deduper remembers delivery ids for a while so redelivered pushes are
// acknowledged without being processed twice.
type Deduper struct {
	mu   sync.Mutex
	ttl  time.Duration
	max  int
	seen map[string]time.Time
	now  func() time.Time
}

// NewDeduper remembers up to max ids for ttl each.
func NewDeduper(ttl time.Duration, max int) *Deduper {
	return &Deduper{ttl: ttl, max: max, seen: map[string]time.Time{}, now: time.Now}
}

// Seen records id and reports whether it was already recorded within the ttl.
func (d *Deduper) Seen(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if at, ok := d.seen[id]; ok && now.Sub(at) < d.ttl {
		return true
	}
	if len(d.seen) >= d.max {
		for k, at := range d.seen {
			if now.Sub(at) >= d.ttl {
				delete(d.seen, k)
			}
		}
		for k := range d.seen { // still full: forget an arbitrary one
			if len(d.seen) < d.max {
				break
			}
			delete(d.seen, k)
		}
	}
	d.seen[id] = now
	return false
}

// Forget drops id, for a delivery whose processing failed and should be
// accepted when the platform redelivers it.
func (d *Deduper) Forget(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.seen, id)
}
