// Package soak is the chaos soak: `starter bench soak` seeds N cases over
// all four platforms in an in-process sandbox that fails a share of the
// platform calls (429, 5xx, timeouts, malformed bodies), runs the real
// worker binary as its own process against an embedded Temporal server,
// pushes duplicated and reordered SHOPLINE webhooks, Xportcn callbacks and
// Xiaoe pushes at it, moves cases on the platform side, SIGKILLs and
// restarts the worker several times, waits until every case is settled,
// and reports what the platforms saw: lost cases, duplicate actions,
// actions after a deadline and actions the rules would not take.
package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"

	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/internal/bench"
	"github.com/aftersale/aftersale/internal/devserver"
	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/shopline"
	"github.com/aftersale/aftersale/rules"
)

// Options configure a soak run.
type Options struct {
	// Cases is how many cases to seed, spread over the four platforms.
	Cases int
	// Kills is how many times the worker is SIGKILLed (and restarted) at
	// random moments of the chaos window.
	Kills int
	// FaultRate is the share of platform calls that fail, evenly 429, 500,
	// timeout (applied, answer held back until the client gives up) and
	// malformed body. Never on the sandbox's admin API.
	FaultRate float64
	// Seed makes the cases, deadlines, pushes, kill times and faults repeatable.
	Seed uint64
	// Timeout bounds the whole run; a run not drained by then reports the
	// unsettled cases and returns an error.
	Timeout time.Duration
	// Active is the chaos window from the first worker start: kills, pushes
	// and the soak's platform moves happen in it, and near deadlines fall
	// in it. 0: 60 s + 60 ms per case.
	Active time.Duration
	// PushShare is the share of SHOPLINE, Xportcn and Xiaoe cases that get
	// pushes from the soak (0: 0.5).
	PushShare float64
	// PollInterval and SyncInterval are the worker's poll_interval and
	// sync.interval (0: 30 s and 5 s).
	PollInterval, SyncInterval time.Duration
	// WorkerBin is a prebuilt worker binary; "" builds ./worker.
	WorkerBin string
	// Repo is the module root; "" finds it from the working directory.
	Repo string
	// KeepFiles keeps the temporary directory (worker binary, config, logs).
	KeepFiles bool
	// Log receives progress; nil discards it.
	Log *slog.Logger
}

// DefaultOptions are the flags' defaults.
func DefaultOptions() Options {
	return Options{Cases: 1000, Kills: 5, FaultRate: 0.2, Seed: 1, Timeout: 30 * time.Minute}
}

func (o *Options) fill() error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Active <= 0 {
		o.Active = 60*time.Second + time.Duration(o.Cases)*60*time.Millisecond
	}
	if o.PushShare <= 0 {
		o.PushShare = 0.5
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if o.SyncInterval <= 0 {
		o.SyncInterval = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Minute
	}
	var errs []error
	if o.Cases < 4 {
		errs = append(errs, fmt.Errorf("cases must be at least 4 (one per platform), got %d", o.Cases))
	}
	if o.Kills < 0 {
		errs = append(errs, errors.New("kills must not be negative"))
	}
	if o.FaultRate < 0 || o.FaultRate > 1 {
		errs = append(errs, fmt.Errorf("fault rate %g must be within 0..1", o.FaultRate))
	}
	if o.PushShare > 1 {
		errs = append(errs, fmt.Errorf("push share %g must be within 0..1", o.PushShare))
	}
	return errors.Join(errs...)
}

// buyerShipAfter is how long the sandbox's buyers take to ship a return
// once it is agreed (or the soak lets them).
const buyerShipAfter = 3 * time.Second

