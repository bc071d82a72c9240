package rules

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// designExample is the example of DESIGN.md §5, verbatim.
const designExample = `# rules/taobao.yaml — one file per platform (or "*" for all), first match wins
platform: taobao
shops: ["*"]
mode: enforce               # shadow: decide and record, never act
deadline_margin: 2h
rules:
  - id: unshipped-small-refund
    when: kind == "refund" && goods_status == "not_shipped" && amount <= 200
    then: agree
  - id: big-ticket
    when: amount > 2000
    then: escalate
    note: "needs a senior agent"
    on_deadline: agree        # nobody decided by deadline - margin: take this action
  - id: refuse-after-receipt-without-reason
    when: status == "awaiting_seller" && goods_status == "received" && reason_id in [1001, 1002]
    then: refuse
    reason_id: 2
default: escalate
tests:
  - name: small unshipped refund is agreed
    case: {kind: refund, goods_status: not_shipped, amount: 99.5, status: awaiting_seller}
    expect: {action: agree, rule: unshipped-small-refund}
`

func TestLoadDesignExample(t *testing.T) {
	rs := mustLoad(t, map[string]string{"taobao.yaml": designExample})
	f := rs.Files[0]
	if f.Platform != "taobao" || f.Mode != ModeEnforce || f.DeadlineMargin != 2*time.Hour || f.Default != platforms.ActionEscalate {
		t.Errorf("file = %+v", f)
	}
	if len(f.Rules) != 3 || f.Rules[1].OnDeadline != platforms.ActionAgree || f.Rules[2].ReasonID != "2" {
		t.Errorf("rules = %+v", f.Rules)
	}
	for _, r := range rs.RunTests() {
		if !r.Pass {
			t.Error(r)
		}
	}
	c := refund(900000)
	c.Status, c.GoodsStatus, c.ReasonID = platforms.StatusAwaitingSeller, platforms.GoodsReceived, 1002
	c.Amount = 1000
	d, _ := rs.Evaluate(c, testNow)
	if d.Action != platforms.ActionRefuse || d.Params["reason_id"] != "2" {
		t.Errorf("decision = %+v", d)
	}
}

