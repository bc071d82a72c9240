package bench

// `starter bench throughput`: end-to-end case throughput against a trivial
// workflow measured in the same process and run, and memory per open case.
//
// Everything runs in this process: the embedded Temporal server (SQLite in
// a file, see runScenario for why not in memory), the sandbox over HTTP,
// and a worker wired as production wires it (app.Register, a platform
// worker for one TOP shop, the example rules, the real TOP client,
// encrypted payloads). Trivial and case batches alternate, so both sides
// see the same machine load.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	enums "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/internal/devserver"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/taobao"
	"github.com/aftersale/aftersale/rules"
	"github.com/aftersale/aftersale/workflows"
)

// Kinds of batch.
const (
	KindTrivial = "trivial"
	KindCase    = "case"
)

// Names the trivial workflow and its activity are registered under, on the
// bench's worker only.
const (
	TrivialWorkflowName = "BenchTrivialWorkflow"
	TrivialActivityName = "BenchNoopActivity"
)

// TrivialWorkflow is the baseline: one no-op activity on the case
// workflows' task queue, then done.
func TrivialWorkflow(ctx workflow.Context, n int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out int
	err := workflow.ExecuteActivity(ctx, TrivialActivityName, n).Get(ctx, &out)
	return out, err
}

// TrivialActivity does nothing.
func TrivialActivity(_ context.Context, n int) (int, error) { return n, nil }

// ThroughputOptions configure `bench throughput`.
type ThroughputOptions struct {
	// Cases is the size of every measured batch, trivial and case alike.
	Cases int
	// Rounds is how many trivial+case pairs are measured.
	Rounds int
	// Open is how many escalated cases are left open for the memory
	// measurement; 0 skips it.
	Open int
	// Warmup is the size of the unmeasured first batch of each kind.
	Warmup int
	// Encrypt encrypts every payload (codec.ClientOptions), as production runs.
	Encrypt bool
	// RateLimit is the shop's TOP budget in calls/s: high, so the platform
	// budget is not what is measured.
	RateLimit float64
	// Concurrency is how many starts (and how many result waits) are in
	// flight at once.
	Concurrency int
	// BatchTimeout bounds one batch; OpenTimeout the wait for every open
	// case to be escalated.
	BatchTimeout, OpenTimeout time.Duration
	// Repo is the module root ("" finds it from the working directory).
	Repo string
	// Log receives progress; nil discards it.
	Log *slog.Logger
}

// DefaultThroughputOptions are the flags' defaults.
func DefaultThroughputOptions() ThroughputOptions {
	return ThroughputOptions{
		Cases: 500, Rounds: 3, Open: 2000, Warmup: 50, Encrypt: true,
		RateLimit: 100_000, Concurrency: 32,
		BatchTimeout: 10 * time.Minute, OpenTimeout: 20 * time.Minute,
	}
}

func (o *ThroughputOptions) fill() error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.BatchTimeout <= 0 {
		o.BatchTimeout = 10 * time.Minute
	}
	if o.OpenTimeout <= 0 {
		o.OpenTimeout = 20 * time.Minute
	}
	var errs []error
	if o.Cases <= 0 {
		errs = append(errs, fmt.Errorf("cases must be positive, got %d", o.Cases))
	}
	if o.Rounds <= 0 {
		errs = append(errs, fmt.Errorf("rounds must be positive, got %d", o.Rounds))
	}
	if o.Open < 0 || o.Warmup < 0 {
		errs = append(errs, errors.New("open and warmup must not be negative"))
	}
	if o.RateLimit <= 0 {
		errs = append(errs, errors.New("rate limit must be positive"))
	}
	if o.Cases > 999_999 || o.Open > 999_999 {
		errs = append(errs, errors.New("at most 999,999 cases per batch"))
	}
	return errors.Join(errs...)
}

// Batch is one batch of workflows started together and waited for.
type Batch struct {
	Kind  string
	Round int // 0: warm-up
	N     int
	// Wall is from the first start until the last result arrived.
	Wall time.Duration
	// CPU is the process's CPU time (user + system) over Wall: server,
	// worker, sandbox and bench together.
	CPU time.Duration
}

// Rate is workflows per second.
func (b Batch) Rate() float64 {
	if b.Wall <= 0 {
		return 0
	}
	return float64(b.N) / b.Wall.Seconds()
}

// CPUPer is process CPU time per workflow.
func (b Batch) CPUPer() time.Duration {
	if b.N == 0 {
		return 0
	}
	return b.CPU / time.Duration(b.N)
}

// HistoryStats average what the histories of a sample of workflows hold.
type HistoryStats struct {
	Sampled int
	// Events, WorkflowTasks (completed), Activities (scheduled) and
	// Signals per workflow.
	Events, WorkflowTasks, Activities, Signals, Upserts float64
	// ByActivity is activities scheduled per workflow by activity type.
	ByActivity map[string]float64
}

