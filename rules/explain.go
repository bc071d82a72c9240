package rules

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/expr-lang/expr/ast"
)

// Explanation says how a decision came about, for people: which files
// applied, each rule tried in order with the values its expression read, and
// the final decision.
type Explanation struct {
	Env      Env
	Hash     string
	Files    []FileCheck // applicable files in evaluation order, then the others
	Steps    []Step      // rules tried, in order, up to the one that decided
	Decision Decision
}

// FileCheck says whether a file applies to the case, and if not why.
type FileCheck struct {
	File    string
	Applies bool
	Why     string // e.g. "platform xiaoe", "shop not in [a b]"
}

// Step is one rule tried.
type Step struct {
	File    string
	Line    int
	RuleID  string
	When    string
	Matched bool
	Err     string  // evaluation error, "" if none
	Values  []Value // env values the expression refers to
}

// Value is an env variable as an expression saw it.
type Value struct {
	Name  string
	Value any
}

// Explain evaluates c like Evaluate and records how.
func (rs *Ruleset) Explain(c platforms.Case, now time.Time) Explanation {
	files := rs.applicable(c)
	x := Explanation{Env: NewEnv(c, now), Hash: rs.Hash}
	for _, f := range files {
		x.Files = append(x.Files, FileCheck{File: f.Name, Applies: true,
			Why: fmt.Sprintf("platform %s, shops %v", f.Platform, f.Shops)})
	}
	for _, f := range rs.Files {
		switch {
		case slices.Contains(files, f):
		case f.Platform != string(c.Platform) && f.Platform != AnyPlatform:
			x.Files = append(x.Files, FileCheck{File: f.Name, Why: "platform " + f.Platform})
		default:
			x.Files = append(x.Files, FileCheck{File: f.Name, Why: fmt.Sprintf("shop %q not in %v", c.Shop, f.Shops)})
		}
	}
	x.Decision = rs.evaluate(files, c, now, func(t tried) {
		s := Step{File: t.file.Name, Line: t.rule.Line, RuleID: t.rule.ID, When: t.rule.When, Matched: t.matched}
		if t.err != nil {
			s.Err = t.err.Error()
		}
		for _, name := range t.rule.names() {
			v, _ := t.env.Value(name)
			s.Values = append(s.Values, Value{Name: name, Value: v})
		}
		x.Steps = append(x.Steps, s)
	})
	return x
}

// names returns the env variables the rule's expression refers to, in order
// of appearance; a has_flag call refers to flags.
func (r *Rule) names() []string {
	var v identifiers
	node := r.program.Node()
	ast.Walk(&node, &v)
	return v.names
}

type identifiers struct{ names []string }

func (v *identifiers) Visit(n *ast.Node) {
	id, ok := (*n).(*ast.IdentifierNode)
	if !ok {
		return
	}
	name := id.Value
	if name == "has_flag" {
		name = "flags"
	}
	if _, ok := envFields[name]; ok && !slices.Contains(v.names, name) {
		v.names = append(v.names, name)
	}
}

// String is the text of Write.
func (x Explanation) String() string {
	var b strings.Builder
	x.Write(&b)
	return b.String()
}

// Write prints the explanation for a terminal.
func (x Explanation) Write(w io.Writer) {
	e := x.Env
	fmt.Fprintf(w, "case %s/%s/%s: %s, status %s (%s)\n", e.Platform, e.Shop, e.CaseID, e.Kind, e.Status, e.PlatformStatus)
	fmt.Fprintf(w, "  amount %s %s, goods %s, flags %s\n", formatValue(e.Amount), e.Currency, e.GoodsStatus, formatValue(e.Flags))
	if e.HasDeadline {
		fmt.Fprintf(w, "  deadline %s (%.1fh left), now %s\n", formatValue(e.Deadline), e.HoursLeft, formatValue(e.Now))
	} else {
		fmt.Fprintf(w, "  no deadline, now %s\n", formatValue(e.Now))
	}
	fmt.Fprintf(w, "ruleset %s\n", x.Hash)
	fmt.Fprintln(w, "files:")
	if len(x.Files) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, f := range x.Files {
		state := "skipped"
		if f.Applies {
			state = "applies"
		}
		fmt.Fprintf(w, "  %-8s %s (%s)\n", state, f.File, f.Why)
	}
	fmt.Fprintln(w, "rules tried:")
	if len(x.Steps) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, s := range x.Steps {
		state := "no"
		switch {
		case s.Err != "":
			state = "ERROR"
		case s.Matched:
			state = "MATCH"
		}
		fmt.Fprintf(w, "  %-6s %s (%s:%d)\n", state, s.RuleID, s.File, s.Line)
		fmt.Fprintf(w, "         when %s\n", strings.Join(strings.Fields(s.When), " "))
		if len(s.Values) > 0 {
			var vals []string
			for _, v := range s.Values {
				vals = append(vals, v.Name+" = "+formatValue(v.Value))
			}
			fmt.Fprintf(w, "         with %s\n", strings.Join(vals, ", "))
		}
		if s.Err != "" {
			fmt.Fprintf(w, "         error: %s\n", s.Err)
		}
	}
	d := x.Decision
	by := "rule " + d.RuleID
	if d.RuleID == DefaultRuleID {
		by = "default"
	}
	if d.File != "" {
		by += " (" + d.File + ")"
	}
	fmt.Fprintf(w, "decision: %s by %s, mode %s\n", d.Action, by, d.Mode)
	if d.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", d.Note)
	}
	if d.OnDeadline != "" {
		fmt.Fprintf(w, "  on deadline: %s if nobody decides %s before it\n", d.OnDeadline, d.DeadlineMargin)
	}
	if len(d.Params) > 0 {
		var ps []string
		for _, k := range slices.Sorted(maps.Keys(d.Params)) {
			ps = append(ps, k+"="+d.Params[k])
		}
		fmt.Fprintf(w, "  params: %s\n", strings.Join(ps, " "))
	}
}

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case float64:
		if v == NoDeadlineHours {
			return "1e9 (no deadline)"
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case time.Time:
		if v.IsZero() {
			return "none"
		}
		return v.Format(time.RFC3339)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(v)
}
