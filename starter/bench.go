package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale/internal/bench"
	"github.com/aftersale/aftersale/internal/soak"
)

const benchUsage = `usage: starter bench discovery [flags]

Loads a platform sandbox with N open cases, lets --change-rate of them change
over a simulated hour, runs the worker (as its own process, against an
embedded Temporal server) and a naive per-case poller side by side, and
prints a markdown table: platform calls by endpoint, calls per changed case,
rate-limit and protocol violations, change-to-read latency, worker RSS.
Run it from the repository: it builds ./worker. Takes minutes.

flags:
`

// cmdBench runs `bench discovery` or `bench throughput`.
func cmdBench(ctx context.Context, g global, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "throughput" {
		return cmdBenchThroughput(ctx, g, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "soak" {
		return cmdBenchSoak(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "discovery" {
		return errors.New("usage: starter bench discovery|throughput|soak [flags] (see starter bench discovery --help)")
	}
	o := bench.DefaultOptions()
	fs := newFlags("bench discovery")
	cases := fs.String("cases", joinInts(o.Cases), "scenarios: numbers of open cases, comma-separated")
	fs.Float64Var(&o.ChangeRate, "change-rate", o.ChangeRate, "share of open cases changing per simulated hour")
	fs.DurationVar(&o.Hour, "hour", o.Hour, "real time standing for one simulated hour")
	fs.DurationVar(&o.SyncInterval, "sync-interval", o.SyncInterval, "sync schedule period (and the naive poller's)")
	fs.DurationVar(&o.Overlap, "overlap", o.Overlap, "sync overlap (re-read before the watermark)")
	fs.DurationVar(&o.Grace, "grace", o.Grace, "measured time after the hour for late changes (0: two sync intervals)")
	fs.StringVar(&o.Platform, "platform", o.Platform, "platform (taobao: TOP refunds)")
	fs.StringVar(&o.Change, "change", o.Change, "what a change is: ship (the buyer ships: a move TOP announces by TMC; the rules confirm receipt), "+
		"edit (the buyer gets more time: no message, still waiting) or mixed (alternately)")
	fs.BoolVar(&o.Messages, "messages", o.Messages, "the worker consumes TOP TMC messages (shop messages: true)")
	fs.DurationVar(&o.MessagesInterval, "messages-interval", o.MessagesInterval, "how often the worker consumes TMC (sync.messages_interval)")
	fs.IntVar(&o.WorkflowCache, "workflow-cache", o.WorkflowCache, "worker workflow_cache_size (sticky cache; ~65 KB per cached case); 0: SDK default (10,000)")
	fs.Float64Var(&o.RateLimit, "rate-limit", o.RateLimit, "worker TOP budget, calls/s; 0: 10/s scaled by 1h/--hour")
	fs.Float64Var(&o.NaiveMaxRate, "naive-max-rate", o.NaiveMaxRate, "most calls/s for the naive poller; above, it polls a sample and is scaled (0: 100/s up to 1,000 cases, 50/s from 2,000)")
	fs.DurationVar(&o.DiscoveryTimeout, "discovery-timeout", o.DiscoveryTimeout, "how long the first sync may take to find every case")
	fs.StringVar(&o.WorkerBin, "worker", "", "prebuilt worker binary (default: go build ./worker)")
	fs.BoolVar(&o.KeepFiles, "keep-files", false, "keep the worker's config and log (the directory is logged)")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed (amounts, change schedule, naive sample)")
	out := fs.String("out", "", "also write the markdown report to this file")
	if done, err := parseBench(fs, benchUsage, args[1:], stdout); done || err != nil {
		return err
	}
	var err error
	if o.Cases, err = parseInts(*cases); err != nil {
		return fmt.Errorf("--cases: %w", err)
	}
	o.Log = progressLog(stderr)
	return report(stdout, *out, func(w io.Writer) error {
		_, err := bench.Run(ctx, o, w)
		return err
	})
}

const benchThroughputUsage = `usage: starter bench throughput [flags]

Runs, in this process, an embedded Temporal server (SQLite in a temp dir), the
platform sandbox and a worker wired as production (example rules, real TOP
client, payload encryption on by default). Measures the end-to-end rate of
after-sale cases (small unshipped TOP refunds the rules agree) against a
trivial workflow (one no-op activity) in alternating batches, checks every
case was agreed exactly once at the sandbox, then leaves --open big tickets
escalated and measures process heap per open case. Prints a markdown table;
progress goes to stderr. Run it from the repository. Takes minutes.

flags:
`

// cmdBenchThroughput runs `bench throughput`.
func cmdBenchThroughput(ctx context.Context, _ global, args []string, stdout, stderr io.Writer) error {
	o := bench.DefaultThroughputOptions()
	fs := newFlags("bench throughput")
	fs.IntVar(&o.Cases, "cases", o.Cases, "workflows per measured batch (trivial and case alike)")
	fs.IntVar(&o.Rounds, "rounds", o.Rounds, "measured rounds; each runs a trivial batch, then a case batch")
	fs.IntVar(&o.Open, "open", o.Open, "escalated cases left open for the memory measurement (0: skip it)")
	fs.IntVar(&o.Warmup, "warmup", o.Warmup, "size of the unmeasured warm-up batch of each kind (0: none)")
	fs.BoolVar(&o.Encrypt, "encrypt", o.Encrypt, "encrypt payloads with a fresh key, as production should run")
	fs.Float64Var(&o.RateLimit, "rate-limit", o.RateLimit, "the TOP shop's budget, calls/s (high: not the bottleneck)")
	fs.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "starts, and result waits, in flight at once")
	fs.DurationVar(&o.BatchTimeout, "batch-timeout", o.BatchTimeout, "longest a batch may take")
	fs.DurationVar(&o.OpenTimeout, "open-timeout", o.OpenTimeout, "longest the open cases may take to be escalated")
	out := fs.String("out", "", "also write the markdown report to this file")
	if done, err := parseBench(fs, benchThroughputUsage, args, stdout); done || err != nil {
		return err
	}
	o.Log = progressLog(stderr)
	return report(stdout, *out, func(w io.Writer) error {
		_, err := bench.RunThroughput(ctx, o, w)
		return err
	})
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no number given")
	}
	return out, nil
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

const benchSoakUsage = `usage: starter bench soak [flags]

Runs the whole system under chaos: an embedded Temporal server, the platform
sandbox failing --fault-rate of platform calls (429, 500, timeouts, malformed
bodies), --cases cases over all four platforms, the real worker binary with
the example rules, duplicated and reordered pushes, and --kills SIGKILLs and
restarts of the worker. Waits until every case is settled and prints a
markdown table: cases lost, duplicate platform actions, actions after a
deadline, actions the rules would not take, fault escalations, time to drain.
Exits non-zero unless all four are 0. Run it from the repository: it builds
./worker. Takes minutes.

flags:
`

// cmdBenchSoak runs `bench soak`.
func cmdBenchSoak(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := soak.DefaultOptions()
	fs := newFlags("bench soak")
	fs.IntVar(&o.Cases, "cases", o.Cases, "cases to seed, spread over the four platforms")
	fs.IntVar(&o.Kills, "kills", o.Kills, "times the worker is SIGKILLed and restarted")
	fs.Float64Var(&o.FaultRate, "fault-rate", o.FaultRate, "share of platform calls that fail")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed (cases, deadlines, pushes, kill times, faults)")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "longest the run may take")
	fs.StringVar(&o.WorkerBin, "worker", "", "prebuilt worker binary (default: go build ./worker)")
	fs.BoolVar(&o.KeepFiles, "keep-files", false, "keep the worker's config and logs (the directory is logged)")
	out := fs.String("out", "", "also write the markdown report to this file")
	if done, err := parseBench(fs, benchSoakUsage, args, stdout); done || err != nil {
		return err
	}
	o.Log = progressLog(stderr)
	return report(stdout, *out, func(w io.Writer) error {
		rep, err := soak.Run(ctx, o, w)
		if err == nil && !rep.OK() {
			err = errors.New("the soak found lost cases or duplicate, late or wrong actions (see the report)")
		}
		return err
	})
}

// parseBench parses a bench's flags; --help prints usage and its flags and
// reports done.
func parseBench(fs *flag.FlagSet, usage string, args []string, stdout io.Writer) (done bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return true, nil
		}
		return true, err
	}
	if fs.NArg() > 0 {
		return true, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	return false, nil
}

// progressLog is where a bench says how far it got.
func progressLog(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// report runs a bench writing its markdown report to stdout and, when out
// is set, to that file too (also when the run failed part-way).
func report(stdout io.Writer, out string, run func(io.Writer) error) error {
	var sb strings.Builder
	err := run(io.MultiWriter(stdout, &sb))
	if out != "" {
		if werr := os.WriteFile(out, []byte(sb.String()), 0o644); err == nil {
			err = werr
		}
	}
	return err
}