// summarizeHistories averages a sample of histories.
func summarizeHistories(hs [][]*historypb.HistoryEvent) HistoryStats {
	s := HistoryStats{Sampled: len(hs), ByActivity: map[string]float64{}}
	if len(hs) == 0 {
		return s
	}
	var events, tasks, acts, signals, upserts int
	byActivity := map[string]int{}
	for _, h := range hs {
		events += len(h)
		for _, e := range h {
			switch e.GetEventType() {
			case enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				tasks++
			case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				acts++
				byActivity[e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()]++
			case enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				signals++
			case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
				upserts++
			}
		}
	}
	n := float64(len(hs))
	s.Events, s.WorkflowTasks, s.Activities = float64(events)/n, float64(tasks)/n, float64(acts)/n
	s.Signals, s.Upserts = float64(signals)/n, float64(upserts)/n
	for k, v := range byActivity {
		s.ByActivity[k] = float64(v) / n
	}
	return s
}

// MemSnap is the Go runtime's memory after two GCs.
type MemSnap struct {
	HeapInuse, HeapAlloc, StackInuse uint64
	Goroutines                       int
}

// MemoryResult is the open-case measurement.
type MemoryResult struct {
	Open      int
	Escalated int64
	// Escalation is how long it took from the first start until every
	// open case was escalated.
	Escalation time.Duration
	// Before: the sandbox holds the open cases, no case workflow runs.
	// Waiting: every case escalated and waiting, the worker's sticky cache
	// holding them. Emptied: the workers stopped (which drops the sticky
	// cache) and fresh, identical ones started: the same process without
	// the cached workflows.
	Before, Waiting, Emptied MemSnap
	// CacheSeparated says Emptied was measured and gave a plausible
	// split (0 < cache share <= total); otherwise only the total is
	// reported.
	CacheSeparated bool
	History        HistoryStats
}

func perCase(a, b uint64, n int) float64 {
	if n <= 0 {
		return 0
	}
	return (float64(a) - float64(b)) / float64(n)
}

// HeapPerCase is process heap in use per open case, server + worker.
func (m MemoryResult) HeapPerCase() float64 {
	return perCase(m.Waiting.HeapInuse, m.Before.HeapInuse, m.Open)
}

// LivePerCase is live heap (HeapAlloc after GC) per open case.
func (m MemoryResult) LivePerCase() float64 {
	return perCase(m.Waiting.HeapAlloc, m.Before.HeapAlloc, m.Open)
}

// StackPerCase is goroutine stack memory per open case.
func (m MemoryResult) StackPerCase() float64 {
	return perCase(m.Waiting.StackInuse, m.Before.StackInuse, m.Open)
}

// CacheHeapPerCase is the worker's sticky cache's heap per open case.
func (m MemoryResult) CacheHeapPerCase() float64 {
	return perCase(m.Waiting.HeapInuse, m.Emptied.HeapInuse, m.Open)
}

// StacksAreCache says the goroutines the open cases added all went with
// the sticky cache (at least 95% of them), so their stacks are the
// cache's.
func (m MemoryResult) StacksAreCache() bool {
	rise := m.Waiting.Goroutines - m.Before.Goroutines
	drop := m.Waiting.Goroutines - m.Emptied.Goroutines
	return m.CacheSeparated && rise > 0 && float64(drop) >= 0.95*float64(rise)
}

// GoroutinesPerCase is how many goroutines each open case adds.
func (m MemoryResult) GoroutinesPerCase() float64 {
	if m.Open <= 0 {
		return 0
	}
	return float64(m.Waiting.Goroutines-m.Before.Goroutines) / float64(m.Open)
}

// ThroughputReport is a whole run.
type ThroughputReport struct {
	Options ThroughputOptions
	Batches []Batch
	// Histories of a sample of the last measured batch of each kind.
	Trivial, Case HistoryStats
	// CaseCalls are TOP calls by endpoint over the measured case batches,
	// CaseCount their cases.
	CaseCalls map[string]int
	CaseCount int
	// Agreed is how many cases were checked to have exactly one agree at
	// the sandbox.
	Agreed int
	Memory *MemoryResult
	// Machine and load.
	CPUs, MaxProcs        int
	LoadBefore, LoadAfter string
}

// Rates are the measured (not warm-up) rates of one kind, in round order.
func (r *ThroughputReport) Rates(kind string) []float64 {
	var out []float64
	for _, b := range r.Batches {
		if b.Kind == kind && b.Round > 0 {
			out = append(out, b.Rate())
		}
	}
	return out
}

// Ratio is the case median over the trivial median.
func (r *ThroughputReport) Ratio() float64 {
	return Ratio(Median(r.Rates(KindCase)), Median(r.Rates(KindTrivial)))
}

// CPUPer is the median process CPU per workflow of the measured batches
// of kind.
func (r *ThroughputReport) CPUPer(kind string) time.Duration {
	var d []float64
	for _, x := range r.Batches {
		if x.Kind == kind && x.Round > 0 {
			d = append(d, float64(x.CPUPer()))
		}
	}
	return time.Duration(Median(d))
}

