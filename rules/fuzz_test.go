package rules

// Fuzz targets for the rule loader: a whole rule file (LoadFS on one YAML
// file) and a `when:` expression alone (the expr compile path, with its
// file:line:col mapping). Either the file loads, and then evaluates typical
// cases, runs its own tests and explains a case without panicking, or Load
// returns errors that each carry the file, a line and a column inside it.
//
//	GOTOOLCHAIN=local go test ./rules -run '^$' -fuzz '^FuzzRuleFile$' -fuzztime 20s

import (
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"gopkg.in/yaml.v3"
)

// fuzzCases are typical cases of every platform, and the dangerous ones:
// an unknown status, flagged cases, a big amount, an expired deadline.
func fuzzCases() []platforms.Case {
	var out []platforms.Case
	for _, p := range []platforms.Platform{platforms.Taobao, platforms.Xiaoe, platforms.Shopline, platforms.Xportcn} {
		c := refund(9900)
		c.Platform = p
		out = append(out, c)
	}
	unknown := refund(100)
	unknown.Status, unknown.PlatformStatus = platforms.StatusUnknown, "NEW_STATUS"
	flagged := refund(100)
	flagged.Flags = []string{platforms.FlagCSInvolved, platforms.FlagCannotRefuse}
	big := refund(1 << 62)
	big.Kind, big.GoodsStatus, big.Items = platforms.KindReturn, platforms.GoodsReturned, make([]platforms.Item, 3)
	late := refund(500)
	late.Deadline = testNow.Add(-time.Hour)
	late.ReasonID = 1001
	return append(out, unknown, flagged, big, late, platforms.Case{})
}

// checkLoad checks what loading data as file name gave.
func checkLoad(t *testing.T, name string, data []byte, rs *Ruleset, err error) {
	t.Helper()
	if err != nil {
		errs := Errors(err)
		if len(errs) == 0 {
			t.Fatalf("error without a location: %v", err)
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range errs {
			if e.File != name || e.Line < 1 || e.Line > lines || e.Column < 1 || e.Msg == "" {
				t.Fatalf("error %q: file %q line %d col %d (the file has %d lines)", e, e.File, e.Line, e.Column, lines)
			}
			if want := name + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column) + ": "; !strings.HasPrefix(e.Error(), want) {
				t.Fatalf("error %q does not start with %q", e, want)
			}
		}
		return
	}
	if len(rs.Files) != 1 || rs.Hash == "" {
		t.Fatalf("ruleset %+v", rs)
	}
	f := rs.Files[0]
	if f.DeadlineMargin < 0 || !f.Default.Valid() || (f.Mode != ModeEnforce && f.Mode != ModeShadow) {
		t.Fatalf("file %+v", f)
	}
	for _, r := range f.Rules {
		if r.program == nil || r.ID == "" || !r.Then.Valid() || r.Line < 1 {
			t.Fatalf("rule %+v", r)
		}
	}
	for _, c := range fuzzCases() {
		d, err := rs.Evaluate(c, testNow)
		if err != nil || !d.Action.Valid() || d.RulesetHash != rs.Hash {
			t.Fatalf("Evaluate(%+v) = %+v, %v", c, d, err)
		}
		if unsafe(c, d.Action) != "" || unsafe(c, d.OnDeadline) != "" {
			t.Fatalf("case %+v decided %+v", c, d)
		}
		x := rs.Explain(c, testNow)
		if x.Decision.Action != d.Action || x.Decision.RuleID != d.RuleID {
			t.Fatalf("Explain decided %+v, Evaluate %+v", x.Decision, d)
		}
		_ = x.String()
	}
	for _, r := range rs.RunTests() {
		_ = r.String()
	}
}

// watchdog crashes the process when loading and using input takes longer
// than hangAfter, so that the fuzzer records a hang as a failing input (it
// has no time limit of its own). Call the result when done.
func watchdog(input []byte) (stop func()) {
	t := time.AfterFunc(hangAfter, func() {
		panic(fmt.Sprintf("rule file took more than %v to load and use:\n%s", hangAfter, input))
	})
	return func() { t.Stop() }
}