// Run runs one soak and writes the Markdown report to out. It returns the
// report (also when the run failed part-way, as far as it got) and an
// error when the run could not be carried out or did not drain.
func Run(ctx context.Context, o Options, out io.Writer) (*Report, error) {
	if err := o.fill(); err != nil {
		return nil, err
	}
	begin := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	log := o.Log
	tmp, err := os.MkdirTemp("", "aftersale-soak-")
	if err != nil {
		return nil, err
	}
	if o.KeepFiles {
		log.Info("keeping the soak's files", "dir", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if o.Repo == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if o.Repo, err = bench.FindRepo(wd); err != nil {
			return nil, err
		}
	}
	bin := o.WorkerBin
	if bin == "" {
		bin = filepath.Join(tmp, "worker")
		log.Info("building the worker", "cmd", "go build -o "+bin+" ./worker")
		start := time.Now()
		if err := bench.BuildWorker(ctx, o.Repo, bin); err != nil {
			return nil, err
		}
		log.Info("worker built", "took", time.Since(start).Round(time.Second))
	}
	r := &runner{o: o, log: log, dir: tmp, rep: &Report{Options: o, Dir: tmp}}
	err = r.run(ctx)
	r.rep.Total = time.Since(begin)
	if _, werr := io.WriteString(out, r.rep.Markdown()); err == nil {
		err = werr
	}
	return r.rep, err
}

// runner holds one run's moving parts.
type runner struct {
	o   Options
	log *slog.Logger
	dir string
	rep *Report

	sb      *sandbox.Sandbox
	tc      client.Client
	worker  *workerProc
	cases   []*Seeded
	hooks   atomic.Int64
	moves   atomic.Int64
	started time.Time // first worker start: the chaos window opens
}

func (r *runner) run(ctx context.Context) error {
	o, log, rep := r.o, r.log, r.rep
	quiet := slog.New(slog.DiscardHandler)

	pushAddr, err := freeAddr()
	if err != nil {
		return err
	}
	hookURL, err := r.forwardHooks(ctx, pushAddr)
	if err != nil {
		return err
	}
	r.sb = sandbox.New(sandbox.Options{Logger: quiet, BuyerShipAfter: buyerShipAfter, FaultSeed: o.Seed,
		Shopline: sandbox.ShoplineOptions{WebhookURL: hookURL}})
	sbAddr, err := r.sb.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	sandboxURL := "http://" + sbAddr

	srv, err := devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(r.dir, "temporal"), Logger: quiet})
	if err != nil {
		return fmt.Errorf("temporal dev server: %w", err)
	}
	defer srv.Stop()
	if r.tc, err = client.Dial(client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(),
		Logger: sdklog.NewStructuredLogger(quiet)}); err != nil {
		return err
	}
	defer r.tc.Close()
	notes, err := serveNotices(ctx)
	if err != nil {
		return err
	}

	// Seed, then turn the faults on: the soak's own admin calls never see them.
	seeded, sets := plan(o.Cases, time.Now(), o.Active, o.Seed)
	rep.SeededBy, rep.Scenarios, rep.DeadlineClass = map[string]int{}, map[string]int{}, map[string]int{}
	for i := range seeded {
		s := &seeded[i]
		if err := r.sb.PutCase(string(s.Platform), s.Shop, s.Native); err != nil {
			return fmt.Errorf("seeding %s: %w", s.WorkflowID(), err)
		}
		r.cases = append(r.cases, s)
		rep.SeededBy[string(s.Platform)]++
		rep.Scenarios[s.Scenario]++
		rep.DeadlineClass[s.Class]++
	}
	rep.Seeded = len(r.cases)
	for _, set := range sets {
		rep.Shops += len(set.shops)
	}
	seed := o.Seed
	if err := r.sb.SetFaults(sandbox.Faults{Rate: o.FaultRate, Seed: &seed}); err != nil {
		return err
	}
	log.Info("sandbox seeded", "cases", rep.Seeded, "shops", rep.Shops, "by_platform", counts(rep.SeededBy),
		"deadlines", counts(rep.DeadlineClass), "sandbox", sandboxURL, "temporal", srv.HostPort())

	cfg := workerConfig(o, srv.HostPort(), srv.Namespace(), sandboxURL, pushAddr, notes.url(), sets)
	cfgPath := filepath.Join(r.dir, "worker.yaml")
	if err := writeConfig(cfgPath, cfg); err != nil {
		return err
	}
	bin := o.WorkerBin
	if bin == "" {
		bin = filepath.Join(r.dir, "worker")
	}
	r.worker = &workerProc{bin: bin, cfgPath: cfgPath, dir: r.dir}
	if err := r.worker.start(); err != nil {
		return fmt.Errorf("starting the worker: %w", err)
	}
	defer func() { r.worker.stop(20 * time.Second) }()
	r.started = time.Now()
	log.Info("worker started", "config", cfgPath, "chaos_window", o.Active)

	// The chaos window: pushes, platform moves and kills.
	rng := rand.New(rand.NewPCG(o.Seed, 0xc4a05))
	ps := newPusher(pushAddr)
	var wg sync.WaitGroup
	chaos, stopChaos := context.WithCancel(ctx)
	defer stopChaos()
	plan := pushPlan(r.cases, o.PushShare, o.Active, r.started, rng)
	wg.Add(2)
	go func() { defer wg.Done(); r.pushAll(chaos, ps, plan) }()
	go func() { defer wg.Done(); r.moveCases(chaos, rand.New(rand.NewPCG(o.Seed, 0x30fe))) }()
	if err := r.killAll(ctx, rng); err != nil {
		stopChaos()
		wg.Wait()
		return err
	}
	wg.Wait()
	rep.Pushes = ps.result()
	rep.Moves = int(r.moves.Load())
	chaosEnd := time.Now()
	log.Info("chaos window over", "kills", rep.Kills, "pushes", rep.Pushes.Sent, "moves", rep.Moves)

	// Drain: wait until every case is settled, twice in a row with no new
	// platform action in between, and past every near deadline.
	quietAfter := chaosEnd
	for _, s := range r.cases {
		if s.Class == DeadlineExpiring || s.Class == DeadlineMargin {
			// deadline − margin or the deadline, plus the workflow's
			// re-read just after the deadline and a read.
			at := s.Deadline
			if s.Class == DeadlineMargin {
				at = s.Deadline.Add(-marginOf(s.Platform))
			}
			quietAfter = maxTime(quietAfter, at.Add(45*time.Second))
		}
	}
	states, drainErr := r.drain(ctx, quietAfter)
	rep.TimeToDrain, rep.AfterChaos = time.Since(r.started), time.Since(chaosEnd)
	r.finalStates(states)

	// What the platforms saw.
	calls := r.sb.Calls()
	rep.Calls, rep.Faults = map[string]int{}, map[string]int{}
	for p, eps := range calls.Calls {
		for _, n := range eps {
			rep.Calls[p] += n
			rep.CallsTotal += n
		}
		rep.RateLimited += calls.RateLimited[p]
	}
	for _, kinds := range calls.Faults {
		for k, n := range kinds {
			rep.Faults[k] += n
			rep.FaultsTotal += n
		}
	}
	rep.SandboxHooks = int(r.hooks.Load())
	acts := attribute(r.sb.Actions(), r.cases)
	rep.Actions = len(acts)
	for _, x := range acts {
		if x.a.OK {
			rep.ActionsApplied++
		}
	}
	rep.Duplicates = duplicates(acts)
	rep.AfterDeadline = afterDeadline(acts)
	engine, err := rules.NewEngine(filepath.Join(o.Repo, "rules", "examples"), rules.WithLogger(quiet))
	if err != nil {
		return fmt.Errorf("oracle rules: %w", err)
	}
	orc := &oracle{tc: r.tc, rules: engine, dc: converter.GetDefaultDataConverter()}
	actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer acancel()
	if rep.Wrong, err = orc.wrong(actx, acts); err != nil {
		return fmt.Errorf("oracle: %w", err)
	}
	r.faultEscalations(notes.all(), states)
	log.Info("soak done", "drained", rep.Drained, "lost", len(rep.Lost), "duplicates", len(rep.Duplicates),
		"after_deadline", len(rep.AfterDeadline), "wrong", len(rep.Wrong), "took", time.Since(r.started).Round(time.Second))
	if drainErr != nil {
		return drainErr
	}
	return nil
}

