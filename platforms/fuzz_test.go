package platforms

import (
	"testing"
	"time"
)

// FuzzDeduper runs a fuzzed sequence of Seen, Forget and clock steps on a
// Deduper and compares it with a model. It never claims to have seen an id
// it did not record within the ttl (or that was forgotten), keeps at most
// max ids (a push flood cannot grow it), and, while it is never full,
// remembers exactly what the model does.
//
// Each op byte: the top two bits pick Seen (0, 3), Forget (1) or advance
// the clock (2); the low six bits are the id (mod 16) or the seconds.
func FuzzDeduper(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x01, 0x80 | 61, 0x00, 0x41, 0x01}, uint8(2), uint8(60))
	f.Add([]byte{0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x02, 0x03}, uint8(2), uint8(10))
	f.Add([]byte{0x00, 0x00, 0x40, 0x00, 0xbf, 0xbf, 0x00}, uint8(100), uint8(60))
	f.Add([]byte{0x05, 0x05}, uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, ops []byte, maxIDs, ttlSecs uint8) {
		ttl := time.Duration(ttlSecs) * time.Second
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		d := NewDeduper(ttl, int(maxIDs))
		d.now = func() time.Time { return now }
		model := map[string]time.Time{}
		exact := int(maxIDs) > 16 // never full: nothing is forgotten arbitrarily
		for i, op := range ops {
			id := string(rune('a' + op&0x0f))
			switch op >> 6 {
			case 1:
				d.Forget(id)
				delete(model, id)
			case 2:
				now = now.Add(time.Duration(op&0x3f) * time.Second)
			default:
				at, ok := model[id]
				live := ok && now.Sub(at) < ttl
				got := d.Seen(id)
				if got && !live {
					t.Fatalf("op %d: Seen(%q) = true, but it was not recorded within %v", i, id, ttl)
				}
				if exact && got != live {
					t.Fatalf("op %d: Seen(%q) = %v, want %v", i, id, got, live)
				}
				if !got {
					model[id] = now
				}
			}
			if limit := max(int(maxIDs), 1); len(d.seen) > limit {
				t.Fatalf("op %d: %d ids kept, max %d", i, len(d.seen), limit)
			}
		}
	})
}