const hangAfter = 10 * time.Second

// loadOne loads data as the one file of a directory.
func loadOne(name string, data []byte) (*Ruleset, error) {
	return LoadFS(fstest.MapFS{name: {Data: data}}, WithLogger(slog.New(slog.DiscardHandler)))
}

// FuzzRuleFile loads fuzzed rule files: the examples, the design example
// and broken variants as seeds.
func FuzzRuleFile(f *testing.F) {
	examples, err := fs.Glob(Examples, "examples/*.yaml")
	if err != nil || len(examples) == 0 {
		f.Fatalf("examples: %v", err)
	}
	for _, name := range examples {
		data, err := fs.ReadFile(Examples, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2]) // truncated
	}
	f.Add([]byte(designExample))
	for _, s := range []string{
		``, `---`, "\t", `platform: taobao`, `[]`, `platform: [taobao]`, "platform: \"*\"\nrules: {}",
		"platform: taobao\nrules:\n  - id: a\n    when: amount >\n    then: agree\n",
		"platform: taobao\nrules:\n  - id: a\n    when: |\n      amount > 1 &&\n        nosuch == 2\n    then: agree\n",
		"platform: taobao\nrules:\n  - id: a\n    when: \"amount \\u003e \\\"x\\\"\"\n    then: agree\n",
		"platform: taobao\nrules:\n  - &r {id: a, when: 'true', then: agree}\n  - *r\n",
		"platform: taobao\ndeadline_margin: 106752d\n",
		"platform: taobao\ndeadline_margin: 106751d23h47m16s\n",
		"platform: taobao\ndeadline_margin: 99999999999999999999d\n",
		"platform: taobao\ndeadline_margin: -1h\n",
		"platform: taobao\nshops: ['[']\n",
		"platform: taobao\nrules:\n  - id: a\n    when: 'true'\n    then: escalate\n    on_deadline: wait\n    reason_id: x\n",
		"platform: taobao\nrules:\n  - {id: a, when: 'repeat(reason, 1000000) != \"\"', then: agree}\n",
		"platform: taobao\nrules:\n  - {id: a, when: 'len(1..100000000) > 0', then: agree}\n",
		"platform: taobao\ntests:\n  - name: t\n    case: {amount: 1e999999, items: 3, hours_left: NaN}\n    expect: {action: escalate}\n",
		"platform: taobao\ntests:\n  - name: t\n    case: {items: 100000000000}\n    expect: {action: escalate}\n",
		"platform: taobao\ntests:\n  - name: t\n    case: {items: -5, amount: 1, amount_minor: 2, deadline: x, hours_left: 1e300}\n    expect: {rule: nosuch}\n",
		"platform: taobao\nrules:\n" + strings.Repeat("  - {id: a, when: 'true', then: agree}\n", 3),
		"a: " + strings.Repeat("[", 5000),
		"a: &a [x]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\nd: [*c,*c,*c,*c]\n",
		"platform: taobao\n\xff\xfe: x\n", "key: \"unterminated\n", "platform: taobao\n  bad indent: x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(data)()
		rs, err := loadOne("fuzz.yaml", data)
		checkLoad(t, "fuzz.yaml", data, rs, err)
	})
}