func marginOf(p platforms.Platform) time.Duration {
	if p == platforms.Xportcn {
		return marginXportcn
	}
	return marginTOP
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// pushAll sends the planned pushes at their times.
func (r *runner) pushAll(ctx context.Context, ps *pusher, plan []scheduled) {
	for _, s := range plan {
		if err := sleepUntil(ctx, r.started.Add(s.at)); err != nil {
			return
		}
		// Redelivered for up to a minute, as platforms do (the worker may
		// be down between a kill and its restart).
		ps.send(context.WithoutCancel(ctx), s.p, time.Minute)
	}
}

// moveCases makes the soak's platform-side moves at random moments of
// the first four fifths of the chaos window: TOP buyers ship returns (the
// sandbox then publishes the TMC message), SHOPLINE packages arrive (the
// sandbox sends its webhook).
func (r *runner) moveCases(ctx context.Context, rng *rand.Rand) {
	type move struct {
		at time.Duration
		s  *Seeded
	}
	var moves []move
	for _, s := range r.cases {
		if s.Move != "" {
			moves = append(moves, move{at: 5*time.Second + time.Duration(rng.Int64N(int64(r.o.Active*4/5))), s: s})
		}
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i].at < moves[j].at })
	for _, m := range moves {
		if err := sleepUntil(ctx, r.started.Add(m.at)); err != nil {
			return
		}
		var err error
		switch m.s.Move {
		case MoveShip:
			err = r.ship(m.s)
		case MoveArrive:
			err = r.sb.ShoplineArrive(m.s.Shop, strings.TrimPrefix(m.s.CaseID, "return-"))
		}
		if err != nil {
			r.log.Debug("move skipped", "case", m.s.WorkflowID(), "move", m.s.Move, "why", err)
			continue
		}
		r.moves.Add(1)
	}
}

