package rules

import (
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/expr-lang/expr/vm"
)

// Modes say whether a decision is carried out (enforce) or only recorded (shadow).
const (
	ModeEnforce = "enforce"
	ModeShadow  = "shadow"
)

// AnyPlatform is the platform value of a file that applies to every platform.
const AnyPlatform = "*"

// DefaultRuleID is Decision.RuleID when no rule matched and a default decided.
const DefaultRuleID = "default"

// Defaults of the file format.
const (
	DefaultMode   = ModeEnforce
	DefaultMargin = 2 * time.Hour
	DefaultAction = platforms.ActionEscalate
)

// File is one loaded and validated rule file.
type File struct {
	Name           string // path relative to the loaded directory, slash-separated
	Hash           string // first 12 hex digits of the sha256 of the content
	Platform       string // a platforms.Platform or AnyPlatform
	Shops          []string
	Mode           string
	DeadlineMargin time.Duration
	Default        platforms.Action
	Rules          []*Rule
	Tests          []*Test
}

// Rule is one entry of a file's `rules:` list.
type Rule struct {
	ID         string
	When       string
	Then       platforms.Action
	Note       string
	OnDeadline platforms.Action  // action to take if an escalation lapses; "" if none
	ReasonID   string            // platform reason id for refusals, "" if none
	Params     map[string]string // extra parameters for the platform call
	Mode       string            // "" inherits the file's mode
	Line       int               // where the rule starts in its file
	Column     int

	program *vm.Program
}

// Test is one entry of a file's `tests:` list.
type Test struct {
	Name   string
	Line   int
	Case   platforms.Case
	Now    time.Time
	Expect Expect
}

// Expect is what a rule-file test wants. Empty fields are not checked.
type Expect struct {
	Action platforms.Action `json:"action,omitempty"`
	Rule   string           `json:"rule,omitempty"`
}

// mode returns the rule's mode, falling back to the file's.
func (r *Rule) mode(f *File) string {
	if r.Mode != "" {
		return r.Mode
	}
	return f.Mode
}
