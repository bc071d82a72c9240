package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/rules"
)

func TestClassify(t *testing.T) {
	ev := func(action platforms.Action, rule, mode string, onDeadline platforms.Action) activities.Evaluation {
		return activities.Evaluation{Action: action, Rule: rule, Mode: mode, OnDeadline: onDeadline, RulesetHash: "h-" + rule}
	}
	for _, tc := range []struct {
		name            string
		live, candidate activities.Evaluation
		want            verdict
	}{
		{"identical", ev("agree", "r1", "enforce", ""), ev("agree", "r1", "enforce", ""), verdictSame},
		{"another rule only", ev("agree", "r1", "enforce", ""), ev("agree", "r2", "enforce", ""), verdictOtherRule},
		{"action", ev("agree", "r1", "enforce", ""), ev("escalate", "r1", "enforce", ""), verdictChanged},
		{"action and rule", ev("agree", "small", "enforce", ""), ev("escalate", "default", "enforce", ""), verdictChanged},
		{"agree to shadow agree", ev("agree", "r1", "enforce", ""), ev("agree", "r1", "shadow", ""), verdictChanged},
		{"shadow to enforce, another rule", ev("refuse", "r1", "shadow", ""), ev("refuse", "r2", "enforce", ""), verdictChanged},
		{"mode of an escalation does nothing", ev("escalate", "r1", "enforce", ""), ev("escalate", "r1", "shadow", ""), verdictSame},
		{"mode of a wait does nothing", ev("wait", "r1", "shadow", ""), ev("wait", "r2", "enforce", ""), verdictOtherRule},
		{"on_deadline dropped", ev("escalate", "big", "enforce", "agree"), ev("escalate", "big", "enforce", ""), verdictChanged},
		{"on_deadline changed", ev("escalate", "big", "enforce", "agree"), ev("escalate", "big", "enforce", "agree_return"), verdictChanged},
		{"on_deadline of a non-escalation is moot", ev("agree", "r1", "enforce", "refuse"), ev("agree", "r1", "enforce", ""), verdictSame},
		{"no action is wait", ev("", "r1", "enforce", ""), ev("wait", "r1", "enforce", ""), verdictSame},
	} {
		if got := classify(tc.live, tc.candidate); got != tc.want {
			t.Errorf("%s: classify = %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := effective(ev("escalate", "x", "shadow", "agree")).String(); got != "escalate (on_deadline agree)" {
		t.Errorf("effective escalate = %q", got)
	}
	if got := effective(ev("agree", "x", "shadow", "")).String(); got != "agree (shadow)" {
		t.Errorf("effective shadow agree = %q", got)
	}
}

func TestSummarizeAmounts(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	d := func(kind, wid string, minutes int, amount int64, currency, from, to string) replayDiff {
		return replayDiff{Kind: kind, WorkflowID: wid, At: at.Add(time.Duration(minutes) * time.Minute), Amount: amount, Currency: currency,
			Live: decisionSide{Decision: from}, Candidate: decisionSide{Decision: to}}
	}
	diffs := []replayDiff{
		d("changed", "case/taobao/s/1", 0, 15000, "CNY", "agree", "escalate"),
		d("changed", "case/taobao/s/2", 1, 19999, "CNY", "agree", "escalate"),
		d("changed", "case/taobao/s/3", 2, 10001, "CNY", "agree", "escalate"),
		// the same case evaluated again (its amount changed): counted once, at its latest amount
		d("changed", "case/taobao/s/1", 5, 15001, "CNY", "agree", "escalate"),
		d("changed", "case/shopline/s/4", 3, 4999, "USD", "agree", "escalate"),
		d("changed", "case/shopline/s/5", 3, 3980, "JPY", "agree", "escalate"),
		d("changed", "case/taobao/s/6", 4, 239900, "CNY", "escalate (on_deadline agree)", "escalate"),
		d("other_rule", "case/taobao/s/7", 4, 100, "CNY", "agree", "agree"),
	}
	trs := summarize(diffs)
	if len(trs) != 2 {
		t.Fatalf("transitions = %+v, want 2", trs)
	}
	first := trs[0]
	if first.From != "agree" || first.To != "escalate" || first.Decisions != 6 || first.Cases != 5 {
		t.Errorf("first transition = %+v, want agree → escalate, 6 decisions on 5 cases", first)
	}
	if want := (amounts{"CNY": 15001 + 19999 + 10001, "USD": 4999, "JPY": 3980}); !equalAmounts(first.Amounts, want) {
		t.Errorf("amounts = %v, want %v", first.Amounts, want)
	}
	if got, want := first.Amounts.String(), "450.01 CNY + 3980 JPY + 49.99 USD"; got != want {
		t.Errorf("amounts = %q, want %q", got, want)
	}
	if second := trs[1]; second.Decisions != 1 || second.Cases != 1 || second.Amounts.String() != "2399.00 CNY" {
		t.Errorf("second transition = %+v", second)
	}
}

func equalAmounts(a, b amounts) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFormatMinor(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{45000, "CNY", "450.00"}, {5, "CNY", "0.05"}, {-1999, "USD", "-19.99"}, {3980, "JPY", "3980"},
		{1234, "KWD", "1.234"}, {-9223372036854775808, "CNY", "-92233720368547758.08"}, {0, "", "0.00"},
	} {
		if got := formatMinor(tc.minor, tc.currency); got != tc.want {
			t.Errorf("formatMinor(%d, %s) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
	}
}

// history builds events of one run: each entry schedules an activity and,
// unless result is nil, completes it.
type fakeActivity struct {
	name   string
	input  any
	result any
}

func history(t *testing.T, dc converter.DataConverter, acts ...fakeActivity) []*historypb.HistoryEvent {
	t.Helper()
	var evs []*historypb.HistoryEvent
	id := int64(1)
	for _, a := range acts {
		in, err := dc.ToPayloads(a.input)
		if err != nil {
			t.Fatal(err)
		}
		scheduled := id
		evs = append(evs, &historypb.HistoryEvent{EventId: id, EventType: enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
			Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
				ActivityType: &common.ActivityType{Name: a.name}, Input: in}}})
		id++
		if a.result == nil {
			continue
		}
		res, err := dc.ToPayloads(a.result)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, &historypb.HistoryEvent{EventId: id, EventType: enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
			Attributes: &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{
				ScheduledEventId: scheduled, Result: res}}})
		id++
	}
	return evs
}

