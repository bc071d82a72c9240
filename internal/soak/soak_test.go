package soak

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
)

var (
	soakCases = flag.Int("soak.cases", 60, "cases of TestSoak's run (a larger run: -soak.cases 1000 -timeout 60m)")
	soakKills = flag.Int("soak.kills", 5, "worker kills of TestSoak's run")
	soakSeed  = flag.Uint64("soak.seed", 1, "seed of TestSoak's run")
	soakKeep  = flag.Bool("soak.keep", false, "keep TestSoak's files (worker config and logs)")
	soakBin   = flag.String("soak.worker", "", "prebuilt worker binary for TestSoak (default: build ./worker)")
)

// TestSoak runs a real chaos soak: worker binary, embedded Temporal,
// sandbox with 20% faults, pushes, kills. Nothing may be lost, duplicated,
// late or wrong.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos soak: skipped in -short mode")
	}
	o := DefaultOptions()
	o.Cases, o.Kills, o.Seed, o.KeepFiles, o.WorkerBin = *soakCases, *soakKills, *soakSeed, *soakKeep, *soakBin
	o.Timeout = 10 * time.Minute
	if o.Cases > 200 {
		o.Timeout = 45 * time.Minute
	}
	if dl, ok := t.Deadline(); ok {
		o.Timeout = min(o.Timeout, time.Until(dl)-30*time.Second)
	}
	o.Log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var out strings.Builder
	rep, err := Run(context.Background(), o, &out)
	t.Log("\n" + out.String())
	if path := os.Getenv("AFTERSALE_SOAK_REPORT"); path != "" {
		os.WriteFile(path, []byte(out.String()), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seeded != o.Cases || rep.Kills != o.Kills {
		t.Errorf("seeded %d of %d cases, killed %d of %d times", rep.Seeded, o.Cases, rep.Kills, o.Kills)
	}
	if len(rep.Lost) != 0 || len(rep.Duplicates) != 0 || len(rep.AfterDeadline) != 0 || len(rep.Wrong) != 0 || !rep.Drained {
		t.Errorf("lost %d, duplicates %d, after deadline %d, wrong %d, drained %t",
			len(rep.Lost), len(rep.Duplicates), len(rep.AfterDeadline), len(rep.Wrong), rep.Drained)
	}
	// The run must have exercised what it claims to.
	if rep.FaultsTotal == 0 || rep.Pushes.Sent == 0 || rep.Pushes.Duplicates == 0 || rep.ActionsApplied == 0 {
		t.Errorf("nothing exercised: faults %d, pushes %+v, actions applied %d", rep.FaultsTotal, rep.Pushes, rep.ActionsApplied)
	}
	if rep.DeadlineClass[DeadlineExpiring] == 0 || rep.DeadlineClass[DeadlineMargin] == 0 {
		t.Errorf("no near deadlines: %v", rep.DeadlineClass)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func TestPlanSpreadsCases(t *testing.T) {
	now := time.Now()
	for _, n := range []int{4, 60, 1000} {
		cases, sets := plan(n, now, 90*time.Second, 7)
		if len(cases) != n {
			t.Fatalf("n=%d: planned %d", n, len(cases))
		}
		by := map[platforms.Platform]int{}
		ids := map[string]bool{}
		sb := sandbox.New(sandbox.Options{})
		for _, c := range cases {
			by[c.Platform]++
			if ids[c.WorkflowID()] {
				t.Fatalf("n=%d: %s twice", n, c.WorkflowID())
			}
			ids[c.WorkflowID()] = true
			if err := sb.PutCase(string(c.Platform), c.Shop, c.Native); err != nil {
				t.Fatalf("n=%d: %s: %v", n, c.WorkflowID(), err)
			}
			if c.Class == DeadlineExpiring && (c.Deadline.Before(now.Add(5*time.Second)) || c.Deadline.After(now.Add(90*time.Second))) {
				t.Errorf("%s: expiring deadline %s outside the window", c.WorkflowID(), c.Deadline.Sub(now))
			}
		}
		if len(by) != 4 {
			t.Errorf("n=%d: platforms %v", n, by)
		}
		// Every stored case is found under the id the clients give it.
		for _, sc := range sb.Cases("", "") {
			if !ids["case/"+sc.Platform+"/"+sc.Shop+"/"+storedID(sc)] {
				t.Errorf("stored %s/%s %q is not a planned case", sc.Platform, sc.Shop, storedID(sc))
			}
		}
		if n == 1000 {
			shops := 0
			for _, s := range sets {
				shops += len(s.shops)
			}
			if shops < 8 {
				t.Errorf("1000 cases in %d shops", shops)
			}
		}
	}
}

func TestDuplicatesAndLateActions(t *testing.T) {
	s := &Seeded{Platform: platforms.Taobao, Shop: "tb", CaseID: "1"}
	x := &Seeded{Platform: platforms.Xiaoe, Shop: "xe", CaseID: "A1", OrderID: "o1", SKU: "k1", Deadline: time.Unix(100, 0)}
	at := func(sec int64) time.Time { return time.Unix(sec, 0) }
	acts := attribute([]sandbox.Action{
		{Platform: "taobao", Shop: "tb", CaseID: "1", Action: "taobao.rp.refunds.agree", At: at(1), OK: false, Version: "v1"}, // faulted, not applied
		{Platform: "taobao", Shop: "tb", CaseID: "1", Action: "taobao.rp.refunds.agree", At: at(2), OK: true, Version: "v1"},
		{Platform: "taobao", Shop: "tb", CaseID: "1", Action: "taobao.rp.refunds.agree", At: at(3), OK: false, Version: "v2"}, // resent: duplicate
		{Platform: "taobao", Shop: "tb", CaseID: "1", Action: "taobao.rp.returngoods.agree", At: at(4), OK: true, Version: "v2",
			AfterDeadline: true, Deadline: at(3)},
		{Platform: "xiaoe", Shop: "xe", CaseID: "", Action: "xe.order.refund", At: at(101), Params: map[string]string{"order_id": "o1", "sku_id": "k1"}},
	}, []*Seeded{s, x})
	if d := duplicates(acts); len(d) != 1 || !d[0].At.Equal(at(3)) || d[0].Case != s.WorkflowID() {
		t.Errorf("duplicates %+v", d)
	}
	late := afterDeadline(acts)
	if len(late) != 2 || !late[0].At.Equal(at(4)) || late[1].Case != x.WorkflowID() || !late[1].Deadline.Equal(x.Deadline) {
		t.Errorf("after deadline %+v", late)
	}
}

func TestFaultReason(t *testing.T) {
	for reason, want := range map[string]bool{
		"cannot read the case from taobao: timed out":            true,
		"agree failed: taobao transient: HTTP 500":               true,
		"rules could not be evaluated: boom":                     true,
		"over 2,000 yuan: needs an agent":                        false,
		"nobody decided before deadline - margin: over 2,000 yu": false,
	} {
		if got := faultReason(reason); got != want {
			t.Errorf("faultReason(%q) = %t", reason, got)
		}
	}
}

func TestStatusKeys(t *testing.T) {
	ret := map[string]any{"status": "OPEN", "return_line_items": []any{}, "sandbox_package_status": "CLOSED"}
	c := platforms.Case{Platform: platforms.Shopline, ID: "return-1", PlatformStatus: "OPEN", GoodsStatus: platforms.GoodsReturned}
	if statusKey(platforms.Shopline, ret) != viewKey(c) {
		t.Errorf("%s != %s", statusKey(platforms.Shopline, ret), viewKey(c))
	}
	c.GoodsStatus = platforms.GoodsReceived
	if statusKey(platforms.Shopline, ret) == viewKey(c) {
		t.Error("an arrived package must differ from one on its way")
	}
}