// Median is the median of xs (the mean of the middle two for an even
// count); 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Ratio is a/b, 0 when b is not positive.
func Ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// RunThroughput runs the benchmark and writes the markdown report to out.
func RunThroughput(ctx context.Context, o ThroughputOptions, out io.Writer) (*ThroughputReport, error) {
	if err := o.fill(); err != nil {
		return nil, err
	}
	if o.Repo == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if o.Repo, err = FindRepo(wd); err != nil {
			return nil, err
		}
	}
	rep := &ThroughputReport{Options: o, CPUs: runtime.NumCPU(), MaxProcs: runtime.GOMAXPROCS(0), LoadBefore: loadAvg(),
		CaseCalls: map[string]int{}}
	err := runThroughput(ctx, o, rep)
	rep.LoadAfter = loadAvg()
	if err != nil {
		if len(rep.Batches) > 0 {
			io.WriteString(out, rep.Markdown())
		}
		return rep, err
	}
	_, err = io.WriteString(out, rep.Markdown())
	return rep, err
}

// tpEnv is what a run holds.
type tpEnv struct {
	o       ThroughputOptions
	log     *slog.Logger
	tc      client.Client
	sb      *sandbox.Sandbox
	sbURL   string
	acts    *activities.Activities
	workers []worker.Worker
}

func runThroughput(ctx context.Context, o ThroughputOptions, rep *ThroughputReport) error {
	log := o.Log
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tmp, err := os.MkdirTemp("", "aftersale-throughput-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	quiet := slog.New(slog.DiscardHandler)
	// Problems of the worker's activities still show, among the progress.
	warn := o.Log.With("from", "activities")

	e := &tpEnv{o: o, log: log}
	e.sb = sandbox.New(sandbox.Options{Logger: quiet})
	addr, err := e.sb.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	e.sbURL = "http://" + addr

	// A data dir, not memory: see runScenario.
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(tmp, "temporal"), Logger: quiet})
	if err != nil {
		return fmt.Errorf("temporal dev server: %w", err)
	}
	defer srv.Stop()
	var ring *codec.Keyring
	if o.Encrypt {
		key := make([]byte, codec.KeySize)
		rand.Read(key)
		if ring, err = codec.ParseKeyring("bench:"+base64.StdEncoding.EncodeToString(key), ""); err != nil {
			return err
		}
	}
	dc, fc := codec.ClientOptions(ring)
	e.tc, err = client.Dial(client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(),
		Logger: sdklog.NewStructuredLogger(quiet), DataConverter: dc, FailureConverter: fc})
	if err != nil {
		return err
	}
	defer e.tc.Close()
	engine, err := rules.NewEngine(filepath.Join(o.Repo, "rules", "examples"), rules.WithLogger(quiet))
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	reg := platforms.NewRegistry()
	reg.Add(taobao.New(taobao.Config{
		Gateway: e.sbURL + "/router/rest", AppKey: sandbox.DefaultTOPAppKey, AppSecret: sandbox.DefaultTOPAppSecret,
		Session: sandbox.TOPSessionFor(Shop), SignMethod: taobao.SignHMACSHA256, Shop: Shop,
		Timeout: 10 * time.Second, Logger: warnOnly(warn),
	}))
	e.acts = &activities.Activities{
		Clients: reg, Rules: engine, Temporal: e.tc,
		PollInterval: 2 * time.Hour, // the config default
		Logger:       warnOnly(warn),
	}
	if err := e.startWorkers(); err != nil {
		return err
	}
	defer func() { e.stopWorkers() }()
	log.Info("in-process temporal, sandbox and worker up", "temporal", srv.HostPort(), "sandbox", e.sbURL,
		"encrypted", o.Encrypt, "cpus", rep.CPUs, "load", rep.LoadBefore)

	// Throughput: warm-up, then alternating rounds.
	var lastTrivial, lastCase []string
	seq := 0
	for round := 0; round <= o.Rounds; round++ {
		n := o.Cases
		if round == 0 {
			if n = min(o.Warmup, o.Cases); n == 0 {
				continue
			}
		}
		for _, kind := range []string{KindTrivial, KindCase} {
			seq++
			b, ids, calls, err := e.batch(ctx, kind, round, seq, n)
			if err != nil {
				return fmt.Errorf("%s batch of round %d: %w", kind, round, err)
			}
			rep.Batches = append(rep.Batches, b)
			if kind == KindCase {
				rep.Agreed += n
				if round > 0 {
					rep.CaseCount += n
					for ep, v := range calls {
						rep.CaseCalls[ep] += v
					}
				}
			}
			if kind == KindTrivial {
				lastTrivial = ids
			} else {
				lastCase = ids
			}
			log.Info("batch done", "kind", kind, "round", round, "n", n, "wall", b.Wall.Round(time.Millisecond),
				"per_s", num(b.Rate()), "cpu_per_workflow", b.CPUPer().Round(10*time.Microsecond))
			// Let the server finish what follows a completion (visibility,
			// timers) before the next batch is timed.
			if err := sleepCtx(ctx, 2*time.Second); err != nil {
				return err
			}
		}
	}
	if rep.Trivial, err = e.histories(ctx, lastTrivial, 20); err != nil {
		return err
	}
	if rep.Case, err = e.histories(ctx, lastCase, 20); err != nil {
		return err
	}
	log.Info("throughput measured", "trivial_median_per_s", num(Median(rep.Rates(KindTrivial))),
		"case_median_per_s", num(Median(rep.Rates(KindCase))), "ratio", num(rep.Ratio()))

	if o.Open > 0 {
		m, err := e.openCases(ctx, seq+1)
		rep.Memory = m
		if err != nil {
			return fmt.Errorf("open cases: %w", err)
		}
	}
	return nil
}

