package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/aftersale/aftersale/platforms"
	"github.com/expr-lang/expr"
	"gopkg.in/yaml.v3"
)

// decoder turns one YAML rule file into a File, strictly: every problem is
// collected as an *Error pointing into the file, and decoding goes on so that
// one run reports them all.
type decoder struct {
	file     string // name shown in errors
	src      []rune
	exprOpts []expr.Option
	errs     []*Error
}

var (
	fileKeys = []string{"platform", "shops", "mode", "deadline_margin", "rules", "default", "tests"}
	ruleKeys = []string{"id", "when", "then", "note", "on_deadline", "reason_id", "params", "mode"}
	testKeys = []string{"name", "case", "now", "expect"}
	wantKeys = []string{"action", "rule"}
)

// decodeFile parses and validates one rule file. name is its path relative
// to the loaded directory, shown as display in errors. With errors, the File
// is partial (nil if the YAML does not parse) and must not be used to decide.
func decodeFile(name, display string, data []byte, exprOpts []expr.Option) (*File, []*Error) {
	d := &decoder{file: display, src: []rune(string(data)), exprOpts: exprOpts}
	f := &File{
		Name:           name,
		Shops:          []string{"*"},
		Mode:           DefaultMode,
		DeadlineMargin: DefaultMargin,
		Default:        DefaultAction,
	}

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d.syntaxError(err)
		return nil, d.errs
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		d.errs = append(d.errs, &Error{File: display, Line: 1, Column: 1, Msg: "empty rule file"})
		return nil, d.errs
	}
	root := doc.Content[0]

	var tests *yaml.Node
	hasPlatform := false
	d.mapping(root, "a rule file", fileKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "platform":
			hasPlatform = true
			f.Platform = d.platform(v)
		case "shops":
			if shops := d.shops(v); shops != nil {
				f.Shops = shops
			}
		case "mode":
			f.Mode = d.mode(v)
		case "deadline_margin":
			if s, ok := d.str(v, key); ok {
				m, err := parseDuration(s)
				if err != nil {
					d.errorf(v, "deadline_margin: %v", err)
				}
				f.DeadlineMargin = m
			}
		case "rules":
			d.sequence(v, key, func(n *yaml.Node) {
				if r := d.rule(n); r != nil {
					f.Rules = append(f.Rules, r)
				}
			})
		case "default":
			f.Default = d.action(v, key)
		case "tests":
			tests = v
		}
	})
	if root.Kind == yaml.MappingNode && !hasPlatform {
		d.errorf(root, "platform is required (one of %s)", strings.Join(platformNames(), ", "))
	}
	if tests != nil {
		d.sequence(tests, "tests", func(n *yaml.Node) {
			if t := d.test(n, f); t != nil {
				f.Tests = append(f.Tests, t)
			}
		})
	}
	return f, d.errs
}

func (d *decoder) rule(n *yaml.Node) *Rule {
	r := &Rule{Line: n.Line, Column: n.Column}
	var when *yaml.Node
	d.mapping(n, "a rule", ruleKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "id":
			r.ID, _ = d.str(v, key)
		case "when":
			var ok bool
			if r.When, ok = d.str(v, key); ok {
				when = v
			} else {
				when = &yaml.Node{} // reported; not missing
			}
		case "then":
			r.Then = d.action(v, key)
		case "note":
			r.Note, _ = d.str(v, key)
		case "on_deadline":
			if a := d.action(v, key); a.Valid() && !a.Mutating() {
				d.errorf(v, "on_deadline must be an action that changes the case (%s), not %q", strings.Join(mutatingActions(), ", "), a)
			} else {
				r.OnDeadline = a
			}
		case "reason_id":
			if s, ok := d.str(v, key); ok {
				if _, err := strconv.ParseInt(s, 10, 64); err != nil {
					d.errorf(v, "reason_id must be an integer, not %q", s)
				}
				r.ReasonID = s
			}
		case "params":
			r.Params = map[string]string{}
			d.mapping(v, "params", nil, func(key string, k, v *yaml.Node) {
				r.Params[key], _ = d.str(v, "params."+key)
			})
		case "mode":
			r.Mode = d.mode(v)
		}
	})
	if n.Kind != yaml.MappingNode {
		return nil
	}
	if r.ID == "" {
		d.errorf(n, "rule needs an id")
	}
	if r.Then == "" {
		d.errorf(n, "rule %q needs a then: action", r.ID)
	}
	switch {
	case when == nil || (when.Kind == yaml.ScalarNode && strings.TrimSpace(r.When) == ""):
		d.errorf(firstNode(when, n), "rule %q needs a when: expression", r.ID)
	case when.Kind == yaml.ScalarNode:
		r.program = d.compile(when, r.When)
	}
	return r
}