// ship lets the buyer of a TOP return waiting for it ship now.
func (r *runner) ship(s *Seeded) error {
	if time.Until(s.Deadline) < 5*time.Second {
		return errors.New("too close to its deadline")
	}
	for _, c := range r.sb.Cases(string(s.Platform), s.Shop) {
		if getString(c.Case, "refund_id") != s.CaseID {
			continue
		}
		if st := getString(c.Case, "status"); st != "WAIT_BUYER_RETURN_GOODS" {
			return fmt.Errorf("status %s", st)
		}
		c.Case["sandbox_buyer_ships"] = true
		return r.sb.PutCase(string(s.Platform), s.Shop, c.Case)
	}
	return errors.New("not stored")
}

// killAll SIGKILLs the worker o.Kills times at random moments of the
// chaos window (at least 5 s apart) and restarts it at once; it returns
// at the end of the window. A worker that exits on its own is counted and
// restarted too.
func (r *runner) killAll(ctx context.Context, rng *rand.Rand) error {
	var at []time.Duration
	if k := r.o.Kills; k > 0 {
		slot := (r.o.Active - 8*time.Second) / time.Duration(k)
		for i := range k {
			at = append(at, 8*time.Second+time.Duration(i)*slot+time.Duration(rng.Int64N(int64(max(slot-5*time.Second, time.Second)))))
		}
	}
	end := r.started.Add(r.o.Active)
	for len(at) > 0 || time.Now().Before(end) {
		next := end
		if len(at) > 0 {
			next = r.started.Add(at[0])
		}
		for time.Now().Before(next) {
			if err := r.checkWorker(); err != nil {
				return err
			}
			if err := sleepUntil(ctx, minTime(next, time.Now().Add(500*time.Millisecond))); err != nil {
				return err
			}
		}
		if len(at) == 0 {
			break
		}
		at = at[1:]
		if err := r.worker.Kill(); err != nil {
			return fmt.Errorf("kill: %w", err)
		}
		r.rep.Kills++
		if err := r.worker.start(); err != nil {
			return fmt.Errorf("restart after kill %d: %w", r.rep.Kills, err)
		}
		r.log.Info("worker killed and restarted", "kill", r.rep.Kills, "at", time.Since(r.started).Round(100*time.Millisecond))
	}
	return nil
}

// checkWorker restarts a worker that exited without being killed.
func (r *runner) checkWorker() error {
	if err := r.worker.Exited(); err != nil {
		r.rep.WorkerExits++
		r.log.Warn("worker exited on its own; restarting", "err", err)
		if r.rep.WorkerExits > 3 {
			return err
		}
		return r.worker.start()
	}
	return nil
}

// drain surveys the cases until all are settled twice in a row, with no
// new platform action in between, after quietAfter.
func (r *runner) drain(ctx context.Context, quietAfter time.Time) (map[string]caseState, error) {
	var last map[string]caseState
	prevActions, calm := -1, 0
	lastLog := time.Now()
	for {
		if err := r.checkWorker(); err != nil {
			return last, err
		}
		states, err := survey(ctx, r.tc, r.sb, r.cases)
		if err == nil {
			last = states
			settled := 0
			// A case still without a workflow two minutes after the quiet
			// moment (dozens of sync runs later) will not get one: lost.
			giveUp := time.Now().After(quietAfter.Add(2 * time.Minute))
			for _, st := range states {
				if st.settled() || (giveUp && st.state == StateMissing) {
					settled++
				}
			}
			n := len(r.sb.Actions())
			if settled == len(r.cases) && n == prevActions && !time.Now().Before(quietAfter) {
				calm++
			} else {
				calm = 0
			}
			prevActions = n
			if calm >= 2 {
				r.rep.Drained = true
				return states, nil
			}
			if time.Since(lastLog) >= 10*time.Second {
				r.log.Info("draining", "settled", settled, "of", len(r.cases), "example", unsettledExample(states))
				lastLog = time.Now()
			}
		}
		if sleepCtx(ctx, 3*time.Second) != nil {
			return last, fmt.Errorf("not drained within %s: %w", r.o.Timeout, ctx.Err())
		}
	}
}

