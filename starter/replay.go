package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/rules"
	"github.com/aftersale/aftersale/workflows"
)

// evaluateActivity is the activity type case workflows decide through (the
// method name of activities.Activities.Evaluate, as the worker registers it).
const evaluateActivity = "Evaluate"

// Exit codes of `rules replay`, as diff(1) has them.
const (
	replayExitDiff    = 1 // some decision would change
	replayExitTrouble = 2 // the replay could not run or is incomplete
)

func cmdRulesReplay(ctx context.Context, g global, args []string, out, errOut io.Writer) error {
	fs := newFlags("rules replay")
	dir := fs.String("rules", "", "the candidate rules directory")
	sinceArg := fs.String("since", "", "replay decisions made since then: 7d, 36h, 90m or an RFC 3339 time")
	accept := fs.Bool("accept", false, "exit 0 even if decisions change (the change is intended)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	platform := fs.String("platform", "", "only this platform")
	shop := fs.String("shop", "", "only this shop")
	workers := fs.Int("parallel", 8, "histories read at once")
	if err := fs.Parse(args); err != nil {
		return &exitError{replayExitTrouble, "error: " + err.Error() + "\nusage: rules replay --rules DIR --since 7d [--accept] [--json] [--platform P] [--shop S]"}
	}
	if *dir == "" || fs.NArg() > 0 {
		return &exitError{replayExitTrouble, "usage: rules replay --rules DIR --since 7d [--accept] [--json] [--platform P] [--shop S]"}
	}
	since, err := parseSince(*sinceArg, time.Now())
	if err != nil {
		return &exitError{replayExitTrouble, "error: " + err.Error()}
	}
	filter := caseFilter{Platform: *platform, Shop: *shop, ActiveSince: since, AllRuns: true}
	query, err := filter.query()
	if err != nil {
		return &exitError{replayExitTrouble, "error: " + err.Error()}
	}
	// A rule that fails to evaluate escalates; the decision's note says why,
	// so the engine's own log lines would only repeat it.
	rs, err := loadRules(*dir, rules.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return &exitError{replayExitTrouble, "error: " + err.Error()}
	}
	dc, _, err := g.converters()
	if err != nil {
		return &exitError{replayExitTrouble, "error: " + err.Error()}
	}
	c, err := g.dial()
	if err != nil {
		return &exitError{replayExitTrouble, "error: " + err.Error()}
	}
	defer c.Close()

	r := &replayer{
		Client: c, DataConverter: dc, Rules: rs, Since: since,
		Platform: *platform, Shop: *shop, Progress: errOut, Parallel: *workers,
	}
	rep, err := r.run(ctx, query)
	if err != nil {
		return &exitError{replayExitTrouble, "error: " + err.Error()}
	}
	rep.RulesDir = *dir
	rep.Accepted = *accept && rep.Changed > 0
	if *asJSON {
		if err := writeJSON(out, rep); err != nil {
			return err
		}
	} else {
		rep.write(out)
	}
	if rep.Incomplete > 0 {
		return &exitError{replayExitTrouble, fmt.Sprintf("replay: %d run(s) could not be read (see above): the replay is incomplete", rep.Incomplete)}
	}
	if rep.Changed > 0 && !*accept {
		return &exitError{replayExitDiff, fmt.Sprintf("replay: %s would change; rerun with --accept to accept the change",
			countOn(rep.Changed, rep.ChangedCases))}
	}
	return nil
}

// historyClient is the part of client.Client a replay uses.
type historyClient interface {
	ListWorkflow(ctx context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	GetWorkflowHistory(ctx context.Context, workflowID, runID string, isLongPoll bool, filterType enums.HistoryEventFilterType) client.HistoryEventIterator
}

// replayer re-decides the evaluations recorded in case workflow histories
// with a candidate ruleset.
type replayer struct {
	Client historyClient
	// DataConverter decodes activity inputs and results: the one the worker
	// writes them with (a codec, if payloads are encrypted).
	DataConverter converter.DataConverter
	Rules         *rules.Ruleset
	Since         time.Time
	// Platform and Shop, if set, keep only those cases (the query filters on
	// search attributes already; the workflow ID is checked too).
	Platform, Shop string
	Progress       io.Writer // stderr; nil: quiet
	Parallel       int
}

// runRef names one run of a workflow.
type runRef struct{ WorkflowID, RunID string }

// recorded is one Evaluate call of a case workflow: the snapshot it passed
// and what the live rules answered.
type recorded struct {
	WorkflowID, RunID string
	Input             activities.EvaluateInput
	Live              activities.Evaluation
}

// evalCollector pairs, in one run's history, every scheduled Evaluate
// activity with its completion. Evaluations that failed or never finished
// have no recorded result and are only counted.
type evalCollector struct {
	dc      converter.DataConverter
	ref     runRef
	pending map[int64]activities.EvaluateInput // by scheduled event ID
	out     []recorded
}

func newEvalCollector(dc converter.DataConverter, ref runRef) *evalCollector {
	return &evalCollector{dc: dc, ref: ref, pending: map[int64]activities.EvaluateInput{}}
}

func (ec *evalCollector) add(ev *historypb.HistoryEvent) error {
	switch ev.GetEventType() {
	case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		attrs := ev.GetActivityTaskScheduledEventAttributes()
		if attrs.GetActivityType().GetName() != evaluateActivity {
			return nil
		}
		var in activities.EvaluateInput
		if err := ec.dc.FromPayloads(attrs.GetInput(), &in); err != nil {
			return fmt.Errorf("event %d: decoding the Evaluate input: %w (encrypted payloads need the worker's keys: AFTERSALE_PAYLOAD_KEYS)",
				ev.GetEventId(), err)
		}
		ec.pending[ev.GetEventId()] = in
	case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
		attrs := ev.GetActivityTaskCompletedEventAttributes()
		in, ok := ec.pending[attrs.GetScheduledEventId()]
		if !ok {
			return nil // another activity
		}
		delete(ec.pending, attrs.GetScheduledEventId())
		var live activities.Evaluation
		if err := ec.dc.FromPayloads(attrs.GetResult(), &live); err != nil {
			return fmt.Errorf("event %d: decoding the Evaluate result: %w (encrypted payloads need the worker's keys: AFTERSALE_PAYLOAD_KEYS)",
				ev.GetEventId(), err)
		}
		ec.out = append(ec.out, recorded{WorkflowID: ec.ref.WorkflowID, RunID: ec.ref.RunID, Input: in, Live: live})
	}
	return nil
}

// unanswered is how many Evaluate calls have no completion (failed, timed
// out, or still running).
func (ec *evalCollector) unanswered() int { return len(ec.pending) }

// verdict is how a candidate decision compares with the live one.
type verdict int

const (
	verdictSame      verdict = iota
	verdictOtherRule         // the same decision, taken by another rule
	verdictChanged           // another action, on_deadline or mode
)

// outcome is what a decision makes the workflow do: the fields of an
// Evaluation that change behaviour. on_deadline only matters to an
// escalation, and the mode only to an action on the platform (the workflow
// records a shadow agree instead of sending it; a shadow escalate or wait
// is just an escalate or wait).
type outcome struct {
	Action     platforms.Action
	OnDeadline platforms.Action
	Shadow     bool
}

func effective(ev activities.Evaluation) outcome {
	o := outcome{Action: ev.Action}
	if o.Action == "" {
		o.Action = platforms.ActionWait // as the workflow reads it
	}
	if o.Action == platforms.ActionEscalate {
		o.OnDeadline = ev.OnDeadline
	}
	if o.Action.Mutating() {
		o.Shadow = ev.Mode == rules.ModeShadow
	}
	return o
}

// String is "agree", "agree (shadow)", "escalate (on_deadline agree)".
func (o outcome) String() string {
	s := string(o.Action)
	if o.Shadow {
		s += " (shadow)"
	}
	if o.OnDeadline != "" {
		s += " (on_deadline " + string(o.OnDeadline) + ")"
	}
	return s
}

func classify(live, candidate activities.Evaluation) verdict {
	switch {
	case effective(live) != effective(candidate):
		return verdictChanged
	case live.Rule != candidate.Rule:
		return verdictOtherRule
	}
	return verdictSame
}

// decisionSide is one side of a compared decision.
type decisionSide struct {
	Decision    string           `json:"decision"` // what the workflow does, e.g. "agree (shadow)"
	Action      platforms.Action `json:"action"`
	Rule        string           `json:"rule"`
	OnDeadline  platforms.Action `json:"on_deadline,omitempty"`
	Mode        string           `json:"mode"`
	RulesetHash string           `json:"ruleset_hash"`
	Note        string           `json:"note,omitempty"`
}

func sideOf(ev activities.Evaluation) decisionSide {
	return decisionSide{Decision: effective(ev).String(), Action: ev.Action, Rule: ev.Rule, OnDeadline: ev.OnDeadline,
		Mode: ev.Mode, RulesetHash: ev.RulesetHash, Note: ev.Note}
}

// replayDiff is one recorded evaluation the candidate decides otherwise.
type replayDiff struct {
	Kind       string           `json:"kind"` // "changed" or "other_rule"
	WorkflowID string           `json:"workflow_id"`
	RunID      string           `json:"run_id"`
	At         time.Time        `json:"at"` // the evaluation's time (workflow time)
	Status     platforms.Status `json:"status"`
	Amount     int64            `json:"amount"` // the case's, minor units
	Currency   string           `json:"currency"`
	Live       decisionSide     `json:"live"`
	Candidate  decisionSide     `json:"candidate"`
}

// transition counts the changed decisions from one outcome to another.
type transition struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Decisions int    `json:"decisions"`
	Cases     int    `json:"cases"`
	// Amounts is the cases' amounts in minor units per currency; each case
	// counts once (at its latest changed decision), however often it was
	// evaluated.
	Amounts amounts `json:"amounts"`
}

// summarize groups the changed decisions by transition, most decisions first.
func summarize(diffs []replayDiff) []transition {
	type key struct{ from, to string }
	type caseAmount struct {
		at       time.Time
		amount   int64
		currency string
	}
	byKey := map[key]*transition{}
	perCase := map[key]map[string]caseAmount{}
	for _, d := range diffs {
		if d.Kind != "changed" {
			continue
		}
		k := key{d.Live.Decision, d.Candidate.Decision}
		tr := byKey[k]
		if tr == nil {
			tr = &transition{From: k.from, To: k.to, Amounts: amounts{}}
			byKey[k] = tr
			perCase[k] = map[string]caseAmount{}
		}
		tr.Decisions++
		if prev, ok := perCase[k][d.WorkflowID]; !ok || !d.At.Before(prev.at) {
			perCase[k][d.WorkflowID] = caseAmount{d.At, d.Amount, d.Currency}
		}
	}
	out := make([]transition, 0, len(byKey))
	for k, tr := range byKey {
		tr.Cases = len(perCase[k])
		for _, ca := range perCase[k] {
			tr.Amounts.add(ca.amount, ca.currency)
		}
		out = append(out, *tr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Decisions != out[j].Decisions {
			return out[i].Decisions > out[j].Decisions
		}
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
}

// replayReport is what `rules replay` prints (--json: as is).
type replayReport struct {
	RulesDir      string    `json:"rules_dir"`
	CandidateHash string    `json:"candidate_hash"`
	LiveHashes    []string  `json:"live_hashes"` // ruleset hashes the live decisions were made with
	Since         time.Time `json:"since"`
	Runs          int       `json:"runs"`  // workflow runs read
	Cases         int       `json:"cases"` // distinct case workflows read
	Decisions     int       `json:"decisions"`
	Unchanged     int       `json:"unchanged"`
	OtherRule     int       `json:"same_decision_other_rule"`
	Changed       int       `json:"changed"`
	ChangedCases  int       `json:"changed_cases"`
	// SkippedBeforeSince: evaluations in the runs read made before --since.
	SkippedBeforeSince int `json:"skipped_before_since"`
	// WithoutResult: Evaluate calls with no recorded result (failed, or in flight).
	WithoutResult int `json:"without_result"`
	// RunsGone: runs listed but deleted (retention) before they were read.
	RunsGone int `json:"runs_gone"`
	// Incomplete: runs whose history could not be read or decoded.
	Incomplete  int          `json:"incomplete"`
	Transitions []transition `json:"transitions"`
	Diffs       []replayDiff `json:"diffs"` // changed and other_rule, by time
	Accepted    bool         `json:"accepted"`
}

func (r *replayer) run(ctx context.Context, query string) (*replayReport, error) {
	runs, err := listRuns(ctx, r.Client, query, r.Progress, "replay")
	if err != nil {
		return nil, fmt.Errorf("listing case workflow runs: %w", err)
	}
	var kept []runRef
	for _, ref := range runs {
		if r.keeps(ref.WorkflowID) {
			kept = append(kept, ref)
		}
	}
	rep := &replayReport{CandidateHash: r.Rules.Hash, Since: r.Since, LiveHashes: []string{},
		Transitions: []transition{}, Diffs: []replayDiff{}}
	var (
		mu      sync.Mutex
		cases   = map[string]bool{}
		changed = map[string]bool{}
		hashes  = map[string]bool{}
	)
	prog := startProgress(r.Progress, "replay", "runs read", len(kept), progressEvery)
	jobs := make(chan runRef)
	var wg sync.WaitGroup
	for range max(1, r.Parallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ref := range jobs {
				res, err := r.replayRun(ctx, ref)
				mu.Lock()
				switch {
				case isNotFound(err):
					rep.RunsGone++
					warnf(r.Progress, "replay: %s (run %s) is gone (retention?); skipped", ref.WorkflowID, ref.RunID)
				case err != nil:
					rep.Incomplete++
					warnf(r.Progress, "replay: %s (run %s): %v", ref.WorkflowID, ref.RunID, err)
				default:
					rep.Runs++
					cases[ref.WorkflowID] = true
					rep.Decisions += res.decisions
					rep.Unchanged += res.unchanged
					rep.SkippedBeforeSince += res.skipped
					rep.WithoutResult += res.unanswered
					for h := range res.hashes {
						hashes[h] = true
					}
					for _, d := range res.diffs {
						if d.Kind == "changed" {
							rep.Changed++
							changed[d.WorkflowID] = true
						} else {
							rep.OtherRule++
						}
					}
					rep.Diffs = append(rep.Diffs, res.diffs...)
				}
				mu.Unlock()
				prog.Add(1)
			}
		}()
	}
feed:
	for _, ref := range kept {
		select {
		case jobs <- ref:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	prog.Stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Cases, rep.ChangedCases = len(cases), len(changed)
	rep.LiveHashes = append([]string{}, slices.Sorted(maps.Keys(hashes))...)
	sort.Slice(rep.Diffs, func(i, j int) bool {
		a, b := rep.Diffs[i], rep.Diffs[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		return a.WorkflowID < b.WorkflowID
	})
	rep.Transitions = summarize(rep.Diffs)
	return rep, nil
}

func (r *replayer) keeps(workflowID string) bool {
	p, shop, _, err := workflows.ParseCaseWorkflowID(workflowID)
	return err == nil && (r.Platform == "" || string(p) == r.Platform) && (r.Shop == "" || shop == r.Shop)
}

type runResult struct {
	decisions, unchanged, skipped, unanswered int
	hashes                                    map[string]bool
	diffs                                     []replayDiff
}

// replayRun reads one run's history and re-decides its evaluations in the window.
func (r *replayer) replayRun(ctx context.Context, ref runRef) (runResult, error) {
	res := runResult{hashes: map[string]bool{}}
	ec := newEvalCollector(r.DataConverter, ref)
	it := r.Client.GetWorkflowHistory(ctx, ref.WorkflowID, ref.RunID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return res, err
		}
		if err := ec.add(ev); err != nil {
			return res, err
		}
	}
	res.unanswered = ec.unanswered()
	for _, rec := range ec.out {
		if rec.Input.Now.Before(r.Since) {
			res.skipped++
			continue
		}
		res.decisions++
		if rec.Live.RulesetHash != "" {
			res.hashes[rec.Live.RulesetHash] = true
		}
		d, v := r.compare(rec)
		if v == verdictSame {
			res.unchanged++
			continue
		}
		res.diffs = append(res.diffs, d)
	}
	return res, nil
}

// compare decides the recorded snapshot with the candidate rules at its
// recorded time, exactly as the live worker's Evaluate does.
func (r *replayer) compare(rec recorded) (replayDiff, verdict) {
	c := rec.Input.Case
	d, _ := r.Rules.Evaluate(c, rec.Input.Now) // errors only without a ruleset
	cand := activities.Interpret(c, d)
	v := classify(rec.Live, cand)
	kind := "changed"
	if v == verdictOtherRule {
		kind = "other_rule"
	}
	return replayDiff{Kind: kind, WorkflowID: rec.WorkflowID, RunID: rec.RunID, At: rec.Input.Now,
		Status: c.Status, Amount: c.Amount, Currency: c.Currency, Live: sideOf(rec.Live), Candidate: sideOf(cand)}, v
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// write prints the report for people: one line per changed decision, the
// decisions that stay but under another rule, and the summary.
func (rep *replayReport) write(out io.Writer) {
	var changed, other []replayDiff
	for _, d := range rep.Diffs {
		if d.Kind == "changed" {
			changed = append(changed, d)
		} else {
			other = append(other, d)
		}
	}
	writeDiffs := func(title string, diffs []replayDiff) {
		if len(diffs) == 0 {
			return
		}
		fmt.Fprintln(out, title)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		for _, d := range diffs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s %s\t%s (%s) → %s (%s)\n", d.WorkflowID, d.At.Local().Format(time.RFC3339),
				d.Status, formatMinor(d.Amount, d.Currency), d.Currency,
				d.Live.Decision, d.Live.Rule, d.Candidate.Decision, d.Candidate.Rule)
		}
		tw.Flush()
		fmt.Fprintln(out)
	}
	writeDiffs("decisions that would change (live → candidate):", changed)
	writeDiffs("same decision, other rule (live → candidate):", other)

	live := "none"
	if len(rep.LiveHashes) > 0 {
		live = strings.Join(rep.LiveHashes, ", ")
	}
	fmt.Fprintf(out, "replay of %s (hash %s) against the live rules (hash %s), decisions since %s:\n",
		rep.RulesDir, rep.CandidateHash, live, rep.Since.Local().Format(time.RFC3339))
	for _, tr := range rep.Transitions {
		fmt.Fprintf(out, "  %s → %s: %s", tr.From, tr.To, countOn(tr.Decisions, tr.Cases))
		if s := tr.Amounts.String(); s != "" {
			fmt.Fprintf(out, ", %s", s)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "  same decision, other rule: %s\n", plural(rep.OtherRule, "decision"))
	fmt.Fprintf(out, "  unchanged: %s\n", plural(rep.Unchanged, "decision"))
	fmt.Fprintf(out, "read %s of %s: %s replayed; %s before --since skipped, %s without a recorded result",
		plural(rep.Runs, "run"), plural(rep.Cases, "case"), plural(rep.Decisions, "decision"),
		plural(rep.SkippedBeforeSince, "evaluation"), plural(rep.WithoutResult, "evaluation"))
	if rep.RunsGone > 0 {
		fmt.Fprintf(out, ", %s gone before they were read", plural(rep.RunsGone, "run"))
	}
	if rep.Incomplete > 0 {
		fmt.Fprintf(out, ", %s unreadable", plural(rep.Incomplete, "run"))
	}
	fmt.Fprintln(out)
	incomplete := ""
	if rep.Incomplete > 0 {
		incomplete = fmt.Sprintf(" in the runs read (INCOMPLETE: %s could not be read)", plural(rep.Incomplete, "run"))
	}
	switch {
	case rep.Changed == 0:
		fmt.Fprintf(out, "no decision changes%s\n", incomplete)
	case rep.Accepted:
		fmt.Fprintf(out, "accepted: %s change%s (--accept)\n", countOn(rep.Changed, rep.ChangedCases), incomplete)
	default:
		fmt.Fprintf(out, "%s would change%s\n", countOn(rep.Changed, rep.ChangedCases), incomplete)
	}
}

// countOn is "3 decisions on 2 cases".
func countOn(decisions, cases int) string {
	return plural(decisions, "decision") + " on " + plural(cases, "case")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// listRuns lists every run the query matches, reporting on progress (stderr)
// while a long listing pages on.
func listRuns(ctx context.Context, c historyClient, query string, progress io.Writer, label string) ([]runRef, error) {
	prog := startProgress(progress, label, "runs listed", 0, progressEvery)
	defer prog.Stop()
	var runs []runRef
	seen := map[runRef]bool{} // pages may overlap while runs close
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.Executions {
			ref := runRef{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId()}
			if !seen[ref] {
				seen[ref] = true
				runs = append(runs, ref)
			}
		}
		prog.Add(len(resp.Executions))
		token = resp.NextPageToken
		if len(token) == 0 {
			return runs, nil
		}
	}
}

// warnf writes one line to w (stderr), if there is one.
func warnf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}