func TestLoadDefaults(t *testing.T) {
	rs := mustLoad(t, map[string]string{"a.yaml": "platform: xiaoe\n"})
	f := rs.Files[0]
	if f.Mode != ModeEnforce || f.DeadlineMargin != 2*time.Hour || f.Default != platforms.ActionEscalate ||
		len(f.Shops) != 1 || f.Shops[0] != "*" || f.Name != "a.yaml" || len(f.Hash) != 12 {
		t.Errorf("file = %+v", f)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // "line:col: message prefix" in order
	}{
		{"yaml syntax", "platform: taobao\nrules:\n  - id: x\n    when: a: b\n",
			[]string{"4:5: yaml: mapping values are not allowed in this context"}},
		{"yaml parser error", "platform: taobao\nshops: [a, b\n",
			[]string{"2:1: yaml: did not find expected ',' or ']'"}},
		{"unknown identifier", "platform: taobao\nrules:\n  - id: x\n    when: amount > 1 && foo\n    then: agree\n",
			[]string{"4:25: when: unknown name foo"}},
		{"unknown identifier, quoted", "platform: taobao\nrules:\n  - id: x\n    when: \"amount > 1 && foo\"\n    then: agree\n",
			[]string{"4:26: when: unknown name foo"}},
		{"unknown identifier, literal block", "platform: taobao\nrules:\n  - id: x\n    when: |\n      amount > 1\n        && foo\n    then: agree\n",
			[]string{"6:12: when: unknown name foo"}},
		{"unknown identifier, folded block", "platform: taobao\nrules:\n  - id: x\n    when: >-\n      amount > 1 &&\n      foo\n    then: agree\n",
			[]string{"6:7: when: unknown name foo"}},
		{"unknown identifier after non-ASCII", "platform: taobao\nrules:\n  - id: x\n    when: reason == \"质量问题\" && foo\n    then: agree\n",
			[]string{"4:31: when: unknown name foo"}},
		{"wall clock builtin", "platform: taobao\nrules:\n  - id: x\n    when: now() > deadline\n    then: agree\n",
			[]string{"4:11: when: time.Time is not callable"}},
		{"not bool", "platform: taobao\nrules:\n  - id: x\n    when: amount + 1\n    then: agree\n",
			[]string{"4:11: when: expected bool, but got float64"}},
		{"type error", "platform: taobao\nrules:\n  - id: x\n    when: kind == 1\n    then: agree\n",
			[]string{"4:16: when: invalid operation: == (mismatched types string and int)"}},
		{"unknown action", "platform: taobao\nrules:\n  - id: x\n    when: amount > 1\n    then: agreee\n",
			[]string{`5:11: then: unknown action "agreee"`}},
		{"unknown default", "platform: taobao\ndefault: ignore\n",
			[]string{`2:10: default: unknown action "ignore"`}},
		{"on_deadline not mutating", "platform: taobao\nrules:\n  - id: x\n    when: amount > 1\n    then: escalate\n    on_deadline: wait\n",
			[]string{"6:18: on_deadline must be an action that changes the case"}},
		{"duplicate id", "platform: taobao\nrules:\n  - id: x\n    when: amount > 1\n    then: agree\n  - id: x\n    when: amount > 2\n    then: agree\n",
			[]string{`6:5: duplicate rule id "x" (first at `}},
		{"empty when", "platform: taobao\nrules:\n  - id: x\n    when: \"\"\n    then: agree\n",
			[]string{`4:11: rule "x" needs a when: expression`}},
		{"missing when", "platform: taobao\nrules:\n  - id: x\n    then: agree\n",
			[]string{`3:5: rule "x" needs a when: expression`}},
		{"when not a string", "platform: taobao\nrules:\n  - id: x\n    when: [a]\n    then: agree\n",
			[]string{"4:11: when must be a single value"}},
		{"empty shops", "platform: taobao\nshops: []\n",
			[]string{"2:8: shops: empty list"}},
		{"bad shop glob", "platform: taobao\nshops: [\"a[\"]\n",
			[]string{`2:9: bad shop pattern "a["`}},
		{"bad mode", "platform: taobao\nmode: dry-run\n",
			[]string{`2:7: unknown mode "dry-run"`}},
		{"bad rule mode", "platform: taobao\nrules:\n  - id: x\n    when: amount > 1\n    then: agree\n    mode: shadw\n",
			[]string{`6:11: unknown mode "shadw"`}},
		{"bad duration", "platform: taobao\ndeadline_margin: 2 hours\n",
			[]string{`2:18: deadline_margin: invalid duration "2 hours"`}},
		{"unknown platform", "platform: tmall\n",
			[]string{`1:11: unknown platform "tmall"`}},
		{"missing platform", "shops: [a]\n",
			[]string{"1:1: platform is required"}},
		{"unknown key", "platform: taobao\nrules:\n  - id: x\n    when: amount > 1\n    then: agree\n    colour: red\n",
			[]string{`6:5: unknown key "colour" in a rule`}},
		{"unknown top-level key", "platform: taobao\nrule: []\n",
			[]string{`2:1: unknown key "rule" in a rule file`}},
		{"unknown test case key", "platform: taobao\ntests:\n  - name: t\n    case: {kind: refund, colour: red}\n    expect: {action: agree}\n",
			[]string{`4:26: unknown key "colour" in case`}},
		{"test case amount too precise", "platform: taobao\ntests:\n  - name: t\n    case: {amount: 1.234}\n    expect: {action: agree}\n",
			[]string{`4:20: amount 1.234 does not fit 2 decimals of CNY`}},
		{"test expects unknown rule", "platform: taobao\ntests:\n  - name: t\n    case: {}\n    expect: {rule: nope}\n",
			[]string{`5:20: expect.rule: no rule "nope" in this file`}},
		{"several errors, in order", "platform: tmall\nmode: x\ndefault: y\n",
			[]string{`1:11: unknown platform`, `2:7: unknown mode`, `3:10: default: unknown action`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"a.yaml": tt.file})
			rs, err := Load(dir)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", rs)
			}
			errs := Errors(err)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.want), err)
			}
			prefix := filepath.Join(dir, "a.yaml") + ":"
			for i, e := range errs {
				if got := e.Error(); !strings.HasPrefix(got, prefix+tt.want[i]) {
					t.Errorf("error %d:\n got %s\nwant %s%s...", i, got, prefix, tt.want[i])
				}
			}
		})
	}
}

func TestLoadCollectsAllFiles(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"a.yaml":      "platform: nope\n",
		"b.yml":       "platform: taobao\nrules:\n  - id: x\n    when: y\n    then: agree\n",
		"c.yaml":      "platform: xiaoe\nrules:\n  - id: x\n    when: amount > 1\n    then: agree\n",
		"notes.txt":   "not a rule file",
		".hidden.yml": "platform: nope\n",
	})
	_, err := Load(dir)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	var got []string
	for _, e := range Errors(err) {
		got = append(got, filepath.Base(e.File))
	}
	if strings.Join(got, ",") != "a.yaml,b.yml,c.yaml" {
		t.Errorf("errors in %v, want a.yaml, b.yml, c.yaml:\n%v", got, err)
	}
}

func TestLoadEmptyDir(t *testing.T) {
	_, err := Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no *.yaml or *.yml rule files") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadFS(t *testing.T) {
	rs, err := LoadFS(fstest.MapFS{
		"team-a/taobao.yaml": {Data: []byte("platform: taobao\n")},
		"all.yml":            {Data: []byte("platform: \"*\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Files) != 2 || rs.Files[0].Name != "all.yml" || rs.Files[1].Name != "team-a/taobao.yaml" {
		t.Errorf("files = %v, %v", rs.Files[0].Name, rs.Files[1].Name)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2h", 2 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"1d", 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"0s", 0, true},
		{"2", 0, false},
		{"-1h", 0, false},
		{"xd", 0, false},
		{"1d-1h", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLoadNullValuesKeepDefaults(t *testing.T) {
	rs := mustLoad(t, map[string]string{"a.yaml": "platform: taobao\nshops:\nrules:\ntests:\n"})
	if f := rs.Files[0]; len(f.Shops) != 1 || f.Shops[0] != "*" || len(f.Rules) != 0 {
		t.Errorf("file = %+v", f)
	}
}
