package sandbox

import (
	"sync"
	"time"
)

// clock is the sandbox's notion of now; it also hands out versions.
type clock struct {
	now func() time.Time

	mu   sync.Mutex
	last int64
}

func (c *clock) Now() time.Time { return c.now() }

// version returns a unique millisecond timestamp for a move made at at:
// at in ms, bumped past every version handed out before, so versions are
// strictly increasing even when moves share a millisecond or the injected
// clock stands still.
func (c *clock) version(at time.Time) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := at.UnixMilli()
	if v <= c.last {
		v = c.last + 1
	}
	c.last = v
	return v
}
