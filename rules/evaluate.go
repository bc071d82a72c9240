package rules

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Decision is what the rules decided for a case.
type Decision struct {
	Action         platforms.Action  `json:"action"`
	RuleID         string            `json:"rule_id"` // the matching rule, or DefaultRuleID
	Note           string            `json:"note,omitempty"`
	OnDeadline     platforms.Action  `json:"on_deadline,omitempty"` // for an escalation nobody answers
	Params         map[string]string `json:"params,omitempty"`      // includes "reason_id" if the rule set one
	Mode           string            `json:"mode"`                  // ModeEnforce or ModeShadow
	DeadlineMargin time.Duration     `json:"deadline_margin"`       // act this long before the deadline
	RulesetHash    string            `json:"ruleset_hash"`
	File           string            `json:"file,omitempty"` // the deciding file, "" if none applied
}

// Shadow reports whether the decision must only be recorded, not carried out.
func (d Decision) Shadow() bool { return d.Mode == ModeShadow }

// by names what decided, for notes.
func (d Decision) by() string {
	if d.RuleID == DefaultRuleID {
		return "the default of " + d.File
	}
	return "rule " + d.RuleID
}

// Evaluate decides what to do with c at time now. Files for c.Platform come
// first, then files for every platform ("*"); a file applies when c.Shop
// matches one of its shops. The first matching rule wins; if none matches,
// the first applicable file's default decides. A rule that fails to evaluate
// escalates (it is logged, never guessed around). Safety checks then turn
// unsafe actions into escalations.
//
// The error is non-nil only when there is no ruleset; the Decision is then
// an escalation and still usable.
func (rs *Ruleset) Evaluate(c platforms.Case, now time.Time) (Decision, error) {
	if rs == nil {
		return Decision{Action: platforms.ActionEscalate, RuleID: DefaultRuleID, Mode: ModeEnforce,
			DeadlineMargin: DefaultMargin, Note: "no rules loaded"}, errors.New("rules: no ruleset loaded")
	}
	return rs.evaluate(rs.applicable(c), c, now, nil), nil
}

// tried is one rule evaluation, reported to Explain.
type tried struct {
	file    *File
	rule    *Rule
	env     Env
	matched bool
	err     error
}

// evaluate runs files in order against c; trace, if not nil, sees every rule tried.
func (rs *Ruleset) evaluate(files []*File, c platforms.Case, now time.Time, trace func(tried)) Decision {
	d, ok := rs.firstMatch(files, c, NewEnv(c, now), trace)
	switch {
	case ok:
	case len(files) > 0:
		f := files[0]
		d = Decision{Action: f.Default, RuleID: DefaultRuleID, Mode: f.Mode, DeadlineMargin: f.DeadlineMargin,
			File: f.Name, Note: "no rule matched"}
	default:
		d = Decision{Action: platforms.ActionEscalate, RuleID: DefaultRuleID, Mode: ModeEnforce,
			DeadlineMargin: DefaultMargin, Note: fmt.Sprintf("no rules for %s/%s", c.Platform, c.Shop)}
	}
	d.RulesetHash = rs.Hash
	return guard(c, d)
}

// firstMatch returns the decision of the first rule that matches or fails.
func (rs *Ruleset) firstMatch(files []*File, c platforms.Case, env Env, trace func(tried)) (Decision, bool) {
	// One VM and a pointer to one env for every rule: evaluating a case
	// then costs no allocation per rule beyond what expressions make.
	var machine vm.VM
	for _, f := range files {
		for _, r := range f.Rules {
			ok, err := r.match(&machine, &env)
			if trace != nil {
				trace(tried{file: f, rule: r, env: env, matched: ok, err: err})
			}
			if err != nil {
				rs.log().Warn("rule evaluation failed; escalating", "file", f.Name, "line", r.Line,
					"rule", r.ID, "case", c.Key(), "err", err)
				return Decision{Action: platforms.ActionEscalate, RuleID: r.ID, Mode: r.mode(f),
					DeadlineMargin: f.DeadlineMargin, File: f.Name,
					Note: fmt.Sprintf("rule %s failed to evaluate (%v); a human must decide", r.ID, err)}, true
			}
			if ok {
				return r.decision(f), true
			}
		}
	}
	return Decision{}, false
}

// applicable returns the files that apply to c, in evaluation order.
func (rs *Ruleset) applicable(c platforms.Case) []*File {
	var own, all []*File
	for _, f := range rs.Files {
		if !f.matchesShop(c.Shop) {
			continue
		}
		switch f.Platform {
		case string(c.Platform):
			own = append(own, f)
		case AnyPlatform:
			all = append(all, f)
		}
	}
	return append(own, all...)
}

func (f *File) matchesShop(shop string) bool {
	for _, p := range f.Shops {
		if ok, _ := path.Match(p, shop); ok {
			return true
		}
	}
	return false
}

// match runs the rule's expression.
func (r *Rule) match(machine *vm.VM, env *Env) (bool, error) {
	out, err := machine.Run(r.program, env)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			err = errors.New(fe.Message)
		}
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("expression returned %T, not bool", out)
	}
	return b, nil
}

// decision is what a matching rule decides.
func (r *Rule) decision(f *File) Decision {
	d := Decision{Action: r.Then, RuleID: r.ID, Note: r.Note, OnDeadline: r.OnDeadline,
		Mode: r.mode(f), DeadlineMargin: f.DeadlineMargin, File: f.Name}
	if len(r.Params) > 0 || r.ReasonID != "" {
		d.Params = maps.Clone(r.Params)
		if d.Params == nil {
			d.Params = map[string]string{}
		}
		if r.ReasonID != "" {
			d.Params["reason_id"] = r.ReasonID
		}
	}
	return d
}

func (rs *Ruleset) log() *slog.Logger {
	if rs.logger == nil {
		return slog.Default()
	}
	return rs.logger
}
