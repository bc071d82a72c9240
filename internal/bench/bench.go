// Package bench measures how the system discovers changes on a platform:
// `starter bench discovery` loads a sandbox with N open cases, lets a
// share of them change over a simulated hour, runs the real worker (as its
// own process, against an embedded Temporal server) and, in the same run, a
// naive per-case poller against a second, identical sandbox, and reports
// platform calls, rate-limit and protocol violations, change-to-read
// latency and worker memory side by side.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Options configure a benchmark run.
type Options struct {
	// Cases are the scenarios: numbers of open cases.
	Cases []int
	// ChangeRate is the share of open cases that change per simulated hour.
	ChangeRate float64
	// Hour is the real time standing for one simulated hour.
	Hour time.Duration
	// SyncInterval is the sync schedule's period, and the naive poller's.
	SyncInterval time.Duration
	// Overlap is the sync's re-read window before the watermark.
	Overlap time.Duration
	// Grace is how long both sides keep running after the hour, so late
	// changes can be seen; calls are counted over Hour + Grace. 0: two
	// sync intervals.
	Grace time.Duration
	// Platform: only "taobao" (TOP refunds are the reference).
	Platform string
	// Change is what a change does: ChangeEdit, ChangeShip or ChangeMixed.
	Change string
	// Messages has the worker consume TOP's TMC messages (the shop's
	// `messages: true`), every MessagesInterval (sync.messages_interval).
	Messages         bool
	MessagesInterval time.Duration
	// WorkflowCache is the worker's workflow_cache_size; 0: the SDK default
	// (10,000). Each cached case workflow costs the worker about 65 KB of
	// resident memory, so 1,000 keeps a worker with 10,000 open cases well
	// under 300 MB; an evicted case replays its short history on its next
	// task.
	WorkflowCache int
	// RateLimit is the worker's TOP call budget (calls/s, rate_limit in the
	// shop config). 0: the config default for TOP (10/s) scaled by the
	// time compression, 1h/Hour, like every other rate in the bench.
	RateLimit float64
	// NaiveMaxRate caps the naive poller's calls/s. When N/SyncInterval is
	// above it, the poller polls a random sample of
	// NaiveMaxRate*SyncInterval cases at the full pace and its counts are
	// scaled by N/sample (the report says so). 0: NaiveAutoRate(N).
	NaiveMaxRate float64
	// DiscoveryTimeout bounds the wait for the first sync to find every case.
	DiscoveryTimeout time.Duration
	// WorkerBin is a prebuilt worker binary; "" builds ./worker.
	WorkerBin string
	// Repo is the module root; "" finds it from the working directory.
	Repo string
	// KeepFiles keeps the temporary directory (worker binary, config and
	// log per scenario) and logs where it is.
	KeepFiles bool
	// Seed makes case amounts, the change schedule and the sample repeatable.
	Seed uint64
	// Log receives progress; nil discards it.
	Log *slog.Logger
}

// DefaultOptions are the flags' defaults.
func DefaultOptions() Options {
	return Options{
		Cases:            []int{1000, 10000},
		ChangeRate:       0.05,
		Hour:             2 * time.Minute,
		SyncInterval:     10 * time.Second,
		Overlap:          5 * time.Second,
		Platform:         "taobao",
		Change:           ChangeMixed,
		Messages:         true,
		MessagesInterval: 5 * time.Second,
		WorkflowCache:    1000,
		DiscoveryTimeout: 45 * time.Minute,
		Seed:             1,
	}
}

// NaiveAutoRate is the naive poller's default cap for n cases: the
// sandbox walks every case on every read (~0.6 µs per case), so the cap
// falls from 100 reads/s at 1,000 cases to 50/s at 2,000 and more, which
// keeps the poller's share of a core small enough not to starve the worker
// being measured on 2 cores.
func NaiveAutoRate(n int) float64 {
	return min(100, max(50, 100_000/float64(max(n, 1))))
}

// topDefaultBudget is config.DefaultRateLimits[taobao]: calls/s.
const topDefaultBudget = 10

func (o *Options) fill() error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Grace <= 0 {
		o.Grace = 2 * o.SyncInterval
	}
	if o.RateLimit <= 0 && o.Hour > 0 {
		o.RateLimit = topDefaultBudget * float64(time.Hour) / float64(o.Hour)
	}
	var errs []error
	if o.Platform != "taobao" {
		errs = append(errs, fmt.Errorf("platform %q: only taobao is supported (TOP refunds are the reference)", o.Platform))
	}
	if o.Change != ChangeEdit && o.Change != ChangeShip && o.Change != ChangeMixed {
		errs = append(errs, fmt.Errorf("change %q: want %s, %s or %s", o.Change, ChangeMixed, ChangeShip, ChangeEdit))
	}
	if o.Messages && o.MessagesInterval <= 0 {
		errs = append(errs, errors.New("messages interval must be positive"))
	}
	if len(o.Cases) == 0 {
		errs = append(errs, errors.New("no scenario: give --cases"))
	}
	for _, n := range o.Cases {
		if n <= 0 {
			errs = append(errs, fmt.Errorf("cases must be positive, got %d", n))
		}
	}
	if o.ChangeRate < 0 || o.ChangeRate > 1 {
		errs = append(errs, fmt.Errorf("change rate %g must be within 0..1", o.ChangeRate))
	}
	if o.Hour <= 0 || o.SyncInterval <= 0 || o.Overlap < 0 {
		errs = append(errs, errors.New("hour and sync interval must be positive, overlap not negative"))
	}
	if o.NaiveMaxRate < 0 {
		errs = append(errs, errors.New("naive max rate must not be negative"))
	}
	if o.WorkflowCache < 0 {
		errs = append(errs, errors.New("workflow cache must not be negative"))
	}
	return errors.Join(errs...)
}

// Run builds the worker (unless given), runs every scenario in turn and
// writes the markdown report to out.
func Run(ctx context.Context, o Options, out io.Writer) (*Report, error) {
	if err := o.fill(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "aftersale-bench-")
	if err != nil {
		return nil, err
	}
	if o.KeepFiles {
		o.Log.Info("keeping the worker's files", "dir", tmp)
	} else {
		defer os.RemoveAll(tmp)
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
	bin := o.WorkerBin
	if bin == "" {
		bin = filepath.Join(tmp, "worker")
		o.Log.Info("building the worker", "cmd", "go build -o "+bin+" ./worker", "dir", o.Repo)
		start := time.Now()
		if err := BuildWorker(ctx, o.Repo, bin); err != nil {
			return nil, err
		}
		o.Log.Info("worker built", "took", time.Since(start).Round(time.Second))
	}
	rep := &Report{Options: o}
	for i, n := range o.Cases {
		dir := filepath.Join(tmp, fmt.Sprintf("scenario-%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		res, err := runScenario(ctx, o, n, o.Seed+uint64(i), bin, dir)
		if err != nil {
			if len(rep.Results) > 0 { // what finished is still worth seeing
				io.WriteString(out, rep.Markdown())
			}
			return rep, fmt.Errorf("scenario %d cases: %w", n, err)
		}
		rep.Results = append(rep.Results, res)
	}
	_, err = io.WriteString(out, rep.Markdown())
	return rep, err
}