// warnOnly passes warnings and errors on.
func warnOnly(l *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(as), f.min}
}

func (f levelFilter) WithGroup(g string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(g), f.min}
}

// startWorkers starts the workflow worker (every production workflow and
// activity, plus the trivial workflow) and the shop's platform worker.
func (e *tpEnv) startWorkers() error {
	w := worker.New(e.tc, workflows.TaskQueue, worker.Options{})
	app.Register(w, e.acts)
	w.RegisterWorkflowWithOptions(TrivialWorkflow, workflow.RegisterOptions{Name: TrivialWorkflowName})
	w.RegisterActivityWithOptions(TrivialActivity, activity.RegisterOptions{Name: TrivialActivityName})
	e.workers = []worker.Worker{w, app.NewPlatformWorker(e.tc, platforms.Taobao, Shop, e.o.RateLimit, e.acts)}
	for _, w := range e.workers {
		if err := w.Start(); err != nil {
			e.stopWorkers()
			return err
		}
	}
	return nil
}

// stopWorkers stops the bench's workers.
func (e *tpEnv) stopWorkers() {
	for _, w := range e.workers {
		w.Stop()
	}
	e.workers = nil
}

// tpCaseID is the TOP refund_id of case i of batch seq: 19 digits.
func tpCaseID(seq, i int) string { return fmt.Sprintf("2028%08d%07d", seq, i) }

// unshippedRefund is a native TOP refund awaiting the seller, goods not
// shipped, as taobao.refund.get returns it.
func unshippedRefund(id, fee string, deadline time.Time) map[string]any {
	return map[string]any{
		"refund_id": json.Number(id), "tid": json.Number("3" + id[1:]), "oid": json.Number("4" + id[1:]),
		"status": "WAIT_SELLER_AGREE", "good_status": "BUYER_NOT_RECEIVED", "has_good_return": false,
		"order_status": "WAIT_SELLER_SEND_GOODS", "refund_fee": fee, "total_fee": fee, "payment": fee,
		"reason": "拍错了/不想要", "title": "基准测试商品", "num": 1, "refund_phase": "onsale",
		"cs_status": 1, "dispute_type": "REFUND", "buyer_nick": "b**1",
		"refund_remind_timeout": map[string]any{"exist_timeout": true, "remind_type": 1, "timeout": topTime(deadline)},
	}
}

// startCase starts (or signals) a case workflow as every source does.
func startCase(ctx context.Context, tc client.Client, caseID string) error {
	_, err := activities.SignalCase(ctx, tc, platforms.Hint{Platform: platforms.Taobao, Shop: Shop, CaseID: caseID})
	return err
}

// batch runs one batch of n workflows of kind and returns it, the
// workflow ids and (cases) the TOP calls it made.
func (e *tpEnv) batch(ctx context.Context, kind string, round, seq, n int) (Batch, []string, map[string]int, error) {
	b := Batch{Kind: kind, Round: round, N: n}
	ctx, cancel := context.WithTimeout(ctx, e.o.BatchTimeout)
	defer cancel()
	ids := make([]string, n)
	caseIDs := make([]string, n)
	for i := range n {
		if kind == KindTrivial {
			ids[i] = fmt.Sprintf("bench-trivial/%d/%d", seq, i)
			continue
		}
		caseIDs[i] = tpCaseID(seq, i)
		ids[i] = workflows.CaseWorkflowID(platforms.Taobao, Shop, caseIDs[i])
		if err := e.sb.PutCase(sandbox.PlatformTaobao, Shop, unshippedRefund(caseIDs[i], "99.00", time.Now().Add(48*time.Hour))); err != nil {
			return b, nil, nil, err
		}
	}
	start := func(ctx context.Context, i int) error {
		if kind == KindTrivial {
			_, err := e.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: workflows.TaskQueue}, TrivialWorkflowName, i)
			return err
		}
		return startCase(ctx, e.tc, caseIDs[i])
	}
	views := make([]workflows.CaseView, n)
	wait := func(ctx context.Context, i int) error {
		run := e.tc.GetWorkflow(ctx, ids[i], "")
		if kind == KindTrivial {
			var got int
			if err := run.Get(ctx, &got); err != nil {
				return err
			}
			if got != i {
				return fmt.Errorf("%s returned %d", ids[i], got)
			}
			return nil
		}
		return run.Get(ctx, &views[i])
	}
	cpu0 := processCPU()
	t0 := time.Now()
	if err := startAndWait(ctx, n, e.o.Concurrency, start, wait); err != nil {
		return b, nil, nil, err
	}
	b.Wall = time.Since(t0)
	b.CPU = processCPU() - cpu0
	if kind == KindTrivial {
		return b, ids, nil, nil
	}

	// Every case agreed exactly once, by the rules, and finished.
	for i, v := range views {
		if v.Case.Status != platforms.StatusSucceeded {
			return b, nil, nil, fmt.Errorf("%s finished %s, want %s", ids[i], v.Case.Status, platforms.StatusSucceeded)
		}
		if err := oneAgreeDecision(v.Decisions); err != nil {
			return b, nil, nil, fmt.Errorf("%s: %w", ids[i], err)
		}
	}
	acts, err := fetchActions(ctx, e.sbURL)
	if err != nil {
		return b, nil, nil, err
	}
	if err := checkOneAgree(acts, Shop, caseIDs); err != nil {
		return b, nil, nil, err
	}
	calls := e.sb.Calls().Calls[sandbox.PlatformTaobao]
	// touch() walks every stored case on every call: start each batch
	// from an empty store, so later batches are not slower for it.
	e.sb.Reset()
	return b, ids, calls, nil
}