func TestEvalCollector(t *testing.T) {
	dc := converter.GetDefaultDataConverter()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	in := activities.EvaluateInput{Case: platforms.Case{Platform: "taobao", Shop: "s", ID: "1", Amount: 9900, Currency: "CNY"}, Now: now}
	live := activities.Evaluation{Action: "agree", Rule: "small", RulesetHash: "abc", Mode: "enforce", Margin: 2 * time.Hour}
	ec := newEvalCollector(dc, runRef{"case/taobao/s/1", "run1"})
	for _, ev := range history(t, dc,
		fakeActivity{"ReadCase", activities.CaseRef{Platform: "taobao", Shop: "s", CaseID: "1"}, in.Case},
		fakeActivity{"Evaluate", in, live},
		fakeActivity{"Evaluate", in, nil}, // failed or in flight
	) {
		if err := ec.add(ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(ec.out) != 1 || ec.unanswered() != 1 {
		t.Fatalf("recorded %d, unanswered %d; want 1 and 1", len(ec.out), ec.unanswered())
	}
	got := ec.out[0]
	if !got.Input.Now.Equal(now) || got.Input.Case.Amount != 9900 || got.Live.Rule != "small" || got.Live.Margin != 2*time.Hour || got.RunID != "run1" {
		t.Fatalf("recorded %+v", got)
	}

	// A payload the converter cannot read (e.g. encrypted) is an error naming the event.
	bad := history(t, dc, fakeActivity{"Evaluate", "not an input", nil})
	if err := newEvalCollector(dc, runRef{"case/taobao/s/1", "run2"}).add(bad[0]); err == nil || !strings.Contains(err.Error(), "event 1: decoding the Evaluate input") {
		t.Fatalf("undecodable input: %v", err)
	}
}

// fakeHistory serves ListWorkflow and GetWorkflowHistory from memory.
type fakeHistory struct {
	runs    []runRef
	events  map[runRef][]*historypb.HistoryEvent
	queries []string
}

func (f *fakeHistory) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.queries = append(f.queries, req.Query)
	resp := &workflowservice.ListWorkflowExecutionsResponse{}
	// two pages, to exercise paging
	start, end := 0, len(f.runs)/2
	if string(req.NextPageToken) == "2" {
		start, end = end, len(f.runs)
	} else {
		resp.NextPageToken = []byte("2")
	}
	for _, r := range f.runs[start:end] {
		resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{Execution: &common.WorkflowExecution{WorkflowId: r.WorkflowID, RunId: r.RunID}})
	}
	return resp, nil
}

