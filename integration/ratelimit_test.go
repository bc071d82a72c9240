package integration

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/platforms"
)

// countingClient records when each read reached the platform.
type countingClient struct {
	platforms.Client
	mu    sync.Mutex
	reads []time.Time
}

func (c *countingClient) Get(ctx context.Context, id string) (platforms.Case, error) {
	c.mu.Lock()
	c.reads = append(c.reads, time.Now())
	c.mu.Unlock()
	return c.Client.Get(ctx, id)
}

func TestTwoWorkersSharingAPlatformQueueStayUnderItsRate(t *testing.T) {
	shop := "ratelimit-two-workers"
	counting := &countingClient{Client: topClient(shop, "sandbox-secret")}
	env.registry.Add(counting)
	// Two workers, as two processes would, polling the same shop queue with
	// a budget of 6 calls/s = 2 activities/s.
	const callsPerSecond, activitiesPerSecond = 6, 2
	var workers []worker.Worker
	for range 2 {
		w := app.NewPlatformWorker(env.client, platforms.Taobao, shop, callsPerSecond, env.acts)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, w)
	}
	defer func() {
		for _, w := range workers {
			w.Stop()
		}
	}()

	const n = 16
	var ids []string
	for i := range n {
		id := fmt.Sprintf("20261123000000009%02d", i)
		r := newRefund(id, "8999.00", time.Now().Add(72*time.Hour)) // escalates: reads only
		r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
		putCase(t, shop, r)
		ids = append(ids, startCase(t, shop, id))
	}
	eventually(t, 60*time.Second, "every case to be read and escalated", func() bool {
		for _, id := range ids {
			if query(t, id).Escalation == nil {
				return false
			}
		}
		return true
	})

	counting.mu.Lock()
	reads := append([]time.Time(nil), counting.reads...)
	counting.mu.Unlock()
	sort.Slice(reads, func(i, j int) bool { return reads[i].Before(reads[j]) })
	if len(reads) < n {
		t.Fatalf("%d reads, want at least %d", len(reads), n)
	}
	// The platform's budget is in calls: no second may see more than it.
	// (Activities are metered at calls/CallsPerActivity, so a one-call
	// activity like this read uses a third of it.)
	span := reads[n-1].Sub(reads[0])
	for i := range reads {
		j := i
		for j < len(reads) && reads[j].Sub(reads[i]) < time.Second {
			j++
		}
		if j-i > callsPerSecond {
			t.Errorf("%d calls within one second from +%s; the shop's budget is %d/s",
				j-i, reads[i].Sub(reads[0]).Round(10*time.Millisecond), callsPerSecond)
		}
	}
	// And the limiter was at work: unmetered, these reads take well under a second.
	if min := time.Duration(n-2*activitiesPerSecond) * time.Second / activitiesPerSecond; span < min {
		t.Errorf("%d reads took %s; at %d/s they need at least %s", n, span, activitiesPerSecond, min)
	}
}
