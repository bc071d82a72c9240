package bench

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enums "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/workflows"
)

func TestMedianAndRatio(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 90}, 10},
	} {
		in := append([]float64(nil), tc.in...)
		if got := Median(in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("Median sorted its input: %v", in)
			}
		}
	}
	if got := Ratio(30, 100); got != 0.3 {
		t.Errorf("Ratio = %v", got)
	}
	if got := Ratio(30, 0); got != 0 {
		t.Errorf("Ratio by 0 = %v", got)
	}
	r := &ThroughputReport{Batches: []Batch{
		{Kind: KindTrivial, Round: 0, N: 10, Wall: time.Second}, // warm-up: not counted
		{Kind: KindTrivial, Round: 1, N: 100, Wall: time.Second},
		{Kind: KindCase, Round: 1, N: 100, Wall: 2 * time.Second},
		{Kind: KindTrivial, Round: 2, N: 100, Wall: 500 * time.Millisecond},
		{Kind: KindCase, Round: 2, N: 100, Wall: 4 * time.Second},
		{Kind: KindTrivial, Round: 3, N: 100, Wall: 2 * time.Second},
		{Kind: KindCase, Round: 3, N: 100, Wall: 2500 * time.Millisecond},
	}}
	if got := r.Rates(KindTrivial); len(got) != 3 || got[0] != 100 || got[1] != 200 || got[2] != 50 {
		t.Fatalf("trivial rates %v", got)
	}
	if got := r.Ratio(); got != 0.4 { // median 40 over median 100
		t.Fatalf("ratio %v, want 0.4", got)
	}
	if (Batch{N: 5}).Rate() != 0 || (Batch{}).CPUPer() != 0 {
		t.Fatal("an empty batch has no rate")
	}
}

