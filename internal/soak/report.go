package soak

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Report is what one soak run measured. Every number comes from the run:
// the sandbox's logs and counters, the Temporal server, the soak's own
// pusher and notice receiver.
type Report struct {
	Options Options
	// Seeded cases, by platform, by scenario and by deadline class
	// (DeadlineFar, DeadlineExpiring, DeadlineMargin, DeadlineNone), and
	// the shops they are spread over.
	Seeded         int
	SeededBy       map[string]int
	Scenarios      map[string]int
	DeadlineClass  map[string]int
	Shops          int
	Kills          int // SIGKILLs the soak sent (each followed by a restart)
	WorkerExits    int // times the worker exited without being killed (restarted too)
	Pushes         PushStats
	Moves          int // platform-side moves the soak made (buyer ships, package arrives)
	SandboxHooks   int // the sandbox's own SHOPLINE webhooks the soak forwarded to the worker
	Calls          map[string]int
	CallsTotal     int
	Faults         map[string]int // injected, by kind
	FaultsTotal    int
	RateLimited    int // calls the sandbox refused over a documented limit
	Actions        int // mutating platform calls the sandbox received
	ActionsApplied int
	// Final counts the cases by state at the end (StateCompleted, ...).
	Final map[string]int
	// Lost: seeded cases with no workflow, or whose workflow failed, was
	// terminated, timed out or was cancelled.
	Lost []string
	// Unseen: cases open when seeded that the platform finished before the
	// worker first listed them (so no workflow, by design).
	Unseen []string
	// Duplicates, AfterDeadline and Wrong are platform actions (see
	// duplicates, afterDeadline and oracle.wrong).
	Duplicates    []ActionRef
	AfterDeadline []ActionRef
	Wrong         []ActionRef
	// FaultNotices are escalation notices whose reason is a failure, not a
	// rule: the case could not be read, an action failed, the rules or the
	// budget could not be evaluated. FaultEscalatedCases counts their
	// cases; FaultEscalatedAtEnd the cases still escalated for such a
	// reason when the run drained.
	FaultNotices        int
	FaultEscalatedCases int
	FaultEscalatedAtEnd int
	// FaultEscalations names them, with their escalation notes.
	FaultEscalations []string
	Notices          int
	// Drained: every case settled before the timeout; Unsettled says why
	// not, for the cases that were not.
	Drained   bool
	Unsettled []string
	// TimeToDrain runs from the first worker start to drained; AfterChaos
	// from the end of the chaos window (the last kill, push and move).
	TimeToDrain, AfterChaos time.Duration
	Total                   time.Duration
	// Dir holds the worker's config and logs (kept with KeepFiles).
	Dir string
}

// OK reports the soak's verdict: nothing lost, no duplicate, late or
// wrong action, and drained.
func (r *Report) OK() bool {
	return r.Drained && len(r.Lost) == 0 && len(r.Duplicates) == 0 && len(r.AfterDeadline) == 0 && len(r.Wrong) == 0
}

// Markdown renders the report.
func (r *Report) Markdown() string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "## Chaos soak: %d cases, %d kills, %.0f%% faults (seed %d)\n\n", r.Seeded, o.Kills, o.FaultRate*100, o.Seed)
	b.WriteString("| metric | value |\n| --- | --- |\n")
	row := func(k, format string, args ...any) { fmt.Fprintf(&b, "| %s | %s |\n", k, fmt.Sprintf(format, args...)) }
	row("cases seeded", "%d (%s) in %d shops", r.Seeded, counts(r.SeededBy), r.Shops)
	row("deadlines", "%d expire in the chaos window, %d reach deadline − margin in it, %d far, %d none",
		r.DeadlineClass[DeadlineExpiring], r.DeadlineClass[DeadlineMargin], r.DeadlineClass[DeadlineFar], r.DeadlineClass[DeadlineNone])
	row("**cases lost**", "**%d**", len(r.Lost))
	row("**duplicate platform actions**", "**%d**", len(r.Duplicates))
	row("**actions after a deadline**", "**%d**", len(r.AfterDeadline))
	row("**wrong actions**", "**%d** of %d platform actions (%d applied)", len(r.Wrong), r.Actions, r.ActionsApplied)
	row("escalations caused by faults", "%d notices on %d cases; %d cases still escalated for a fault at the end (%d notices in all)",
		r.FaultNotices, r.FaultEscalatedCases, r.FaultEscalatedAtEnd, r.Notices)
	row("final states", "%s (unseen: finished on the platform before the worker ever listed it, no workflow by design)", counts(r.Final))
	drained := "drained"
	if !r.Drained {
		drained = fmt.Sprintf("NOT drained within %s (%d cases unsettled)", o.Timeout, len(r.Unsettled))
	}
	row("time to drain", "%s: %s from the first worker start, %s after the chaos window (%s); run %s",
		drained, r.TimeToDrain.Round(time.Second), r.AfterChaos.Round(time.Second), o.Active, r.Total.Round(time.Second))
	row("worker kills (SIGKILL)", "%d, each restarted (%d exits of its own)", r.Kills, r.WorkerExits)
	p := r.Pushes
	row("pushes sent", "%d (%s): %d duplicates, %d reordered; %d delivered, %d rejected, %d undelivered, %d attempts",
		p.Sent, counts(p.ByPlatform), p.Duplicates, p.Reordered, p.Delivered, p.Rejected, p.Undelivered, p.Attempts)
	row("platform-side moves", "%d by the soak; %d SHOPLINE webhooks of the sandbox forwarded", r.Moves, r.SandboxHooks)
	row("platform calls", "%d (%s); %d refused over a documented rate limit", r.CallsTotal, counts(r.Calls), r.RateLimited)
	pct := 0.0
	if r.CallsTotal > 0 {
		pct = 100 * float64(r.FaultsTotal) / float64(r.CallsTotal)
	}
	row("faults injected", "%d (%s) = %.1f%% of calls", r.FaultsTotal, counts(r.Faults), pct)
	b.WriteString("\n")
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s (%d):\n", title, len(items))
		for i, it := range items {
			if i == 20 {
				fmt.Fprintf(&b, "- … %d more\n", len(items)-20)
				break
			}
			fmt.Fprintf(&b, "- %s\n", it)
		}
		b.WriteString("\n")
	}
	refs := func(rs []ActionRef) []string {
		var out []string
		for _, x := range rs {
			out = append(out, fmt.Sprintf("%s %s at %s (ok=%t, version %s): %s", x.Case, x.Method, x.At.Format("15:04:05.000"), x.OK, x.Version, x.Why))
		}
		return out
	}
	list("Lost cases", r.Lost)
	list("Finished on the platform before the worker listed them (no workflow)", r.Unseen)
	list("Duplicate actions", refs(r.Duplicates))
	list("Actions after a deadline", refs(r.AfterDeadline))
	list("Wrong actions", refs(r.Wrong))
	list("Unsettled cases", r.Unsettled)
	list("Still escalated because of a fault", r.FaultEscalations)
	return b.String()
}

// counts renders a map as "k1 n1, k2 n2" in key order.
func counts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
