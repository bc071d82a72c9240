package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progressEvery is how often long commands report progress on stderr.
var progressEvery = 2 * time.Second

// progress reports "<label>: done/total <what>" (total 0: unknown, "<label>: done <what>") on w every interval while a
// long command runs, and a last line at the end if it reported at all. Short
// runs print nothing.
type progress struct {
	w           io.Writer
	label, what string
	total       int
	done        atomic.Int64
	stop        chan struct{}
	wg          sync.WaitGroup
	mu          sync.Mutex
	printed     bool
}

func startProgress(w io.Writer, label, what string, total int, every time.Duration) *progress {
	p := &progress{w: w, label: label, what: what, total: total, stop: make(chan struct{})}
	if w == nil || every <= 0 {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.print()
			}
		}
	}()
	return p
}

// Add counts n more items done.
func (p *progress) Add(n int) { p.done.Add(int64(n)) }

func (p *progress) print() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total > 0 {
		fmt.Fprintf(p.w, "%s: %d/%d %s\n", p.label, p.done.Load(), p.total, p.what)
	} else {
		fmt.Fprintf(p.w, "%s: %d %s\n", p.label, p.done.Load(), p.what)
	}
	p.printed = true
}

// Stop ends the reports; it prints the final count if it printed anything before.
func (p *progress) Stop() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	printed := p.printed
	p.mu.Unlock()
	if printed && p.done.Load() != 0 {
		p.print()
	}
}

// readCases calls read for every id, eight at a time, reporting progress on
// errOut for long lists. read is called concurrently.
func readCases(ids []string, errOut io.Writer, what, noun string, read func(i int, id string)) {
	prog := startProgress(errOut, what, noun, len(ids), progressEvery)
	defer prog.Stop()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			defer prog.Add(1)
			read(i, id)
		}()
	}
	wg.Wait()
}