// startAndWait starts n workflows, `conc` at a time, and waits for each
// result as soon as it is started, `conc` waits at a time.
func startAndWait(ctx context.Context, n, conc int, start, wait func(context.Context, int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	started := make(chan int, n)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var starters, waiters sync.WaitGroup
	for range conc {
		starters.Add(1)
		go func() {
			defer starters.Done()
			for i := range next {
				if err := start(ctx, i); err != nil {
					cancel(fmt.Errorf("starting %d: %w", i, err))
					return
				}
				started <- i
			}
		}()
		waiters.Add(1)
		go func() {
			defer waiters.Done()
			for i := range started {
				if ctx.Err() != nil {
					continue
				}
				if err := wait(ctx, i); err != nil {
					cancel(fmt.Errorf("waiting for %d: %w", i, err))
				}
			}
		}()
	}
	starters.Wait()
	close(started)
	waiters.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// oneAgreeDecision checks a finished case's decisions: exactly one, an
// agree carried out.
func oneAgreeDecision(ds []workflows.Decision) error {
	if len(ds) != 1 || ds[0].Action != platforms.ActionAgree || ds[0].Outcome != workflows.OutcomeDone {
		return fmt.Errorf("decisions %+v, want exactly one agree done", ds)
	}
	return nil
}

// agreeMethod is TOP's agree call as the sandbox records it.
const agreeMethod = "taobao.rp.refunds.agree"

// checkOneAgree checks that each of caseIDs got exactly one successful
// agree at the sandbox and no other action.
func checkOneAgree(acts []sandbox.Action, shop string, caseIDs []string) error {
	agrees := map[string]int{}
	var errs []error
	for _, a := range acts {
		if a.Shop != shop {
			continue
		}
		if a.Action != agreeMethod || !a.OK {
			errs = append(errs, fmt.Errorf("case %s: unexpected action %s (ok %t, %s)", a.CaseID, a.Action, a.OK, a.Error))
			continue
		}
		agrees[a.CaseID]++
	}
	for _, id := range caseIDs {
		if agrees[id] != 1 {
			errs = append(errs, fmt.Errorf("case %s: %d agrees, want exactly 1", id, agrees[id]))
		}
		delete(agrees, id)
	}
	for id, k := range agrees {
		errs = append(errs, fmt.Errorf("case %s: %d agrees for a case not in the batch", id, k))
	}
	if len(errs) > 5 {
		errs = append(errs[:5], fmt.Errorf("and %d more", len(errs)-5))
	}
	return errors.Join(errs...)
}

// histories summarizes the histories of up to k of ids, evenly spread.
func (e *tpEnv) histories(ctx context.Context, ids []string, k int) (HistoryStats, error) {
	var hs [][]*historypb.HistoryEvent
	for _, i := range spread(len(ids), k) {
		var events []*historypb.HistoryEvent
		it := e.tc.GetWorkflowHistory(ctx, ids[i], "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return HistoryStats{}, fmt.Errorf("history of %s: %w", ids[i], err)
			}
			events = append(events, ev)
		}
		hs = append(hs, events)
	}
	return summarizeHistories(hs), nil
}

// spread picks k of n indexes evenly (all when k >= n).
func spread(n, k int) []int {
	if k >= n {
		k = n
	}
	out := make([]int, 0, k)
	for j := range k {
		out = append(out, j*n/k)
	}
	return out
}

// Visibility query of the open phase: escalated, waiting for a human.
const queryEscalated = queryRunning + " AND AfterSaleEscalated = true"

// openCases starts o.Open big tickets that escalate and stay open, waits
// until all are escalated and settled, and measures memory.
func (e *tpEnv) openCases(ctx context.Context, seq int) (*MemoryResult, error) {
	n := e.o.Open
	m := &MemoryResult{Open: n}
	log := e.log.With("open", n)
	e.sb.Reset()
	ids := make([]string, n)
	caseIDs := make([]string, n)
	deadline := time.Now().Add(5 * 24 * time.Hour) // days away: nothing to do but wait for a human
	for i := range n {
		caseIDs[i] = tpCaseID(seq, i)
		ids[i] = workflows.CaseWorkflowID(platforms.Taobao, Shop, caseIDs[i])
		if err := e.sb.PutCase(sandbox.PlatformTaobao, Shop, unshippedRefund(caseIDs[i], "5999.00", deadline)); err != nil {
			return m, err
		}
	}
	if err := sleepCtx(ctx, 3*time.Second); err != nil {
		return m, err
	}
	m.Before = readMem()
	log.Info("open cases seeded; starting them", "heap_inuse_mb", mb(int64(m.Before.HeapInuse)))
	t0 := time.Now()
	if err := startAndWait(ctx, n, e.o.Concurrency, func(ctx context.Context, i int) error {
		return startCase(ctx, e.tc, caseIDs[i])
	}, func(context.Context, int) error { return nil }); err != nil {
		return m, err
	}
	until := time.Now().Add(e.o.OpenTimeout)
	lastLog := time.Now()
	for {
		c, err := countWorkflows(ctx, e.tc, queryEscalated)
		if err == nil {
			m.Escalated = c
			if c >= int64(n) {
				break
			}
		}
		if time.Now().After(until) {
			return m, fmt.Errorf("after %s only %d of %d open cases were escalated (%v)", e.o.OpenTimeout, m.Escalated, n, err)
		}
		if time.Since(lastLog) >= 10*time.Second {
			log.Info("escalating", "escalated", m.Escalated)
			lastLog = time.Now()
		}
		if err := sleepCtx(ctx, time.Second); err != nil {
			return m, err
		}
	}
	m.Escalation = time.Since(t0)
	// The escalation's notice (NotifyTargets: no webhook configured) is
	// one more activity and workflow task: wait until a sample is idle.
	if err := e.waitIdle(ctx, ids, 50, 2*time.Minute); err != nil {
		return m, err
	}
	running, err := countWorkflows(ctx, e.tc, queryRunning)
	if err != nil {
		return m, err
	}
	if running != int64(n) {
		return m, fmt.Errorf("%d case workflows running, want the %d open ones", running, n)
	}
	if n := len(e.sb.Actions()); n != 0 {
		return m, fmt.Errorf("escalated cases sent %d actions to the sandbox", n)
	}
	if err := sleepCtx(ctx, 3*time.Second); err != nil {
		return m, err
	}
	m.Waiting = readMem()
	if m.History, err = e.histories(ctx, ids, 20); err != nil {
		return m, err
	}
	log.Info("all escalated", "took", m.Escalation.Round(time.Second), "heap_inuse_mb", mb(int64(m.Waiting.HeapInuse)),
		"per_case_bytes", int64(m.HeapPerCase()))

	// Drop the sticky cache: stop the bench's workers, purge the cache,
	// start identical fresh workers, and measure the process without the
	// cached workflows. (The embedded server's own system workers share
	// the SDK's process-wide cache, so stopping ours alone keeps it; the
	// purge evicts their few cached system workflows too, which they
	// replay on their next task, as after any eviction.)
	e.stopWorkers()
	worker.PurgeStickyWorkflowCache()
	if err := e.startWorkers(); err != nil {
		return m, err
	}
	if err := sleepCtx(ctx, 3*time.Second); err != nil {
		return m, err
	}
	m.Emptied = readMem()
	cache := m.CacheHeapPerCase()
	// Clean only if the cached workflows really went: every cached case
	// holds at least its main coroutine's goroutine.
	m.CacheSeparated = cache > 0 && cache <= m.HeapPerCase() && m.Waiting.Goroutines-m.Emptied.Goroutines >= n
	log.Info("sticky cache dropped", "heap_inuse_mb", mb(int64(m.Emptied.HeapInuse)), "cache_per_case_bytes", int64(cache),
		"separated", m.CacheSeparated)
	return m, nil
}

// waitIdle waits until k of ids, evenly spread, have no pending activity
// and no pending workflow task.
func (e *tpEnv) waitIdle(ctx context.Context, ids []string, k int, within time.Duration) error {
	until := time.Now().Add(within)
	for {
		busy := ""
		for _, i := range spread(len(ids), k) {
			d, err := e.tc.DescribeWorkflowExecution(ctx, ids[i], "")
			if err != nil {
				return err
			}
			if len(d.GetPendingActivities()) > 0 || d.GetPendingWorkflowTask() != nil {
				busy = ids[i]
				break
			}
		}
		if busy == "" {
			return nil
		}
		if time.Now().After(until) {
			return fmt.Errorf("%s still busy after %s", busy, within)
		}
		if err := sleepCtx(ctx, time.Second); err != nil {
			return err
		}
	}
}

// readMem collects garbage twice and reads the runtime's memory stats.
func readMem() MemSnap {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return MemSnap{HeapInuse: ms.HeapInuse, HeapAlloc: ms.HeapAlloc, StackInuse: ms.StackInuse, Goroutines: runtime.NumGoroutine()}
}

// processCPU is the process's user + system CPU time: from /proc on
// Linux, else the Go runtime's estimate.
func processCPU() time.Duration {
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		if d, err := parseProcStat(string(b)); err == nil {
			return d
		}
	}
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration((s[0].Value.Float64() - s[1].Value.Float64()) * float64(time.Second))
}

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat times.
const clockTicks = 100