func (f *fakeHistory) GetWorkflowHistory(_ context.Context, wid, rid string, _ bool, _ enums.HistoryEventFilterType) client.HistoryEventIterator {
	evs, ok := f.events[runRef{wid, rid}]
	if !ok {
		return &sliceIter{err: serviceerror.NewNotFound("gone")}
	}
	return &sliceIter{evs: evs}
}

type sliceIter struct {
	evs []*historypb.HistoryEvent
	err error
}

func (s *sliceIter) HasNext() bool { return s.err != nil || len(s.evs) > 0 }
func (s *sliceIter) Next() (*historypb.HistoryEvent, error) {
	if s.err != nil {
		err := s.err
		s.err = nil
		return nil, err
	}
	ev := s.evs[0]
	s.evs = s.evs[1:]
	return ev, nil
}

func TestReplayerEndToEnd(t *testing.T) {
	dc := converter.GetDefaultDataConverter()
	live, err := rules.Load("../rules/examples")
	if err != nil {
		t.Fatal(err)
	}
	candDir := t.TempDir()
	copyDir(t, "../rules/examples", candDir)
	path := filepath.Join(candDir, "taobao.yaml")
	src, _ := os.ReadFile(path)
	flipped := strings.Replace(string(src), `goods_status == "not_shipped" && amount <= 200`, `goods_status == "not_shipped" && amount <= 100`, 1)
	if flipped == string(src) {
		t.Fatal("the example rule to flip is not where expected")
	}
	writeFile(t, path, flipped)
	cand, err := rules.Load(candDir)
	if err != nil {
		t.Fatal(err)
	}

	since := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	refund := func(shop, id string, fen int64) platforms.Case {
		return platforms.Case{Platform: "taobao", Shop: shop, ID: id, Kind: platforms.KindRefund, Role: platforms.RoleSeller,
			Status: platforms.StatusAwaitingSeller, PlatformStatus: "WAIT_SELLER_AGREE", GoodsStatus: platforms.GoodsNotShipped,
			Amount: fen, Currency: "CNY", Allowed: []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse}}
	}
	// What the live worker recorded: its own rules' answer, through Interpret.
	eval := func(c platforms.Case, at time.Time) fakeActivity {
		d, err := live.Evaluate(c, at)
		if err != nil {
			t.Fatal(err)
		}
		return fakeActivity{"Evaluate", activities.EvaluateInput{Case: c, Now: at}, activities.Interpret(c, d)}
	}
	at := since.Add(time.Hour)
	f := &fakeHistory{events: map[runRef][]*historypb.HistoryEvent{}}
	add := func(ref runRef, acts ...fakeActivity) {
		f.runs = append(f.runs, ref)
		if acts != nil {
			f.events[ref] = history(t, dc, acts...)
		}
	}
	// case 1 continued as new: its first run decided before and after since, the second run after.
	add(runRef{"case/taobao/s1/1", "a"}, eval(refund("s1", "1", 15000), since.Add(-time.Hour)), eval(refund("s1", "1", 15000), at))
	add(runRef{"case/taobao/s1/1", "b"}, eval(refund("s1", "1", 15000), at.Add(time.Minute)))
	add(runRef{"case/taobao/s1/2", "a"}, eval(refund("s1", "2", 9900), at))                     // agree in both
	add(runRef{"case/taobao/s1/3", "a"}, eval(refund("s1", "3", 18000), at.Add(2*time.Minute))) // agree → escalate
	add(runRef{"case/taobao/other/4", "a"}, eval(refund("other", "4", 15000), at))              // another shop: not read
	add(runRef{"case/taobao/s1/5", "a"})                                                        // deleted before it was read
	f.runs = append(f.runs, runRef{"case/taobao/s1/6", "a"})                                    // a payload it cannot decode
	f.events[runRef{"case/taobao/s1/6", "a"}] = history(t, dc, fakeActivity{"Evaluate", "not an input", nil})

	var progress bytes.Buffer
	r := &replayer{Client: f, DataConverter: dc, Rules: cand, Since: since, Shop: "s1", Progress: &progress, Parallel: 3}
	rep, err := r.run(context.Background(), "the query")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 4 || rep.Cases != 3 || rep.Decisions != 4 || rep.SkippedBeforeSince != 1 || rep.RunsGone != 1 || rep.Incomplete != 1 {
		t.Errorf("report counts = %+v", rep)
	}
	if rep.Changed != 3 || rep.ChangedCases != 2 || rep.Unchanged != 1 || rep.OtherRule != 0 {
		t.Errorf("changed %d on %d cases, unchanged %d, other rule %d", rep.Changed, rep.ChangedCases, rep.Unchanged, rep.OtherRule)
	}
	if len(rep.Transitions) != 1 || rep.Transitions[0].From != "agree" || rep.Transitions[0].To != "escalate" ||
		rep.Transitions[0].Amounts.String() != "330.00 CNY" {
		t.Errorf("transitions = %+v", rep.Transitions)
	}
	if len(rep.LiveHashes) != 1 || rep.LiveHashes[0] != live.Hash || rep.CandidateHash != cand.Hash {
		t.Errorf("hashes: live %v (want %s), candidate %s", rep.LiveHashes, live.Hash, rep.CandidateHash)
	}
	if !strings.Contains(progress.String(), "case/taobao/s1/5 (run a) is gone") ||
		!strings.Contains(progress.String(), "case/taobao/s1/6 (run a): event 1: decoding the Evaluate input") {
		t.Errorf("stderr lacks the gone run:\n%s", progress.String())
	}

	rep.RulesDir = candDir
	var out bytes.Buffer
	rep.write(&out)
	for _, want := range []string{
		"decisions that would change (live → candidate):",
		"case/taobao/s1/3", "awaiting_seller", "180.00 CNY", "agree (unshipped-small-refund) → escalate (default)",
		"agree → escalate: 3 decisions on 2 cases, 330.00 CNY",
		"read 4 runs of 3 cases: 4 decisions replayed; 1 evaluation before --since skipped",
		"3 decisions on 2 cases would change in the runs read (INCOMPLETE: 1 run could not be read)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "case/taobao/s1/2") || strings.Contains(out.String(), "other/4") {
		t.Errorf("report lists an unchanged or filtered case:\n%s", out.String())
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(to, e.Name()), string(data))
	}
}

