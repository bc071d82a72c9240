package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftersale/aftersale/platforms/taobao"
)

// naivePoller is the baseline: with the same freshness target as the sync
// (every sync interval) it reads every open case with taobao.refund.get
// through the real TOP client, one case after another at an even pace of
// len(ids)/interval calls per second.
type naivePoller struct {
	client   *taobao.Client
	ids      []string
	interval time.Duration
	workers  int // concurrent calls, so a slow answer does not stall the pace
}

type naiveStats struct {
	// Planned is how many calls the pace asked for within the window.
	Planned int64
	Calls   int64
	Errors  int64
	// MaxLag is how far the poller fell behind its pace at worst.
	MaxLag time.Duration
}

// run polls from now until until, then waits for calls in flight. A
// poller behind its pace stops at until all the same: Calls < Planned.
func (p *naivePoller) run(ctx context.Context, until time.Time) naiveStats {
	var st naiveStats
	if len(p.ids) == 0 {
		return st
	}
	var calls, errs atomic.Int64
	jobs := make(chan string, p.workers)
	var wg sync.WaitGroup
	for range max(p.workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				// A cancelled bench must not leave calls hanging.
				cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := p.client.Get(cctx, id)
				cancel()
				calls.Add(1)
				if err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	step := p.interval / time.Duration(len(p.ids))
	timer := time.NewTimer(0)
	<-timer.C
dispatch:
	for k := 0; ; k++ {
		at := start.Add(time.Duration(k) * step)
		if !at.Before(until) || !time.Now().Before(until) {
			break
		}
		st.Planned++
		if wait := time.Until(at); wait > time.Millisecond {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				break dispatch
			case <-timer.C:
			}
		}
		select {
		case <-ctx.Done():
			break dispatch
		case jobs <- p.ids[k%len(p.ids)]:
		}
		st.MaxLag = max(st.MaxLag, time.Since(at))
	}
	close(jobs)
	wg.Wait()
	st.Planned = max(st.Planned, int64(until.Sub(start)/step))
	st.Calls, st.Errors = calls.Load(), errs.Load()
	return st
}