func TestSummarizeHistories(t *testing.T) {
	ev := func(typ enums.EventType) *historypb.HistoryEvent { return &historypb.HistoryEvent{EventType: typ} }
	act := func(name string) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventType: enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
			Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{
				ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
					ActivityType: &commonpb.ActivityType{Name: name}}}}
	}
	a := []*historypb.HistoryEvent{
		ev(enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED), ev(enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
		ev(enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), act("ReadCase"),
		ev(enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), act("Evaluate"), ev(enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
	}
	b := []*historypb.HistoryEvent{ev(enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED), act("ReadCase"), ev(enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)}
	s := summarizeHistories([][]*historypb.HistoryEvent{a, b})
	if s.Sampled != 2 || s.Events != 5 || s.WorkflowTasks != 1.5 || s.Activities != 1.5 || s.Signals != 0.5 || s.Upserts != 0.5 {
		t.Fatalf("%+v", s)
	}
	if s.ByActivity["ReadCase"] != 1 || s.ByActivity["Evaluate"] != 0.5 {
		t.Fatalf("by activity %v", s.ByActivity)
	}
	if got := activitiesCell(s); got != "1.5 (Evaluate 0.5, ReadCase 1)" {
		t.Fatalf("activities cell %q", got)
	}
	if z := summarizeHistories(nil); z.Sampled != 0 || z.Events != 0 {
		t.Fatalf("%+v", z)
	}
}

func TestCheckOneAgree(t *testing.T) {
	ok := func(id string) sandbox.Action {
		return sandbox.Action{Platform: "taobao", Shop: Shop, CaseID: id, Action: agreeMethod, OK: true}
	}
	other := sandbox.Action{Platform: "taobao", Shop: "someone-else", CaseID: "9", Action: "taobao.rp.refunds.refuse", OK: true}
	if err := checkOneAgree([]sandbox.Action{ok("1"), ok("2"), other}, Shop, []string{"1", "2"}); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		acts []sandbox.Action
		want string
	}{
		"twice":   {[]sandbox.Action{ok("1"), ok("1"), ok("2")}, "case 1: 2 agrees"},
		"missing": {[]sandbox.Action{ok("1")}, "case 2: 0 agrees"},
		"failed":  {[]sandbox.Action{ok("1"), ok("2"), {Shop: Shop, CaseID: "2", Action: agreeMethod, Error: "isv.x"}}, "unexpected action"},
		"refused": {[]sandbox.Action{ok("1"), ok("2"), {Shop: Shop, CaseID: "1", Action: "taobao.rp.refunds.refuse", OK: true}}, "unexpected action taobao.rp.refunds.refuse"},
		"stray":   {[]sandbox.Action{ok("1"), ok("2"), ok("3")}, "case 3: 1 agrees for a case not in the batch"},
	} {
		err := checkOneAgree(tc.acts, Shop, []string{"1", "2"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
	if err := oneAgreeDecision([]workflows.Decision{{Action: platforms.ActionAgree, Outcome: workflows.OutcomeDone}}); err != nil {
		t.Fatal(err)
	}
	two := []workflows.Decision{{Action: platforms.ActionAgree, Outcome: workflows.OutcomeDone}, {Action: platforms.ActionAgree, Outcome: workflows.OutcomeDone}}
	if oneAgreeDecision(two) == nil || oneAgreeDecision([]workflows.Decision{{Action: platforms.ActionAgree, Outcome: workflows.OutcomeFailed}}) == nil {
		t.Fatal("want errors")
	}
}

func TestParseProcStatAndSpread(t *testing.T) {
	// comm with spaces and a parenthesis; utime 250, stime 50 ticks.
	s := "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 2000000 500 18446744073709551615\n"
	d, err := parseProcStat(s)
	if err != nil || d != 3*time.Second {
		t.Fatalf("%v, %v; want 3s", d, err)
	}
	if _, err := parseProcStat("4242 (x) S 1 2"); err == nil {
		t.Fatal("want an error for a short line")
	}
	if processCPU() < 0 {
		t.Fatal("negative CPU time")
	}
	if got := spread(10, 3); len(got) != 3 || got[0] != 0 || got[1] != 3 || got[2] != 6 {
		t.Fatalf("spread %v", got)
	}
	if got := spread(2, 5); len(got) != 2 || got[1] != 1 {
		t.Fatalf("spread %v", got)
	}
	if id := tpCaseID(3, 42); len(id) != 19 || id != "2028000000030000042" {
		t.Fatalf("case id %q", id)
	}
}

func TestStartAndWait(t *testing.T) {
	var started, waited atomic.Int64
	err := startAndWait(context.Background(), 100, 8,
		func(context.Context, int) error { started.Add(1); return nil },
		func(context.Context, int) error { waited.Add(1); return nil })
	if err != nil || started.Load() != 100 || waited.Load() != 100 {
		t.Fatalf("err %v, started %d, waited %d", err, started.Load(), waited.Load())
	}
	boom := errors.New("boom")
	err = startAndWait(context.Background(), 100, 4,
		func(_ context.Context, i int) error {
			if i == 10 {
				return boom
			}
			return nil
		},
		func(context.Context, int) error { return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	err = startAndWait(context.Background(), 5, 2, func(context.Context, int) error { return nil },
		func(_ context.Context, i int) error {
			if i == 3 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom from a wait", err)
	}
}

func TestThroughputMarkdown(t *testing.T) {
	o := DefaultThroughputOptions()
	r := &ThroughputReport{
		Options: o, CPUs: 2, MaxProcs: 2, LoadBefore: "1.50 1.20 1.00", LoadAfter: "2.10 1.60 1.20",
		Batches: []Batch{
			{Kind: KindTrivial, Round: 0, N: 50, Wall: 500 * time.Millisecond},
			{Kind: KindCase, Round: 0, N: 50, Wall: time.Second},
			{Kind: KindTrivial, Round: 1, N: 500, Wall: 5 * time.Second, CPU: 10 * time.Second},
			{Kind: KindCase, Round: 1, N: 500, Wall: 10 * time.Second, CPU: 20 * time.Second},
			{Kind: KindTrivial, Round: 2, N: 500, Wall: 4 * time.Second, CPU: 8 * time.Second},
			{Kind: KindCase, Round: 2, N: 500, Wall: 12500 * time.Millisecond, CPU: 25 * time.Second},
			{Kind: KindTrivial, Round: 3, N: 500, Wall: 5 * time.Second, CPU: 10 * time.Second},
			{Kind: KindCase, Round: 3, N: 500, Wall: 10 * time.Second, CPU: 20 * time.Second},
		},
		Trivial: HistoryStats{Sampled: 20, Events: 11, WorkflowTasks: 2, Activities: 1,
			ByActivity: map[string]float64{TrivialActivityName: 1}},
		Case: HistoryStats{Sampled: 20, Events: 31, WorkflowTasks: 5, Activities: 4, Signals: 1, Upserts: 1,
			ByActivity: map[string]float64{"Act": 1, "Evaluate": 1, "ReadCase": 1, "ReserveBudget": 1}},
		CaseCalls: map[string]int{"taobao.refund.get": 4500, "taobao.rp.refunds.agree": 1500},
		CaseCount: 1500, Agreed: 1550,
		Memory: &MemoryResult{
			Open: 2000, Escalated: 2000, Escalation: 40 * time.Second,
			Before:         MemSnap{HeapInuse: 100 << 20, HeapAlloc: 60 << 20, StackInuse: 10 << 20, Goroutines: 3000},
			Waiting:        MemSnap{HeapInuse: 300 << 20, HeapAlloc: 160 << 20, StackInuse: 20 << 20, Goroutines: 7000},
			Emptied:        MemSnap{HeapInuse: 200 << 20, HeapAlloc: 110 << 20, StackInuse: 15 << 20, Goroutines: 3000},
			CacheSeparated: true, History: HistoryStats{Sampled: 20, Events: 25},
		},
	}
	md := r.Markdown()
	for _, want := range []string{
		"### bench throughput: 500 workflows per batch, 3 round(s), payloads encrypted",
		"load average 1.50 1.20 1.00 before, 2.10 1.60 1.20 after",
		"| | trivial workflow (1 no-op activity) | after-sale case (small TOP refund, agreed) |\n|---|---:|---:|\n",
		"| warm-up (unmeasured) | 50 in 500ms | 50 in 1s |",
		"| round 1 | 100/s (500 in 5s) | 50/s (500 in 10s) |",
		"| round 2 | 125/s (500 in 4s) | 40/s (500 in 12.5s) |",
		"| **median rate** | **100/s** | **50/s** |",
		"| case ÷ trivial |  | **50%** |",
		"| history events per workflow | 11 | 31 |",
		"| workflow tasks per workflow | 2 | 5 |",
		"| activities per workflow | 1 (BenchNoopActivity 1) | 4 (Act 1, Evaluate 1, ReadCase 1, ReserveBudget 1) |",
		"| process CPU per workflow (median; server + worker + sandbox) | 20 ms | 40 ms |",
		"| process CPU per history event | 1.82 ms | 1.29 ms |",
		"| signals / search-attribute upserts per workflow | 0 / 0 | 1 / 1 |",
		"| TOP calls per case | – | 4 (`taobao.refund.get` 3, `taobao.rp.refunds.agree` 1) |",
		"all 1,550 (warm-up included)",
		"| 2,000 open escalated cases (5,999.00 refunds waiting for a human) | per open case | total |",
		"| **process heap per open case, server + worker** (HeapInuse after GC) | **102 KB** | 100 MB → 300 MB |",
		"| live heap (HeapAlloc after GC), server + worker | 51.2 KB | 60 MB → 160 MB |",
		"| goroutines, server + worker | 2 | 3,000 → 7,000 |",
		"| goroutine stacks (StackInuse), server + worker | 5.12 KB | 10 MB → 20 MB |",
		"| worker's sticky cache: heap in use | 51.2 KB | 300 MB → 200 MB without it |",
		"| worker's sticky cache: live heap | 25.6 KB | 160 MB → 110 MB without it |",
		"| worker's sticky cache: goroutines (workflow coroutines) | 2 | 7,000 → 3,000 without it |",
		"| **worker's sticky cache: heap in use + its goroutines' stacks** | **56.3 KB** | |",
		"| the rest of the heap: server (mutable state cache, matching, visibility) + client | 51.2 KB | |",
		"| history events per open case | 25 | |",
		"as production should run",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	r.Memory.CacheSeparated = false
	r.Options.Encrypt = false
	md = r.Markdown()
	if strings.Contains(md, "sticky cache: heap") || !strings.Contains(md, "could not be separated") || !strings.Contains(md, "NOT encrypted") {
		t.Errorf("unseparated, unencrypted report:\n%s", md)
	}
	r.Memory = nil
	if md := r.Markdown(); strings.Contains(md, "open escalated cases") {
		t.Errorf("no memory table expected:\n%s", md)
	}
}

func TestThroughputOptions(t *testing.T) {
	o := DefaultThroughputOptions()
	if err := o.fill(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultThroughputOptions()
	bad.Cases, bad.Rounds, bad.Open, bad.RateLimit = 0, 0, -1, 0
	err := bad.fill()
	for _, want := range []string{"cases must be positive", "rounds must be positive", "must not be negative", "rate limit"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// TestThroughputRun is one real, small run: sanity, not timings.
func TestThroughputRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server and runs workflows; skipped in -short mode")
	}
	o := DefaultThroughputOptions()
	o.Cases, o.Rounds, o.Open, o.Warmup = 20, 1, 50, 5
	o.BatchTimeout, o.OpenTimeout = 3*time.Minute, 3*time.Minute
	var md strings.Builder
	rep, err := RunThroughput(context.Background(), o, io.MultiWriter(&md))
	if err != nil {
		t.Fatalf("%v\n%s", err, md.String())
	}
	t.Log("\n" + md.String())
	if len(rep.Rates(KindTrivial)) != 1 || len(rep.Rates(KindCase)) != 1 {
		t.Fatalf("batches %+v", rep.Batches)
	}
	if Median(rep.Rates(KindTrivial)) <= 0 || Median(rep.Rates(KindCase)) <= 0 || rep.Ratio() <= 0 {
		t.Fatalf("rates %v %v", rep.Rates(KindTrivial), rep.Rates(KindCase))
	}
	// Exactly one agree per case was checked at the sandbox, warm-up included.
	if rep.Agreed != 25 || rep.CaseCount != 20 || rep.CaseCalls[agreeMethod] != 20 {
		t.Fatalf("agreed %d, measured cases %d, agree calls %d", rep.Agreed, rep.CaseCount, rep.CaseCalls[agreeMethod])
	}
	if rep.Trivial.Activities != 1 || rep.Case.ByActivity["Act"] != 1 || rep.Case.Signals != 1 {
		t.Fatalf("histories: trivial %+v, case %+v", rep.Trivial, rep.Case)
	}
	m := rep.Memory
	if m == nil || m.Escalated != 50 || m.Waiting.HeapInuse == 0 || m.History.Sampled == 0 {
		t.Fatalf("memory %+v", m)
	}
	if !strings.Contains(md.String(), "process heap per open case, server + worker") {
		t.Fatalf("report:\n%s", md.String())
	}
}
