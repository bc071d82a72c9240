package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/aftersale/aftersale/internal/devserver"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/taobao"
	"github.com/aftersale/aftersale/workflows"
)

// Visibility queries the bench waits on.
const (
	queryRunning = "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running'"
	// A case read and evaluated once: the example rules' "wait" for a
	// return the buyer has not sent yet.
	queryWaiting = queryRunning + " AND AfterSaleRule = 'buyer-turn'"
)

// runScenario runs one scenario of n open cases; dir holds its files.
func runScenario(ctx context.Context, o Options, n int, seed uint64, workerBin, dir string) (Result, error) {
	log := o.Log.With("cases", n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := Result{Cases: n, Hour: o.Hour, Grace: o.Grace, SyncInterval: o.SyncInterval, RateLimit: o.RateLimit,
		Change: o.Change, WorkflowCache: o.WorkflowCache}

	// Two identical sandboxes: A for the worker, B for the naive poller,
	// so their calls are counted apart.
	quiet := slog.New(slog.DiscardHandler)
	readsA, readsB := newReadLog(), newReadLog()
	var timesA, timesB callTimes
	sbA := sandbox.New(sandbox.Options{Logger: quiet, OnRead: readsA.hook, BuyerShipAfter: buyerShipAfter})
	sbB := sandbox.New(sandbox.Options{Logger: quiet, OnRead: readsB.hook, BuyerShipAfter: buyerShipAfter})
	urlA, err := serveSandbox(ctx, sbA, &timesA)
	if err != nil {
		return res, err
	}
	urlB, err := serveSandbox(ctx, sbB, &timesB)
	if err != nil {
		return res, err
	}
	now := time.Now()
	rng := rand.New(rand.NewPCG(seed, 1))
	seeds := make([]map[string]any, n)
	for i := range n {
		seeds[i] = seedCase(i, now, rng)
		for _, sb := range []*sandbox.Sandbox{sbA, sbB} {
			if err := sb.PutCase(sandbox.PlatformTaobao, Shop, seeds[i]); err != nil {
				return res, fmt.Errorf("seeding case %d: %w", i, err)
			}
		}
	}
	log.Info("sandboxes seeded", "worker_sandbox", urlA, "naive_sandbox", urlB)

	// A data dir, not memory: on SQLite's in-memory database every commit
	// frees its in-memory journal, which made visibility writes the
	// bottleneck of discovery at 10,000 cases; a file uses WAL.
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(dir, "temporal"), Logger: quiet})
	if err != nil {
		return res, fmt.Errorf("temporal dev server: %w", err)
	}
	defer srv.Stop()
	tc, err := client.Dial(client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(),
		Logger: sdklog.NewStructuredLogger(quiet)})
	if err != nil {
		return res, err
	}
	defer tc.Close()
	log.Info("temporal dev server up", "address", srv.HostPort())

	cfg := workerConfig{
		TemporalAddress: srv.HostPort(), Namespace: srv.Namespace(),
		RulesDir:     filepath.Join(o.Repo, "rules", "examples"),
		Gateway:      urlA + "/router/rest",
		SyncInterval: o.SyncInterval, Overlap: o.Overlap, Lookback: 7 * 24 * time.Hour,
		RateLimit: o.RateLimit, CacheSize: o.WorkflowCache,
		Messages: o.Messages, MessagesInterval: o.MessagesInterval,
	}
	cfgPath := filepath.Join(dir, "worker.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.yaml()), 0o644); err != nil {
		return res, err
	}
	w, err := startWorker(workerBin, cfgPath, filepath.Join(dir, "worker.log"))
	if err != nil {
		return res, fmt.Errorf("starting the worker: %w", err)
	}
	defer w.Stop(20 * time.Second)
	log.Info("worker process started", "pid", w.PID(), "config", cfgPath)

	// 1. Discovery: the first sync lists every case and each workflow reads
	// its case once and decides to wait.
	discStart := time.Now()
	if err := waitDiscovered(ctx, o, n, tc, w, readsA, log); err != nil {
		return res, err
	}
	if err := waitSyncIdle(ctx, tc, workflows.ShopSyncWorkflowID(platforms.Taobao, Shop), 5*time.Minute); err != nil {
		return res, err
	}
	res.Discovery = time.Since(discStart)
	time.Sleep(2 * time.Second)
	before, err := fetchCalls(ctx, urlA)
	if err != nil {
		return res, err
	}
	beforeB, err := fetchCalls(ctx, urlB)
	if err != nil {
		return res, err
	}
	res.DiscoveryCalls = before.Calls[sandbox.PlatformTaobao]
	if res.MemDiscovered, err = readProcMem(w.PID()); err != nil {
		return res, err
	}
	log.Info("all cases discovered", "took", res.Discovery.Round(time.Second), "calls", total(res.DiscoveryCalls),
		"worker_rss_mb", mb(res.MemDiscovered.RSS))

	// 2. The simulated hour, plus grace, with the naive poller alongside.
	sched := Schedule(n, o.ChangeRate, o.Hour, seed)
	res.Changes = len(sched)
	res.ChangesByKind = map[string]int{}
	for i := range sched {
		res.ChangesByKind[changeKind(o.Change, i)]++
	}
	naiveRate := o.NaiveMaxRate
	if naiveRate <= 0 {
		naiveRate = NaiveAutoRate(n)
	}
	res.NaiveRate = naiveRate
	sampled := sample(n, max(1, int(naiveRate*o.SyncInterval.Seconds())), seed)
	res.NaiveSample = len(sampled)
	ids := make([]string, len(sampled))
	inSample := map[string]bool{}
	for i, c := range sampled {
		ids[i] = caseID(c)
		inSample[ids[i]] = true
	}
	naive := &naivePoller{
		client: taobao.New(taobao.Config{
			Gateway: urlB + "/router/rest", AppKey: sandbox.DefaultTOPAppKey, AppSecret: sandbox.DefaultTOPAppSecret,
			Session: sandbox.TOPSessionFor(Shop), SignMethod: taobao.SignHMACSHA256, Shop: Shop,
			Timeout: 10 * time.Second, Logger: quiet,
		}),
		ids: ids, interval: o.SyncInterval, workers: 8,
	}
	start := time.Now()
	end := start.Add(o.Hour + o.Grace)
	log.Info("simulated hour started", "changes", len(sched), "hour", o.Hour, "grace", o.Grace,
		"naive_polls", len(ids), "naive_rate_per_s", float64(len(ids))/o.SyncInterval.Seconds())
	var naiveStats naiveStats
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		naiveStats = naive.run(ctx, end)
	}()
	appliedA, appliedB, lateness, err := applyChanges(ctx, o, start, sched, seeds, sbA, sbB, w, log)
	res.ChangesLate = lateness
	if err != nil {
		cancel()
		wg.Wait()
		return res, err
	}
	for time.Now().Before(end) {
		if err := w.Exited(); err != nil {
			cancel()
			wg.Wait()
			return res, err
		}
		sleepCtx(ctx, min(time.Until(end), time.Second))
	}
	wg.Wait()
	after, err := fetchCalls(ctx, urlA)
	if err != nil {
		return res, err
	}
	afterB, err := fetchCalls(ctx, urlB)
	if err != nil {
		return res, err
	}
	if res.Mem, err = readProcMem(w.PID()); err != nil {
		return res, err
	}
	if res.Workflows, err = countWorkflows(ctx, tc, queryRunning); err != nil {
		return res, err
	}

	// 3. What each side did.
	p := sandbox.PlatformTaobao
	callsA := timesA.between(start, end)
	res.Ours = Side{
		Calls:       callsDiff(before, after, p),
		Violations:  after.Violations[p],
		RateLimited: after.RateLimited[p],
		Peak:        PeakPerSecond(callsA),
		OverBudget:  OverBudget(callsA, o.RateLimit),
		Latency:     latencyByKind(appliedA, nil, readsA, o.SyncInterval),
	}
	callsB := timesB.between(start, end)
	measured := callsDiff(beforeB, afterB, p)
	res.Naive = Side{
		Calls:       scale(measured, n, len(ids)),
		Measured:    measured,
		Violations:  afterB.Violations[p],
		RateLimited: afterB.RateLimited[p],
		Peak:        PeakPerSecond(callsB),
		OverBudget:  OverBudget(callsB, o.RateLimit),
		Latency:     latencyByKind(appliedB, func(id string) bool { return inSample[id] }, readsB, o.SyncInterval),
		Errors:      naiveStats.Errors,
		MaxLag:      naiveStats.MaxLag,
		Planned:     naiveStats.Planned,
	}
	log.Info("scenario done", "ours_calls", total(res.Ours.Calls), "naive_calls", total(res.Naive.Calls),
		"ours_p95", res.Ours.Latency[""].P95, "worker_hwm_mb", mb(res.Mem.HWM), "workflows", res.Workflows)
	return res, nil
}

