package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

func TestExplain(t *testing.T) {
	rs, err := LoadFS(Examples)
	if err != nil {
		t.Fatal(err)
	}
	c := refund(239900)
	c.GoodsStatus = platforms.GoodsShipped
	c.Deadline = testNow.Add(30 * time.Hour)
	x := rs.Explain(c, testNow)

	d, _ := rs.Evaluate(c, testNow)
	if x.Decision.Action != d.Action || x.Decision.RuleID != "big-ticket" || x.Decision.OnDeadline != platforms.ActionAgree {
		t.Errorf("decision = %+v", x.Decision)
	}
	var ids []string
	for _, s := range x.Steps {
		ids = append(ids, s.RuleID)
	}
	if got := strings.Join(ids, ","); got != "flagged,buyer-turn,big-ticket-senior,big-ticket-return,big-ticket" {
		t.Errorf("steps = %s", got)
	}
	last := x.Steps[len(x.Steps)-1]
	if !last.Matched || len(last.Values) != 2 || last.Values[0] != (Value{"amount", 2399.0}) || last.Values[1] != (Value{"kind", "refund"}) {
		t.Errorf("last step = %+v", last)
	}
	if len(x.Files) == 0 || !x.Files[0].Applies || x.Files[0].File != "examples/taobao.yaml" {
		t.Errorf("files = %+v, want taobao.yaml first", x.Files)
	}
	for _, f := range x.Files {
		if want := f.File == "examples/taobao.yaml" || f.File == "examples/all.yaml"; f.Applies != want {
			t.Errorf("file %s applies = %v, want %v (%s)", f.File, f.Applies, want, f.Why)
		}
	}

	out := x.String()
	for _, want := range []string{
		"case taobao/shop-a/R1: refund, status awaiting_seller (WAIT_SELLER_AGREE)",
		"amount 2399 CNY",
		"(30.0h left)",
		"ruleset " + rs.Hash,
		"applies  examples/taobao.yaml",
		"no     flagged (examples/taobao.yaml:",
		"with flags = []",
		`with status = "awaiting_seller"`,
		"MATCH  big-ticket (examples/taobao.yaml:",
		"when amount > 2000 && kind != \"exchange\"",
		`with amount = 2399, kind = "refund"`,
		"decision: escalate by rule big-ticket (examples/taobao.yaml), mode enforce",
		"on deadline: agree if nobody decides 2h0m0s before it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestExplainSkippedFilesAndErrors(t *testing.T) {
	rs := mustLoad(t, map[string]string{
		"a.yaml": "platform: taobao\nshops: [other]\n",
		"b.yaml": "platform: xiaoe\n",
		"c.yaml": "platform: \"*\"\nrules:\n  - id: bad\n    when: |\n      has_flag(\"x\") ||\n      flags[5] == \"y\"\n    then: agree\n",
	})
	out := rs.Explain(refund(100), testNow).String()
	for _, want := range []string{
		`skipped  a.yaml (shop "shop-a" not in [other])`,
		"skipped  b.yaml (platform xiaoe)",
		"ERROR  bad (c.yaml:3)",
		`when has_flag("x") || flags[5] == "y"`,
		"with flags = []",
		"error: index out of range",
		"decision: escalate by rule bad (c.yaml)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