// parseProcStat reads utime + stime from /proc/<pid>/stat.
func parseProcStat(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("no ) in /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 { // f[0] is field 3 (state); utime is field 14, stime 15
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(u+st) * time.Second / clockTicks, nil
}

// loadAvg is /proc/loadavg's three averages, or "" where there is none.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// Markdown renders the run: a throughput table, a memory table, notes.
func (r *ThroughputReport) Markdown() string {
	var b strings.Builder
	o := r.Options
	enc := "payloads encrypted (AES-GCM codec, as production should run)"
	if !o.Encrypt {
		enc = "payloads NOT encrypted (--encrypt=false)"
	}
	fmt.Fprintf(&b, "### bench throughput: %s workflows per batch, %d round(s), %s\n\n", thousands(int64(o.Cases)), o.Rounds, enc)
	fmt.Fprintf(&b, "One process: embedded Temporal (SQLite file), sandbox over HTTP, worker (`app.Register` + platform worker, "+
		"TOP budget %s calls/s, example rules, real TOP client); %d CPUs (GOMAXPROCS %d), load average %s before, %s after.\n\n",
		num(o.RateLimit), r.CPUs, r.MaxProcs, orDash(r.LoadBefore), orDash(r.LoadAfter))

	b.WriteString("| | trivial workflow (1 no-op activity) | after-sale case (small TOP refund, agreed) |\n|---|---:|---:|\n")
	row := func(name, t, c string) { fmt.Fprintf(&b, "| %s | %s | %s |\n", name, t, c) }
	cell := func(kind string, f func(Batch) string) string {
		for _, x := range r.Batches {
			if x.Kind == kind && x.Round == 0 {
				return f(x)
			}
		}
		return "–"
	}
	if cell(KindTrivial, func(Batch) string { return "" }) != "–" {
		row("warm-up (unmeasured)",
			cell(KindTrivial, func(x Batch) string { return fmt.Sprintf("%s in %s", thousands(int64(x.N)), fmtLat(x.Wall)) }),
			cell(KindCase, func(x Batch) string { return fmt.Sprintf("%s in %s", thousands(int64(x.N)), fmtLat(x.Wall)) }))
	}
	for round := 1; round <= o.Rounds; round++ {
		get := func(kind string) string {
			for _, x := range r.Batches {
				if x.Kind == kind && x.Round == round {
					return fmt.Sprintf("%s/s (%s in %s)", num(x.Rate()), thousands(int64(x.N)), fmtLat(x.Wall))
				}
			}
			return "–"
		}
		row(fmt.Sprintf("round %d", round), get(KindTrivial), get(KindCase))
	}
	mt, mc := Median(r.Rates(KindTrivial)), Median(r.Rates(KindCase))
	row("**median rate**", "**"+num(mt)+"/s**", "**"+num(mc)+"/s**")
	ratio := "–"
	if mt > 0 {
		ratio = "**" + pct(r.Ratio()) + "**"
	}
	row("case ÷ trivial", "", ratio)
	hist := func(h HistoryStats, f func(HistoryStats) float64) string {
		if h.Sampled == 0 {
			return "–"
		}
		return num(f(h))
	}
	row("history events per workflow", hist(r.Trivial, func(h HistoryStats) float64 { return h.Events }),
		hist(r.Case, func(h HistoryStats) float64 { return h.Events }))
	row("workflow tasks per workflow", hist(r.Trivial, func(h HistoryStats) float64 { return h.WorkflowTasks }),
		hist(r.Case, func(h HistoryStats) float64 { return h.WorkflowTasks }))
	row("activities per workflow", activitiesCell(r.Trivial), activitiesCell(r.Case))
	row("process CPU per workflow (median; server + worker + sandbox)", fmtMs(r.CPUPer(KindTrivial)), fmtMs(r.CPUPer(KindCase)))
	perEvent := func(kind string, h HistoryStats) string {
		if h.Events == 0 || r.CPUPer(kind) == 0 {
			return "–"
		}
		return fmtMs(time.Duration(float64(r.CPUPer(kind)) / h.Events))
	}
	row("process CPU per history event", perEvent(KindTrivial, r.Trivial), perEvent(KindCase, r.Case))
	row("signals / search-attribute upserts per workflow",
		hist(r.Trivial, func(h HistoryStats) float64 { return h.Signals })+" / "+hist(r.Trivial, func(h HistoryStats) float64 { return h.Upserts }),
		hist(r.Case, func(h HistoryStats) float64 { return h.Signals })+" / "+hist(r.Case, func(h HistoryStats) float64 { return h.Upserts }))
	row("TOP calls per case", "–", callsCell(r.CaseCalls, r.CaseCount))
	row("cases checked: one agree decision, exactly one agree at the sandbox", "–",
		fmt.Sprintf("all %s (warm-up included)", thousands(int64(r.Agreed))))
	b.WriteString("\n")

	if m := r.Memory; m != nil {
		fmt.Fprintf(&b, "| %s open escalated cases (5,999.00 refunds waiting for a human) | per open case | total |\n|---|---:|---:|\n",
			thousands(int64(m.Open)))
		fmt.Fprintf(&b, "| **process heap per open case, server + worker** (HeapInuse after GC) | **%s** | %s → %s |\n",
			kb(m.HeapPerCase()), mbU(m.Before.HeapInuse), mbU(m.Waiting.HeapInuse))
		fmt.Fprintf(&b, "| live heap (HeapAlloc after GC), server + worker | %s | %s → %s |\n",
			kb(m.LivePerCase()), mbU(m.Before.HeapAlloc), mbU(m.Waiting.HeapAlloc))
		fmt.Fprintf(&b, "| goroutines, server + worker | %s | %s → %s |\n",
			num(m.GoroutinesPerCase()), thousands(int64(m.Before.Goroutines)), thousands(int64(m.Waiting.Goroutines)))
		fmt.Fprintf(&b, "| goroutine stacks (StackInuse), server + worker | %s | %s → %s |\n",
			kb(m.StackPerCase()), mbU(m.Before.StackInuse), mbU(m.Waiting.StackInuse))
		if m.CacheSeparated {
			fmt.Fprintf(&b, "| worker's sticky cache: heap in use | %s | %s → %s without it |\n",
				kb(m.CacheHeapPerCase()), mbU(m.Waiting.HeapInuse), mbU(m.Emptied.HeapInuse))
			fmt.Fprintf(&b, "| worker's sticky cache: live heap | %s | %s → %s without it |\n",
				kb(perCase(m.Waiting.HeapAlloc, m.Emptied.HeapAlloc, m.Open)), mbU(m.Waiting.HeapAlloc), mbU(m.Emptied.HeapAlloc))
			fmt.Fprintf(&b, "| worker's sticky cache: goroutines (workflow coroutines) | %s | %s → %s without it |\n",
				num(float64(m.Waiting.Goroutines-m.Emptied.Goroutines)/float64(m.Open)),
				thousands(int64(m.Waiting.Goroutines)), thousands(int64(m.Emptied.Goroutines)))
			if m.StacksAreCache() {
				fmt.Fprintf(&b, "| **worker's sticky cache: heap in use + its goroutines' stacks** | **%s** | |\n",
					kb(m.CacheHeapPerCase()+m.StackPerCase()))
			}
			fmt.Fprintf(&b, "| the rest of the heap: server (mutable state cache, matching, visibility) + client | %s | |\n",
				kb(m.HeapPerCase()-m.CacheHeapPerCase()))
		}
		fmt.Fprintf(&b, "| history events per open case | %s | |\n", num(m.History.Events))
		fmt.Fprintf(&b, "| time to escalate all | | %s |\n", fmtLat(m.Escalation))
		b.WriteString("\n")
	}

	b.WriteString("- rate: workflows per second of wall time, from the first start until the last result arrived " +
		"(starts and result waits " + strconv.Itoa(o.Concurrency) + " at a time); batches alternate trivial, case, trivial, case… " +
		"after an unmeasured warm-up, with 2 s of rest between them.\n")
	b.WriteString("- trivial: `ExecuteWorkflow` of a workflow running one no-op activity on the case task queue, same worker. " +
		"case: a 99.00 unshipped TOP refund started with SignalWithStart as `starter start` does; read → evaluate (rule " +
		"`unshipped-small-refund`: agree) → reserve budget (none configured: answers at once) → act (re-read, agree, re-read) → " +
		"finished when TOP says SUCCESS. Every case was checked: one agree decision done, one successful " +
		"`taobao.rp.refunds.agree` at the sandbox (`/_sandbox/actions`), nothing else. The sandbox is emptied after each case batch.\n")
	if r.Memory != nil {
		b.WriteString("- memory: Go runtime memory of the whole process after two `runtime.GC()`, before the open cases' " +
			"workflows start (the sandbox already holds the cases) and once all are escalated and idle. Server and worker " +
			"share the process, so the total includes Temporal's share, which in production lives in the Temporal server. ")
		if r.Memory.CacheSeparated {
			b.WriteString("The sticky-cache share: the bench's workers were stopped, the SDK's sticky cache purged " +
				"(`worker.PurgeStickyWorkflowCache`) and identical fresh workers started; the difference is the cached workflows " +
				"(their goroutines went with them).")
		} else {
			b.WriteString("The worker's share could not be separated cleanly in this run.")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func activitiesCell(h HistoryStats) string {
	if h.Sampled == 0 {
		return "–"
	}
	names := make([]string, 0, len(h.ByActivity))
	for k := range h.ByActivity {
		names = append(names, k)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %s", k, num(h.ByActivity[k]))
	}
	s := num(h.Activities)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func callsCell(calls map[string]int, n int) string {
	if n == 0 || len(calls) == 0 {
		return "–"
	}
	eps := make([]string, 0, len(calls))
	for ep := range calls {
		eps = append(eps, ep)
	}
	slices.Sort(eps)
	parts := make([]string, len(eps))
	for i, ep := range eps {
		parts[i] = fmt.Sprintf("`%s` %s", ep, num(float64(calls[ep])/float64(n)))
	}
	return num(float64(total(calls))/float64(n)) + " (" + strings.Join(parts, ", ") + ")"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// kb prints bytes as KB with 3 significant digits.
func kb(bytes float64) string { return num(bytes/1024) + " KB" }

func mbU(b uint64) string { return num(float64(b)/(1<<20)) + " MB" }

// fmtMs prints a small duration in ms.
func fmtMs(d time.Duration) string { return num(float64(d)/float64(time.Millisecond)) + " ms" }