// waitDiscovered waits until every case was read by the worker and every
// case workflow decided to wait.
func waitDiscovered(ctx context.Context, o Options, n int, tc client.Client, w *WorkerProcess, reads *readLog, log *slog.Logger) error {
	deadline := time.Now().Add(o.DiscoveryTimeout)
	lastLog := time.Now()
	for {
		if err := w.Exited(); err != nil {
			return err
		}
		read := reads.distinct()
		var waiting int64
		if read >= n {
			var err error
			if waiting, err = countWorkflows(ctx, tc, queryWaiting); err == nil && waiting >= int64(n) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("discovery: after %s the worker had read %d of %d cases (%d workflows waiting); worker log:\n%s",
				o.DiscoveryTimeout, read, n, waiting, w.LogTail(30))
		}
		if time.Since(lastLog) >= 10*time.Second {
			log.Info("discovering", "cases_read", read, "of", n)
			lastLog = time.Now()
		}
		if err := sleepCtx(ctx, time.Second); err != nil {
			return err
		}
	}
}

// waitSyncIdle waits until the shop's sync schedule has run at least once
// and no run is in progress.
func waitSyncIdle(ctx context.Context, tc client.Client, scheduleID string, within time.Duration) error {
	h := tc.ScheduleClient().GetHandle(ctx, scheduleID)
	deadline := time.Now().Add(within)
	for {
		d, err := h.Describe(ctx)
		if err == nil && len(d.Info.RecentActions) > 0 && len(d.Info.RunningWorkflows) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sync schedule %s still busy after %s (err %v)", scheduleID, within, err)
		}
		if err := sleepCtx(ctx, 300*time.Millisecond); err != nil {
			return err
		}
	}
}

