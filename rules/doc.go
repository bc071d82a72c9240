// Package rules loads the ops teams' rule files (YAML with expr expressions),
// decides what to do with an after-sale case, and explains and tests those
// decisions. See DESIGN.md §5 for the file format and its semantics.
//
//	rs, err := rules.Load("rules/")           // every problem as file:line:col
//	d, _ := rs.Evaluate(c, now)               // d.Action, d.RuleID, d.RulesetHash...
//	fmt.Print(rs.Explain(c, now))             // which rule matched, and why
//	for _, r := range rs.RunTests() { ... }   // the files' own tests
//
// An Engine keeps the last good ruleset of a directory and reloads it.
package rules
