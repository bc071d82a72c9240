package bench

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/taobao"
	"github.com/aftersale/aftersale/rules"
)

func TestPercentile(t *testing.T) {
	s := func(secs ...int) []time.Duration {
		out := make([]time.Duration, len(secs))
		for i, v := range secs {
			out[i] = time.Duration(v) * time.Second
		}
		return out
	}
	for _, tc := range []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{s(7), 50, 7 * time.Second},
		{s(7), 95, 7 * time.Second},
		{s(1, 2, 3, 4), 50, 2 * time.Second},
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Second},
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 95, 10 * time.Second},
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Second},
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 100, 10 * time.Second},
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0, 1 * time.Second},
	} {
		if got := Percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tc.in, tc.p, got, tc.want)
		}
	}
}

func TestLatencyStats(t *testing.T) {
	lat := []time.Duration{9 * time.Second, time.Second, 12 * time.Second, 4 * time.Second}
	s := latencyStats(lat, 1, 10*time.Second)
	want := LatencyStats{Changes: 5, Seen: 4, P50: 4 * time.Second, P95: 12 * time.Second, Max: 12 * time.Second, WithinInterval: 3}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	if lat[0] != 9*time.Second {
		t.Fatal("latencyStats sorted its input")
	}
}

func TestLatenciesUseTheFirstReadAfterTheChange(t *testing.T) {
	l := newReadLog()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l.hook("taobao", Shop, "a", t0)                       // before the change
	l.hook("taobao", Shop, "a", t0.Add(time.Millisecond)) // during the store call: may not have seen it
	l.hook("taobao", Shop, "a", t0.Add(3*time.Second))
	l.hook("taobao", Shop, "a", t0.Add(5*time.Second))
	l.hook("taobao", Shop, "b", t0)
	changes := []applied{
		{caseID: "a", before: t0, done: t0.Add(2 * time.Millisecond)},
		{caseID: "b", before: t0.Add(time.Second), done: t0.Add(time.Second)},
	}
	lat, unseen := latencies(changes, l)
	if len(lat) != 1 || lat[0] != 3*time.Second || unseen != 1 {
		t.Fatalf("lat %v unseen %d", lat, unseen)
	}
	if l.distinct() != 2 {
		t.Fatalf("distinct = %d", l.distinct())
	}
}

func TestSchedule(t *testing.T) {
	const n, hour = 1000, 2 * time.Minute
	got := Schedule(n, 0.05, hour, 7)
	if len(got) != 50 {
		t.Fatalf("%d changes, want round(1000*0.05) = 50", len(got))
	}
	seen := map[int]bool{}
	slot := hour / 50
	for i, c := range got {
		if c.Case < 0 || c.Case >= n || seen[c.Case] {
			t.Fatalf("change %d: case %d out of range or repeated", i, c.Case)
		}
		seen[c.Case] = true
		if c.At < 0 || c.At >= hour {
			t.Fatalf("change %d at %v, outside the hour", i, c.At)
		}
		if i > 0 && c.At < got[i-1].At {
			t.Fatalf("not sorted at %d", i)
		}
		// Uniform spread: change i falls in the i-th slot.
		if c.At < time.Duration(i)*slot || c.At >= time.Duration(i+1)*slot {
			t.Fatalf("change %d at %v, outside its slot [%v, %v)", i, c.At, time.Duration(i)*slot, time.Duration(i+1)*slot)
		}
	}
	again := Schedule(n, 0.05, hour, 7)
	for i := range got {
		if got[i] != again[i] {
			t.Fatal("the same seed gave a different schedule")
		}
	}
	if other := Schedule(n, 0.05, hour, 8); other[0] == got[0] && other[1] == got[1] {
		t.Fatal("another seed gave the same schedule")
	}
	for _, tc := range []struct {
		n    int
		rate float64
		want int
	}{{10000, 0.05, 500}, {10, 0.05, 1}, {10, 0.04, 0}, {10, 2, 10}, {3, 0.5, 2}} {
		if got := ChangeCount(tc.n, tc.rate); got != tc.want {
			t.Errorf("ChangeCount(%d, %v) = %d, want %d", tc.n, tc.rate, got, tc.want)
		}
	}
	if Schedule(10, 0.04, hour, 1) != nil {
		t.Fatal("no change expected")
	}
}

