package rules

import "fmt"

// TestResult is the outcome of one `tests:` entry of a rule file.
type TestResult struct {
	File string // file name, relative to the loaded directory
	Line int    // where the test starts
	Name string
	Pass bool
	Got  Decision
	Want Expect
	Msg  string // why it failed, "" when it passed
}

// RunTests runs every test of every file, in file order. A test evaluates its
// case against its own file alone, as if no other file existed, so that a
// file's tests keep passing whatever other files say.
func (rs *Ruleset) RunTests() []TestResult {
	var results []TestResult
	for _, f := range rs.Files {
		alone := &Ruleset{Files: []*File{f}, Hash: rs.Hash, logger: rs.logger}
		for _, t := range f.Tests {
			got, _ := alone.Evaluate(t.Case, t.Now)
			r := TestResult{File: f.Name, Line: t.Line, Name: t.Name, Got: got, Want: t.Expect, Pass: true}
			if (t.Expect.Action != "" && got.Action != t.Expect.Action) || (t.Expect.Rule != "" && got.RuleID != t.Expect.Rule) {
				r.Pass = false
				r.Msg = fmt.Sprintf("got %s by %s, want %s", got.Action, got.RuleID, describe(t.Expect))
				if got.Note != "" {
					r.Msg += fmt.Sprintf(" (note: %s)", got.Note)
				}
			}
			results = append(results, r)
		}
	}
	return results
}

// String is one line for a terminal: "PASS file:line name" or "FAIL ...: why".
func (r TestResult) String() string {
	if r.Pass {
		return fmt.Sprintf("PASS %s:%d %s", r.File, r.Line, r.Name)
	}
	return fmt.Sprintf("FAIL %s:%d %s: %s", r.File, r.Line, r.Name, r.Msg)
}

func describe(e Expect) string {
	switch {
	case e.Action == "":
		return "rule " + e.Rule
	case e.Rule == "":
		return string(e.Action)
	}
	return fmt.Sprintf("%s by %s", e.Action, e.Rule)
}
