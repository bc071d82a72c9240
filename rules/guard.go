package rules

import (
	"fmt"

	"github.com/aftersale/aftersale/platforms"
)

// guard applies the safety checks no rule can override: an action that
// changes the case is turned into an escalation (and an on_deadline action is
// dropped) when the status is unknown or the platform flagged the case for
// humans.
func guard(c platforms.Case, d Decision) Decision {
	if why := unsafe(c, d.Action); why != "" {
		d.Note = joinNote(fmt.Sprintf("safety: %s; %s wanted %s, a human must decide", why, d.by(), d.Action), d.Note)
		d.Action = platforms.ActionEscalate
	}
	if why := unsafe(c, d.OnDeadline); why != "" {
		d.Note = joinNote(d.Note, fmt.Sprintf("safety: %s; no automatic %s at the deadline", why, d.OnDeadline))
		d.OnDeadline = ""
	}
	return d
}

// unsafe says why action a must not be taken automatically on c, or "".
func unsafe(c platforms.Case, a platforms.Action) string {
	if !a.Mutating() {
		return ""
	}
	switch {
	case c.Status == platforms.StatusUnknown || !c.Status.Valid():
		return fmt.Sprintf("status is unknown (platform status %q)", c.PlatformStatus)
	case c.HasFlag(platforms.FlagCSInvolved):
		return "platform customer service is involved (cs_involved)"
	case c.HasFlag(platforms.FlagMustHandleOnWeb):
		return "the platform requires handling on its web console (must_handle_on_web)"
	case c.HasFlag(platforms.FlagDeadlineUnparsed):
		return "the platform deadline could not be read (deadline_unparsed)"
	case a == platforms.ActionRefuse && c.HasFlag(platforms.FlagCannotRefuse):
		return "the platform forbids refusing this case (cannot_refuse)"
	}
	return ""
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