func TestProgress(t *testing.T) {
	var buf syncBuffer
	p := startProgress(&buf, "replay", "runs read", 10, 5*time.Millisecond)
	p.Add(3)
	time.Sleep(30 * time.Millisecond)
	p.Add(7)
	p.Stop()
	out := buf.String()
	if !strings.Contains(out, "replay: 3/10 runs read") || !strings.HasSuffix(out, "replay: 10/10 runs read\n") {
		t.Errorf("progress:\n%s", out)
	}
	var quiet syncBuffer
	p = startProgress(&quiet, "replay", "runs read", 10, time.Hour)
	p.Add(10)
	p.Stop()
	if quiet.String() != "" {
		t.Errorf("a short run printed progress: %q", quiet.String())
	}
}

type syncBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func (b *syncBuffer) lock() {
	if b.mu == nil {
		b.mu = make(chan struct{}, 1)
	}
	b.mu <- struct{}{}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.lock()
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.lock()
	defer func() { <-b.mu }()
	return b.buf.String()
}

func TestReplayUsageErrors(t *testing.T) {
	broken := t.TempDir()
	writeFile(t, filepath.Join(broken, "taobao.yaml"), "platform: taobao\nrules:\n  - id: r1\n    when: amount > 10 && colour == \"red\"\n    then: agree\ndefault: escalate\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"broken rules name file line col", []string{"rules", "replay", "--rules", broken, "--since", "7d"}, "taobao.yaml:4:"},
		{"no rules", []string{"rules", "replay", "--since", "7d"}, "usage: rules replay"},
		{"bad since", []string{"rules", "replay", "--rules", "../rules/examples", "--since", "7 days"}, "invalid duration"},
		{"no since", []string{"rules", "replay", "--rules", "../rules/examples"}, "--since is required"},
		{"quote in shop", []string{"rules", "replay", "--rules", "../rules/examples", "--since", "1h", "--shop", "a'b"}, "cannot contain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
			if code != 2 || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 {
				t.Fatalf("exit %d (want 2), stdout %q, stderr:\n%s\nwant it to contain %q", code, out.String(), errOut.String(), tc.want)
			}
		})
	}
	// A plain error exits 1 with "error:"; an exitError carries its own code and text.
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"cases", "list", "--status", "open"}, &bytes.Buffer{}, &errOut); code != 1 ||
		!strings.HasPrefix(errOut.String(), "error: --status") {
		t.Fatalf("cases list --status open: exit %d, %s", code, errOut.String())
	}
	var ee *exitError
	if !errors.As(error(&exitError{3, "x"}), &ee) {
		t.Fatal("exitError does not unwrap")
	}
}