func unsettledExample(states map[string]caseState) string {
	for id, st := range states {
		if !st.settled() {
			return id + ": " + st.why
		}
	}
	return ""
}

// finalStates fills Final, Lost and Unsettled from the last survey.
func (r *runner) finalStates(states map[string]caseState) {
	rep := r.rep
	rep.Final = map[string]int{}
	for _, s := range r.cases {
		id := s.WorkflowID()
		st, ok := states[id]
		if !ok {
			st = caseState{state: StateMissing, why: "never surveyed"}
		}
		rep.Final[st.state]++
		switch {
		case st.state == StateLost:
			rep.Lost = append(rep.Lost, fmt.Sprintf("%s (%s): %s", id, s.Scenario, st.why))
		case st.state == StateMissing:
			rep.Lost = append(rep.Lost, fmt.Sprintf("%s (%s, deadline %s): %s", id, s.Scenario, s.Class, st.why))
		case st.state == StateUnseen && !s.Finished:
			rep.Unseen = append(rep.Unseen, fmt.Sprintf("%s (%s, deadline %s): %s", id, s.Scenario, s.Class, st.why))
		case !st.settled():
			rep.Unsettled = append(rep.Unsettled, fmt.Sprintf("%s (%s): %s", id, s.Scenario, st.why))
		}
	}
	sort.Strings(rep.Lost)
	sort.Strings(rep.Unseen)
	sort.Strings(rep.Unsettled)
}

// faultReason reports whether an escalation's reason is a failure rather
// than a rule (the workflow's own notes: case_workflow.go).
func faultReason(reason string) bool {
	for _, p := range []string{"cannot read the case from ", "rules could not be evaluated", "the auto-approval budget could not be checked"} {
		if strings.HasPrefix(reason, p) || strings.Contains(reason, "; "+p) {
			return true
		}
	}
	for _, a := range platforms.Actions {
		if strings.HasPrefix(reason, string(a)+" failed: ") {
			return true
		}
	}
	return false
}

func (r *runner) faultEscalations(list []notify.Notice, states map[string]caseState) {
	rep := r.rep
	rep.Notices = len(list)
	cases := map[string]bool{}
	for _, n := range list {
		if n.Event == notify.Escalated && faultReason(n.Reason) {
			rep.FaultNotices++
			cases[n.WorkflowID] = true
		}
	}
	rep.FaultEscalatedCases = len(cases)
	for _, st := range states {
		if st.view != nil && st.view.Escalation != nil && faultReason(st.view.Escalation.Note) {
			rep.FaultEscalatedAtEnd++
			rep.FaultEscalations = append(rep.FaultEscalations, st.view.WorkflowID+": "+st.view.Escalation.Note)
		}
	}
	sort.Strings(rep.FaultEscalations)
}

// forwardHooks serves the URL the sandbox posts its SHOPLINE webhooks to
// and forwards each, unchanged, to the worker's receiver of its shop
// (named by X-Shopline-Shop-Domain), answering what the worker answered:
// the sandbox has one webhook URL, the worker one receiver per shop.
func (r *runner) forwardHooks(ctx context.Context, pushAddr string) (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	fwd := &http.Client{Timeout: 15 * time.Second}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		shop := strings.TrimSuffix(req.Header.Get(shopline.HeaderDomain), ".myshopline.com")
		out, err := http.NewRequestWithContext(req.Context(), http.MethodPost,
			"http://"+pushAddr+app.PushPath(platforms.Shopline, shop), strings.NewReader(string(body)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = req.Header.Clone()
		resp, err := fwd.Do(out)
		if err != nil {
			http.Error(w, "worker down: "+err.Error(), http.StatusBadGateway)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			r.hooks.Add(1)
		}
		w.WriteHeader(resp.StatusCode)
	})
	if _, err := app.Serve(ctx, "soak-hooks", addr, h, slog.New(slog.DiscardHandler)); err != nil {
		return "", err
	}
	return "http://" + addr + "/hooks", nil
}

func sleepUntil(ctx context.Context, t time.Time) error { return sleepCtx(ctx, time.Until(t)) }

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

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
