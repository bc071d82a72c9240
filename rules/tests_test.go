package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

func TestRunTestsExamples(t *testing.T) {
	rs, err := LoadFS(Examples)
	if err != nil {
		t.Fatal(err)
	}
	results := rs.RunTests()
	if len(results) < 10 {
		t.Errorf("only %d tests in the examples", len(results))
	}
	for _, r := range results {
		if !r.Pass {
			t.Error(r)
		}
	}
	// Every rule of every example file is tested.
	tested := map[string]bool{}
	for _, r := range results {
		tested[r.Got.RuleID] = true
	}
	for _, f := range rs.Files {
		for _, r := range f.Rules {
			if !tested[r.ID] {
				t.Errorf("%s: rule %s has no test", f.Name, r.ID)
			}
		}
	}
}

func TestRunTestsReportsFailures(t *testing.T) {
	rs := mustLoad(t, map[string]string{
		"taobao.yaml": `platform: taobao
rules:
  - id: small
    when: amount <= 200
    then: agree
tests:
  - name: passes
    case: {amount: 200, status: awaiting_seller}
    expect: {action: agree, rule: small}
  - name: wrong action
    case: {amount: 200.01, status: awaiting_seller}
    expect: {action: agree}
  - name: wrong rule
    case: {amount: 1, status: awaiting_seller}
    expect: {rule: default}
  - name: guard wins
    case: {amount: 1, status: unknown}
    expect: {action: agree}
`,
		// Tests are file-local: this file's rule would match every taobao
		// case if it were evaluated with taobao.yaml, and vice versa.
		"zz-all.yaml": `platform: "*"
rules:
  - id: all-agree
    when: true
    then: refuse
tests:
  - name: local
    case: {amount: 1, status: awaiting_seller}
    expect: {action: refuse, rule: all-agree}
`,
	})
	results := rs.RunTests()
	var got []string
	for _, r := range results {
		got = append(got, r.String())
	}
	want := []string{
		"PASS taobao.yaml:7 passes",
		"FAIL taobao.yaml:10 wrong action: got escalate by default, want agree (note: no rule matched)",
		"FAIL taobao.yaml:13 wrong rule: got agree by small, want rule default",
		`FAIL taobao.yaml:16 guard wins: got escalate by small, want agree (note: safety: status is unknown (platform status ""); rule small wanted agree, a human must decide)`,
		"PASS zz-all.yaml:7 local",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := results[1]; r.Pass || r.Want.Action != platforms.ActionAgree || r.Got.Action != platforms.ActionEscalate || r.File != "taobao.yaml" {
		t.Errorf("result = %+v", r)
	}
}

func TestTestCases(t *testing.T) {
	rs := mustLoad(t, map[string]string{"xiaoe.yaml": `platform: xiaoe
shops: [xe-shop]
rules:
  - id: r
    when: true
    then: wait
tests:
  - name: defaults
    case: {}
    expect: {action: wait}
  - name: everything
    now: 2026-05-01T08:00:00Z
    case:
      platform: xiaoe
      shop: s2
      case_id: C1
      order_id: O1
      kind: return
      role: seller
      status: awaiting_seller_receipt
      platform_status: "5"
      amount: 0.29
      currency: USD
      reason: broken
      reason_id: 12
      goods_status: returned
      flags: [cs_involved]
      items: 3
      hours_left: 1.5
    expect: {action: wait}
  - name: deadline
    case: {deadline: 2026-01-02T12:00:00+08:00, amount_minor: 199}
    expect: {action: wait}
`})
	ts := rs.Files[0].Tests
	c0 := ts[0].Case
	now0, _ := time.Parse(time.RFC3339, DefaultTestNow)
	if c0.Platform != platforms.Xiaoe || c0.Shop != "xe-shop" || c0.Currency != "CNY" || c0.Role != platforms.RoleSeller ||
		!ts[0].Now.Equal(now0) || !c0.Deadline.IsZero() {
		t.Errorf("defaults: %+v now %v", c0, ts[0].Now)
	}
	c1 := ts[1].Case
	now1 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	if c1.Shop != "s2" || c1.ID != "C1" || c1.OrderID != "O1" || c1.Kind != platforms.KindReturn ||
		c1.Status != platforms.StatusAwaitingSellerReceipt || c1.PlatformStatus != "5" || c1.Amount != 29 ||
		c1.Currency != "USD" || c1.Reason != "broken" || c1.ReasonID != 12 || c1.GoodsStatus != platforms.GoodsReturned ||
		!c1.HasFlag(platforms.FlagCSInvolved) || len(c1.Items) != 3 || !ts[1].Now.Equal(now1) ||
		!c1.Deadline.Equal(now1.Add(90*time.Minute)) {
		t.Errorf("everything: %+v now %v", c1, ts[1].Now)
	}
	if e := NewEnv(c1, ts[1].Now); e.HoursLeft != 1.5 || e.Amount != 0.29 {
		t.Errorf("env: %+v", e)
	}
	c2 := ts[2].Case
	if c2.Amount != 199 || !c2.Deadline.Equal(now0.Add(24*time.Hour)) {
		t.Errorf("deadline: %+v", c2)
	}
}