// applyChanges makes the scheduled changes on both sandboxes at their
// times, and returns when each reached each sandbox and how late the
// latest one was made.
func applyChanges(ctx context.Context, o Options, start time.Time, sched []Change, seeds []map[string]any,
	sbA, sbB *sandbox.Sandbox, w *WorkerProcess, log *slog.Logger) (a, b []applied, late time.Duration, err error) {
	var version int64
	for i, ch := range sched {
		due := start.Add(ch.At)
		if err := sleepCtx(ctx, time.Until(due)); err != nil {
			return a, b, late, err
		}
		if i%50 == 0 {
			if err := w.Exited(); err != nil {
				return a, b, late, err
			}
		}
		kind := changeKind(o.Change, i)
		at := time.Now()
		late = max(late, at.Sub(due))
		version = max(version+1, at.UnixMilli())
		native := changed(seeds[ch.Case], kind, at, version)
		id := caseID(ch.Case)
		for _, side := range []struct {
			sb  *sandbox.Sandbox
			out *[]applied
		}{{sbA, &a}, {sbB, &b}} {
			before := time.Now()
			if err := applyChange(side.sb, kind, native); err != nil {
				return a, b, late, fmt.Errorf("changing case %s: %w", id, err)
			}
			*side.out = append(*side.out, applied{caseID: id, kind: kind, before: before, done: time.Now()})
		}
		if (i+1)%max(1, len(sched)/4) == 0 {
			log.Info("changes made", "done", i+1, "of", len(sched))
		}
	}
	return a, b, late, nil
}

// latencyByKind is the change-to-read latency of every kind of change,
// and of all of them under "".
func latencyByKind(changes []applied, keep func(string) bool, reads *readLog, interval time.Duration) map[string]LatencyStats {
	out := map[string]LatencyStats{}
	for _, kind := range []string{"", ChangeShip, ChangeEdit} {
		lat, unseen := latencies(ofKind(changes, kind, keep), reads)
		if kind == "" || len(lat)+unseen > 0 {
			out[kind] = latencyStats(lat, unseen, interval)
		}
	}
	return out
}

func countWorkflows(ctx context.Context, tc client.Client, query string) (int64, error) {
	resp, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	if err != nil {
		return 0, err
	}
	return resp.GetCount(), nil
}

// scale multiplies measured counts by n/sampled (rounded).
func scale(calls map[string]int, n, sampled int) map[string]int {
	out := make(map[string]int, len(calls))
	for ep, v := range calls {
		if sampled > 0 && sampled < n {
			v = int((int64(v)*int64(n) + int64(sampled)/2) / int64(sampled))
		}
		out[ep] = v
	}
	return out
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func mb(b int64) int64 { return b >> 20 }
