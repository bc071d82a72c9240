package platforms

import (
	"testing"
	"time"
)

func TestDeduper(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	d := NewDeduper(time.Hour, 2)
	d.now = func() time.Time { return now }
	steps := []struct {
		id      string
		advance time.Duration
		forget  bool
		want    bool
	}{
		{id: "a", want: false},
		{id: "a", want: true},
		{id: "b", want: false},
		{id: "a", advance: 2 * time.Hour, want: false}, // expired
		{id: "c", want: false},                         // full: an old one goes
		{id: "c", forget: true, want: false},           // forgotten: processed again
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if s.forget {
			d.Forget(s.id)
		}
		if got := d.Seen(s.id); got != s.want {
			t.Fatalf("step %d: Seen(%q) = %v, want %v", i, s.id, got, s.want)
		}
		if len(d.seen) > 2 {
			t.Fatalf("step %d: %d ids kept, max 2", i, len(d.seen))
		}
	}
}