func TestSample(t *testing.T) {
	if got := sample(5, 10, 1); len(got) != 5 || got[0] != 0 || got[4] != 4 {
		t.Fatalf("all cases: %v", got)
	}
	got := sample(10000, 1000, 1)
	if len(got) != 1000 {
		t.Fatalf("%d", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("not sorted or repeated at %d", i)
		}
	}
}

func TestPeakAndOverBudget(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var at []time.Time
	for i := range 10 { // 10 calls 100 ms apart: 10 within a second
		at = append(at, t0.Add(time.Duration(i)*100*time.Millisecond))
	}
	at = append(at, t0.Add(5*time.Second))
	if got := PeakPerSecond(at); got != 10 {
		t.Fatalf("peak %d, want 10", got)
	}
	if got := PeakPerSecond(nil); got != 0 {
		t.Fatalf("peak of nothing %d", got)
	}
	if got := OverBudget(at, 10); got != 0 {
		t.Fatalf("at budget: %d over", got)
	}
	// A burst of 10 at once against 5/s: the bucket holds 5.
	burst := make([]time.Time, 10)
	for i := range burst {
		burst[i] = t0
	}
	if got := OverBudget(burst, 5); got != 5 {
		t.Fatalf("burst: %d over, want 5", got)
	}
	if got := OverBudget(burst, 0); got != 0 {
		t.Fatalf("no budget: %d", got)
	}
}