// FuzzWhen compiles fuzzed `when:` expressions, written into a rule file
// the way an editor would (a YAML string of any style), and evaluates them.
// A compile error points into the expression's scalar.
func FuzzWhen(f *testing.F) {
	for _, name := range []string{"examples/taobao.yaml", "examples/all.yaml"} {
		data, err := fs.ReadFile(Examples, name)
		if err != nil {
			f.Fatal(err)
		}
		var file struct {
			Rules []struct {
				When string `yaml:"when"`
			} `yaml:"rules"`
		}
		if err := yaml.Unmarshal(data, &file); err != nil {
			f.Fatal(err)
		}
		for _, r := range file.Rules {
			f.Add(r.When, uint8(0))
		}
	}
	for _, s := range []string{
		`kind == "refund" && goods_status == "not_shipped" && amount <= 200`, `amount >`, `nosuch == 1`, `"x"`, `1`,
		`has_flag("cs_involved")`, `has_flag(1)`, `now()`, `date("2026-01-01")`, `hours_left < 2 && has_deadline`,
		`reason contains "质量" || reason matches "(a+)+$"`, `flags[10] == "x"`, `1 / (amount_minor - amount_minor) > 0`,
		`int("x") > 0`, `repeat(reason, 1000000) != ""`, `len(1..100000000) > 0`, `all(1..1000000, {# > 0})`,
		"amount > 1 &&\n  unknown_name", "\"multi\nline\" == reason", `deadline.Year() > 2000`, `now.Sub(deadline).Hours() > 1`,
		strings.Repeat("(", 500) + "true" + strings.Repeat(")", 500), strings.Repeat("!", 10000) + "true",
		`status in ["unknown", "refused"] and amount < 1e400`,
	} {
		for style := range uint8(5) {
			f.Add(s, style)
		}
	}
	styles := []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}
	f.Fuzz(func(t *testing.T, when string, style uint8) {
		when = strings.ToValidUTF8(when, "?")
		doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "platform"}, {Kind: yaml.ScalarNode, Value: "*"},
			{Kind: yaml.ScalarNode, Value: "rules"}, {Kind: yaml.SequenceNode, Content: []*yaml.Node{
				{Kind: yaml.MappingNode, Content: []*yaml.Node{
					{Kind: yaml.ScalarNode, Value: "id"}, {Kind: yaml.ScalarNode, Value: "fuzzed"},
					{Kind: yaml.ScalarNode, Value: "then"}, {Kind: yaml.ScalarNode, Value: "agree"},
					{Kind: yaml.ScalarNode, Value: "when"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: when, Style: styles[int(style)%len(styles)]},
				}},
			}},
		}}
		data, err := yaml.Marshal(doc)
		if err != nil {
			return // not representable in YAML
		}
		defer watchdog(data)()
		rs, err := loadOne("when.yaml", data)
		checkLoad(t, "when.yaml", data, rs, err)
		if err != nil {
			// Problems of the expression are placed on or after its key.
			whenLine := 1 + strings.Count(string(data[:strings.Index(string(data), "when:")]), "\n")
			for _, e := range Errors(err) {
				if strings.HasPrefix(e.Msg, "when: ") && e.Line < whenLine {
					t.Fatalf("%v: before the when: key on line %d\n%s", e, whenLine, data)
				}
			}
		}
	})
}

// FuzzParseDuration checks deadline_margin values: an accepted one is the
// exact non-negative duration written, never one that wrapped around.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"2h", "90m", "1d", "1d12h", "0", "-1h", "1d-1h", "106751d", "106752d", "106751d23h47m16s",
		"106751d23h47m17s", "99999999999999999999d", "d", "1.5d", " 2h ", "1d1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("parseDuration(%q) = %v", s, d)
		}
		// Read back: days and the rest, each in range, add up to d.
		days, rest := time.Duration(0), strings.TrimSpace(s)
		if i := strings.IndexByte(rest, 'd'); i >= 0 {
			n, _ := strconv.Atoi(rest[:i])
			days, rest = time.Duration(n)*24*time.Hour, rest[i+1:]
			if n > maxDays || days/(24*time.Hour) != time.Duration(n) {
				t.Fatalf("parseDuration(%q) = %v: %d days do not fit", s, d, n)
			}
		}
		r := time.Duration(0)
		if rest != "" {
			r, _ = time.ParseDuration(rest)
		}
		if days+r != d || days > d || r > d {
			t.Fatalf("parseDuration(%q) = %v, want %v + %v", s, d, days, r)
		}
	})
}