func (d *decoder) platform(n *yaml.Node) string {
	s, ok := d.str(n, "platform")
	if ok && !slices.Contains(platformNames(), s) {
		d.errorf(n, "unknown platform %q (want one of %s)", s, strings.Join(platformNames(), ", "))
	}
	return s
}

func (d *decoder) shops(n *yaml.Node) []string {
	var shops []string
	d.sequence(n, "shops", func(n *yaml.Node) {
		if s, ok := d.str(n, "shops"); ok {
			if _, err := path.Match(s, ""); err != nil {
				d.errorf(n, "bad shop pattern %q: %v", s, err)
			}
			shops = append(shops, s)
		}
	})
	if len(shops) == 0 && n.Kind == yaml.SequenceNode {
		d.errorf(n, `shops: empty list (leave shops out, or write ["*"], for every shop)`)
	}
	return shops
}

func (d *decoder) mode(n *yaml.Node) string {
	s, ok := d.str(n, "mode")
	if ok && s != ModeEnforce && s != ModeShadow {
		d.errorf(n, "unknown mode %q (want enforce or shadow)", s)
	}
	return s
}

func (d *decoder) action(n *yaml.Node, what string) platforms.Action {
	s, ok := d.str(n, what)
	if !ok || s == "" {
		if ok {
			d.errorf(n, "%s: missing action", what)
		}
		return ""
	}
	a := platforms.Action(s)
	if !a.Valid() {
		d.errorf(n, "%s: unknown action %q (want one of %s)", what, s, strings.Join(actionNames(), ", "))
	}
	return a
}

// mapping calls fn for each key of a mapping node, in order, rejecting keys
// not in keys (nil keys allows any) and duplicate keys.
func (d *decoder) mapping(n *yaml.Node, what string, keys []string, fn func(key string, k, v *yaml.Node)) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		if !isNull(n) {
			d.errorf(n, "%s must be a mapping", what)
		}
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case keys != nil && !slices.Contains(keys, k.Value):
			d.errorf(k, "unknown key %q in %s (want one of %s)", k.Value, what, strings.Join(keys, ", "))
		case seen[k.Value]:
			d.errorf(k, "duplicate key %q", k.Value)
		default:
			seen[k.Value] = true
			fn(k.Value, k, v)
		}
	}
}

// sequence calls fn for each element of a sequence node.
func (d *decoder) sequence(n *yaml.Node, what string, fn func(n *yaml.Node)) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		if !isNull(n) {
			d.errorf(n, "%s must be a list", what)
		}
		return
	}
	for _, e := range n.Content {
		fn(resolve(e))
	}
}

// str returns the value of a scalar node ("" for null).
func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s must be a single value", what)
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the problems of yaml.v3's parser (not its scanner):
// for those it reports the 0-based line where the enclosing block starts.
var yamlParserErrors = []string{
	"did not find expected key", "did not find expected '-' indicator",
	"did not find expected node content", "did not find expected ',' or ']'",
	"did not find expected ',' or '}'", "did not find expected <document start>",
	"found undefined tag handle", "found duplicate %YAML directive",
	"found incompatible YAML document", "found duplicate %TAG directive",
}

// syntaxError records a YAML parse error. yaml.v3 only reports a line, so the
// column is that of the line's first non-blank character.
func (d *decoder) syntaxError(err error) {
	e := &Error{File: d.file, Line: 1, Column: 1, Msg: err.Error()}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = "yaml: " + m[2]
		if slices.Contains(yamlParserErrors, m[2]) {
			e.Line++
			e.Msg += " (in the collection that starts on this line)"
		}
		lines := strings.Split(string(d.src), "\n")
		if e.Line > len(lines) {
			e.Line = len(lines)
		}
		l := lines[e.Line-1]
		e.Column = 1 + len([]rune(l)) - len([]rune(strings.TrimLeftFunc(l, unicode.IsSpace)))
	}
	d.errs = append(d.errs, e)
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// firstNode returns the first non-nil node.
func firstNode(ns ...*yaml.Node) *yaml.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return &yaml.Node{Line: 1, Column: 1}
}

func platformNames() []string {
	return []string{string(platforms.Taobao), string(platforms.Xiaoe), string(platforms.Shopline), string(platforms.Xportcn), AnyPlatform}
}

func actionNames() []string {
	var s []string
	for _, a := range platforms.Actions {
		s = append(s, string(a))
	}
	return s
}

func mutatingActions() []string {
	var s []string
	for _, a := range platforms.Actions {
		if a.Mutating() {
			s = append(s, string(a))
		}
	}
	return s
}