func TestParseProcStatus(t *testing.T) {
	in := "Name:\tworker\nVmPeak:\t 2000000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nRssAnon:\t   40608 kB\nThreads:\t12\n"
	m, err := parseProcStatus(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.HWM != 200<<20 || m.RSS != 100<<20 || m.Anon != 40608<<10 {
		t.Fatalf("%+v", m)
	}
	if _, err := parseProcStatus(strings.NewReader("Name:\tx\n")); err == nil {
		t.Fatal("want an error without VmHWM/VmRSS")
	}
}

func TestCallsDiffAndScale(t *testing.T) {
	before := sandbox.CallStats{Calls: map[string]map[string]int{"taobao": {"taobao.refund.get": 1000, "taobao.refunds.receive.get": 10}}}
	after := sandbox.CallStats{Calls: map[string]map[string]int{"taobao": {"taobao.refund.get": 1050, "taobao.refunds.receive.get": 10, "taobao.rp.refunds.agree": 3}}}
	got := callsDiff(before, after, "taobao")
	if len(got) != 2 || got["taobao.refund.get"] != 50 || got["taobao.rp.refunds.agree"] != 3 || total(got) != 53 {
		t.Fatalf("%v", got)
	}
	if s := scale(map[string]int{"x": 12001}, 10000, 1000); s["x"] != 120010 {
		t.Fatalf("%v", s)
	}
	if s := scale(map[string]int{"x": 7}, 1000, 1000); s["x"] != 7 {
		t.Fatalf("unsampled counts must stay: %v", s)
	}
}

func TestMarkdown(t *testing.T) {
	o := DefaultOptions()
	o.RateLimit = 300
	lat := LatencyStats{Changes: 50, Seen: 50, P50: 5 * time.Second, P95: 9500 * time.Millisecond, Max: 10200 * time.Millisecond, WithinInterval: 48}
	push := LatencyStats{Changes: 25, Seen: 25, P50: 2600 * time.Millisecond, P95: 4900 * time.Millisecond, Max: 5100 * time.Millisecond, WithinInterval: 25}
	r1 := Result{
		Cases: 1000, Changes: 50, Hour: 2 * time.Minute, Grace: 20 * time.Second, SyncInterval: 10 * time.Second,
		ChangesByKind: map[string]int{ChangeShip: 25, ChangeEdit: 25},
		Ours: Side{Calls: map[string]int{"taobao.refund.get": 50, "taobao.refunds.receive.get": 14}, Peak: 9,
			Latency: map[string]LatencyStats{"": lat, ChangeShip: push, ChangeEdit: lat}},
		Naive: Side{Calls: map[string]int{"taobao.refund.get": 14000}, Measured: map[string]int{"taobao.refund.get": 14000}, Peak: 101,
			Latency: map[string]LatencyStats{"": lat, ChangeShip: lat, ChangeEdit: lat}},
		NaiveSample: 1000, Workflows: 1000, Mem: ProcMem{HWM: 210 << 20, RSS: 200 << 20, Anon: 90 << 20},
		Discovery: 65 * time.Second, DiscoveryCalls: map[string]int{"taobao.refund.get": 1000, "taobao.refunds.receive.get": 11},
	}
	r2 := r1
	r2.Cases, r2.Changes, r2.NaiveSample, r2.Workflows = 10000, 500, 1000, 10000
	r2.Ours.Calls = map[string]int{"taobao.refund.get": 500, "taobao.refunds.receive.get": 20}
	r2.Naive.Calls = map[string]int{"taobao.refund.get": 140000}
	r2.Naive.Measured = map[string]int{"taobao.refund.get": 14000}
	md := (&Report{Options: o, Results: []Result{r1, r2}}).Markdown()
	for _, want := range []string{
		"| | 1,000 open: aftersale | 1,000 open: per-case poller | 10,000 open: aftersale | 10,000 open: per-case poller |",
		"|---|---:|---:|---:|---:|",
		"| changed cases | 50 | 50 | 500 | 500 |",
		"| `taobao.refund.get` | 50 | 14,000 | 500 | 140,000* |",
		"| `taobao.refunds.receive.get` | 14 | 0 | 20 | 0 |",
		"| **platform calls** | **64** | **14,000** | **520** | **140,000*** |",
		"| calls per changed case | 1.28 | 280 | 1.04 | 280 |",
		"| per-case poller ÷ aftersale |  | **219×** |  | **269×** |",
		"| pushed change (buyer ships, TMC message) → read p50 / p95 / max | 2.6s / 4.9s / 5.1s | 5s / 9.5s / 10.2s |",
		"| unannounced change (no message: sync only) → read p50 / p95 / max | 5s / 9.5s / 10.2s |",
		"| changes seen within one sync interval (10s) | 48 / 50 |",
		"TMC messages consumed every 5s",
		"| worker RSS peak / end (VmHWM / VmRSS) | 210 MB / 200 MB (90 MB anon) | – |",
		"| running case workflows | 1,000 | – | 10,000 | – |",
		"| first discovery (calls, time) | 1,011 calls, 1m5s | – |",
		"scaled ×10",
		"1 simulated hour = 2m real; sync every 10s",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Count(md, "scaled ×") != 1 {
		t.Errorf("only the 10,000 scenario is scaled:\n%s", md)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 140000: "140,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{219.4: "219", 26.93: "26.9", 1.28: "1.28", 1.0: "1", 0.05 * 100: "5", 300: "300", 12.0: "12"} {
		if got := num(in); got != want {
			t.Errorf("num(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[time.Duration]string{2 * time.Minute: "2m", 10 * time.Second: "10s", 90 * time.Second: "1m30s", 7 * 24 * time.Hour: "168h"} {
		if got := fmtDur(in); got != want {
			t.Errorf("fmtDur(%v) = %q, want %q", in, got, want)
		}
	}
}

// The generated worker config is a valid production config file.
func TestWorkerConfigLoads(t *testing.T) {
	t.Setenv(envSecret, sandbox.DefaultTOPAppSecret)
	t.Setenv(envSession, sandbox.TOPSessionFor(Shop))
	for _, k := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "AFTERSALE_RULES_DIR"} {
		t.Setenv(k, "")
	}
	wc := workerConfig{
		TemporalAddress: "127.0.0.1:7777", Namespace: "default", RulesDir: "/r",
		Gateway: "http://127.0.0.1:9/router/rest", SyncInterval: 10 * time.Second, Overlap: 5 * time.Second,
		Lookback: 7 * 24 * time.Hour, RateLimit: 300, CacheSize: 1500, Messages: true, MessagesInterval: 3 * time.Second,
	}
	path := filepath.Join(t.TempDir(), "w.yaml")
	if err := os.WriteFile(path, []byte(wc.yaml()), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatalf("%v\n%s", err, wc.yaml())
	}
	s := c.Shops[0]
	if c.Temporal.Address != "127.0.0.1:7777" || c.Sync.Interval != 10*time.Second || c.Sync.Overlap != 5*time.Second ||
		c.Sync.Lookback != 7*24*time.Hour || c.PollInterval != 2*time.Hour || c.WorkflowCacheSize != 1500 ||
		s.Platform != platforms.Taobao || s.Shop != Shop || s.CallsPerSecond() != 300 ||
		!s.Messages || c.Sync.MessagesInterval != 3*time.Second ||
		s.Secret() != sandbox.DefaultTOPAppSecret || s.SessionKey() != sandbox.TOPSessionFor(Shop) {
		t.Fatalf("%+v", c)
	}
}

func TestChangeKind(t *testing.T) {
	for i, want := range []string{ChangeShip, ChangeEdit, ChangeShip, ChangeEdit} {
		if got := changeKind(ChangeMixed, i); got != want {
			t.Errorf("mixed change %d: %s, want %s", i, got, want)
		}
	}
	if changeKind(ChangeEdit, 0) != ChangeEdit || changeKind(ChangeShip, 1) != ChangeShip {
		t.Error("a single kind must stay itself")
	}
}

// The seeded cases and both kinds of change are what the example rules
// expect: wait, wait again, or confirm receipt; only the ship is a move
// that TOP announces with a TMC message.
func TestSeededCasesAndChangesMeetTheExampleRules(t *testing.T) {
	engine, err := rules.NewEngine("../../rules/examples")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 20 {
		seed := seedCase(i, now, rng)
		if seed["sandbox_buyer_ships"] != false {
			t.Fatal("the simulated buyer must not ship on its own")
		}
		for _, tc := range []struct {
			kind     string
			status   platforms.Status
			action   platforms.Action
			rule     string
			messages int
		}{
			{"", platforms.StatusAwaitingBuyerReturn, platforms.ActionWait, "buyer-turn", 0},
			{ChangeEdit, platforms.StatusAwaitingBuyerReturn, platforms.ActionWait, "buyer-turn", 0},
			{ChangeShip, platforms.StatusAwaitingSellerReceipt, platforms.ActionConfirmReceipt, "small-return-received", 1},
		} {
			sb := sandbox.New(sandbox.Options{BuyerShipAfter: buyerShipAfter})
			if err := sb.PutCase(sandbox.PlatformTaobao, Shop, seed); err != nil {
				t.Fatal(err)
			}
			orig := stored(t, sb)
			if tc.kind != "" {
				if err := applyChange(sb, tc.kind, changed(seed, tc.kind, now, now.UnixMilli()+int64(i))); err != nil {
					t.Fatal(err)
				}
			}
			c := stored(t, sb)
			if c.Status != tc.status || c.Kind != platforms.KindReturn || len(c.Flags) != 0 || c.Deadline.Before(now) {
				t.Fatalf("case %d after %q: %+v", i, tc.kind, c)
			}
			if tc.kind != "" && !orig.Changed(c) {
				t.Fatalf("case %d: a %s is not a change to the workflow", i, tc.kind)
			}
			if got := sb.TMCBacklog(); got != tc.messages {
				t.Fatalf("case %d after %q: %d TMC messages, want %d", i, tc.kind, got, tc.messages)
			}
			d, err := engine.Evaluate(c, now)
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != tc.action || d.RuleID != tc.rule {
				t.Fatalf("case %d (%s): rules say %s by %s, want %s by %s", i, c.PlatformStatus, d.Action, d.RuleID, tc.action, tc.rule)
			}
		}
	}
}

// stored reads the only case of sb as the TOP client would parse it.
func stored(t *testing.T, sb *sandbox.Sandbox) platforms.Case {
	t.Helper()
	cs := sb.Cases(sandbox.PlatformTaobao, Shop)
	if len(cs) != 1 {
		t.Fatalf("%d cases", len(cs))
	}
	return parse(t, cs[0].Case)
}

func parse(t *testing.T, native map[string]any) platforms.Case {
	t.Helper()
	b, err := json.Marshal(native)
	if err != nil {
		t.Fatal(err)
	}
	var r taobao.Refund
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	c, err := taobao.ParseRefund(Shop, r)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
