package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Report is every scenario's result and the options they ran with.
type Report struct {
	Options Options
	Results []Result
}

// Result is one scenario.
type Result struct {
	Cases, Changes int
	// ChangesByKind counts the changes by kind (ChangeShip, ChangeEdit).
	ChangesByKind map[string]int
	Hour, Grace   time.Duration
	SyncInterval  time.Duration
	RateLimit     float64
	Change        string
	WorkflowCache int
	// Discovery is the time from starting the worker until every case
	// workflow had read its case and decided, and the first sync finished;
	// DiscoveryCalls the worker's calls by endpoint until then.
	Discovery      time.Duration
	DiscoveryCalls map[string]int
	Ours, Naive    Side
	// NaiveSample is how many cases the naive poller polled; below Cases
	// its counts are scaled by Cases/NaiveSample. NaiveRate is its cap.
	NaiveSample int
	NaiveRate   float64
	// ChangesLate is how far behind its schedule the latest change was
	// made (the sandboxes' stores were busy).
	ChangesLate time.Duration
	// Workflows is the number of running case workflows at the end.
	Workflows int64
	// Mem is the worker's memory at the end, MemDiscovered after discovery.
	Mem, MemDiscovered ProcMem
}

// Window is the measured time: the simulated hour and the grace after it.
func (r Result) Window() time.Duration { return r.Hour + r.Grace }

// Scaled reports whether the naive counts are scaled from a sample.
func (r Result) Scaled() bool { return r.NaiveSample < r.Cases }

// Side is what one side (our worker, the naive poller) did in the window.
type Side struct {
	// Calls by endpoint over the window (naive: scaled to every case).
	Calls map[string]int
	// Measured is the naive poller's unscaled calls.
	Measured map[string]int
	// Violations and RateLimited are the sandbox's counters for the whole
	// run (protocol violations; calls refused over a documented limit).
	Violations, RateLimited int
	// Peak is the most calls arriving within any one second of the window;
	// OverBudget how many calls a limiter at the worker's rate_limit would
	// have refused.
	Peak, OverBudget int
	// Latency is change-to-read latency by kind of change; "" is all.
	Latency map[string]LatencyStats
	// Naive only: failed reads, how far it fell behind its pace, and the
	// calls its pace planned within the window (Measured falls short of
	// it when the poller could not keep up).
	Errors  int64
	MaxLag  time.Duration
	Planned int64
}

// Ratio is naive calls over ours (0 when ours made none).
func (r Result) Ratio() float64 {
	if t := total(r.Ours.Calls); t > 0 {
		return float64(total(r.Naive.Calls)) / float64(t)
	}
	return 0
}

// Markdown renders the report: settings, one side-by-side table, notes.
func (rep *Report) Markdown() string {
	var b strings.Builder
	o := rep.Options
	if len(rep.Results) == 0 {
		return "no results\n"
	}
	r0 := rep.Results[0]
	fmt.Fprintf(&b, "### bench discovery: %s, %s of open cases change per simulated hour\n\n", o.Platform, pct(o.ChangeRate))
	fmt.Fprintf(&b, "1 simulated hour = %s real; sync every %s (overlap %s)%s; calls counted over the hour + %s grace = %s; "+
		"changes: %s; worker TOP budget %s calls/s; poll_interval 2h; workflow cache %s.\n\n",
		fmtDur(o.Hour), fmtDur(o.SyncInterval), fmtDur(o.Overlap), messagesText(o), fmtDur(r0.Grace), fmtDur(r0.Window()),
		changeText(o.Change), num(o.RateLimit), cacheText(o.WorkflowCache))
	b.WriteString("| |")
	for _, r := range rep.Results {
		fmt.Fprintf(&b, " %s open: aftersale | %s open: per-case poller |", thousands(int64(r.Cases)), thousands(int64(r.Cases)))
	}
	b.WriteString("\n|---|")
	for range rep.Results {
		b.WriteString("---:|---:|")
	}
	b.WriteString("\n")
	row := func(name string, cell func(r Result, naive bool) string) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, r := range rep.Results {
			fmt.Fprintf(&b, " %s | %s |", cell(r, false), cell(r, true))
		}
		b.WriteString("\n")
	}
	side := func(r Result, naive bool) Side {
		if naive {
			return r.Naive
		}
		return r.Ours
	}
	row("changed cases", func(r Result, _ bool) string { return thousands(int64(r.Changes)) })
	for _, ep := range rep.endpoints() {
		row("`"+ep+"`", func(r Result, naive bool) string {
			s := thousands(int64(side(r, naive).Calls[ep]))
			if naive && r.Scaled() && side(r, naive).Calls[ep] > 0 {
				s += "*"
			}
			return s
		})
	}
	row("**platform calls**", func(r Result, naive bool) string {
		s := "**" + thousands(int64(total(side(r, naive).Calls))) + "**"
		if naive && r.Scaled() {
			s += "*"
		}
		return s
	})
	row("calls per changed case", func(r Result, naive bool) string {
		if r.Changes == 0 {
			return "–"
		}
		return num(float64(total(side(r, naive).Calls)) / float64(r.Changes))
	})
	row("per-case poller ÷ aftersale", func(r Result, naive bool) string {
		if !naive {
			return ""
		}
		if r.Ratio() == 0 {
			return "–"
		}
		return "**" + num(r.Ratio()) + "×**"
	})
	row("rate-limit violations (sandbox)", func(r Result, naive bool) string { return thousands(int64(side(r, naive).RateLimited)) })
	row("protocol violations (sandbox)", func(r Result, naive bool) string { return thousands(int64(side(r, naive).Violations)) })
	row(fmt.Sprintf("peak calls in 1 s (budget %s/s)", num(o.RateLimit)), func(r Result, naive bool) string {
		s := side(r, naive)
		out := thousands(int64(s.Peak))
		if naive && r.Scaled() {
			out += fmt.Sprintf(" (needs %s)", num(float64(r.Cases)/r.SyncInterval.Seconds()))
		}
		return out
	})
	row("calls over budget", func(r Result, naive bool) string {
		s := side(r, naive)
		if naive && r.Scaled() {
			return thousands(int64(s.OverBudget)) + "†"
		}
		return thousands(int64(s.OverBudget))
	})
	for _, k := range []struct{ kind, name string }{
		{ChangeShip, "pushed change (buyer ships, TMC message) → read p50 / p95 / max"},
		{ChangeEdit, "unannounced change (no message: sync only) → read p50 / p95 / max"},
	} {
		if !rep.hasKind(k.kind) {
			continue
		}
		row(k.name, func(r Result, naive bool) string {
			l := side(r, naive).Latency[k.kind]
			if l.Seen == 0 {
				return "–"
			}
			return fmt.Sprintf("%s / %s / %s", fmtLat(l.P50), fmtLat(l.P95), fmtLat(l.Max))
		})
	}
	row(fmt.Sprintf("changes seen within one sync interval (%s)", fmtDur(r0.SyncInterval)), func(r Result, naive bool) string {
		l := side(r, naive).Latency[""]
		s := fmt.Sprintf("%d / %d", l.WithinInterval, l.Changes)
		if l.Changes > l.Seen {
			s += fmt.Sprintf(" (%d unseen)", l.Changes-l.Seen)
		}
		return s
	})
	row("worker RSS peak / end (VmHWM / VmRSS)", func(r Result, naive bool) string {
		if naive {
			return "–"
		}
		s := fmt.Sprintf("%d MB / %d MB", mb(r.Mem.HWM), mb(r.Mem.RSS))
		if r.Mem.Anon > 0 {
			s += fmt.Sprintf(" (%d MB anon)", mb(r.Mem.Anon))
		}
		return s
	})
	row("running case workflows", func(r Result, naive bool) string {
		if naive {
			return "–"
		}
		return thousands(r.Workflows)
	})
	row("first discovery (calls, time)", func(r Result, naive bool) string {
		if naive {
			return "–"
		}
		return fmt.Sprintf("%s calls, %s", thousands(int64(total(r.DiscoveryCalls))), fmtDur(r.Discovery.Round(time.Second)))
	})
	b.WriteString("\n")
	rep.notes(&b)
	return b.String()
}

func (rep *Report) notes(b *strings.Builder) {
	o := rep.Options
	fmt.Fprintf(b, "- aftersale: the worker as its own process (config `sync.interval` %s, `rate_limit` %s) against sandbox A; "+
		"per-case poller: `taobao.refund.get` for every open case once per sync interval, evenly paced, "+
		"through the real TOP client against sandbox B, seeded identically and receiving the same changes at the same times.\n",
		fmtDur(o.SyncInterval), num(o.RateLimit))
	b.WriteString("- change → read: from a change being written to the sandbox until the first `taobao.refund.get` of that case " +
		"(sandbox read hook); for aftersale that is the case workflow's ReadCase activity fetching the new version, " +
		"after a TMC message or a sync listed the case.\n")
	if o.Messages {
		fmt.Fprintf(b, "- TMC costs aftersale one `taobao.tmc.messages.consume` every %s whatever happens, plus a confirm per "+
			"non-empty batch. A change can reach its workflow twice (its TMC message and the sync's list); a TMC hint "+
			"carries no snapshot, so it always re-reads: an extra read now and then.\n", fmtDur(o.MessagesInterval))
	}
	for _, r := range rep.Results {
		if r.Scaled() {
			fmt.Fprintf(b, "- \\* %s cases: polling every case every %s takes %s calls/s, above the poller's cap "+
				"(%s/s: the sandbox walks every case on every read, ~6 ms at 10,000 cases, and on 2 cores a faster poller "+
				"starves the worker being measured). It polled a random sample of %s cases at the full pace "+
				"(%s calls measured) and its counts are scaled ×%s; its latency is that of the sample's changes. "+
				"† measured at the sample's rate; at full scale it needs %s calls/s against a budget of %s/s.\n",
				thousands(int64(r.Cases)), fmtDur(r.SyncInterval), num(float64(r.Cases)/r.SyncInterval.Seconds()), num(r.NaiveRate),
				thousands(int64(r.NaiveSample)), thousands(int64(total(r.Naive.Measured))), num(float64(r.Cases)/float64(r.NaiveSample)),
				num(float64(r.Cases)/r.SyncInterval.Seconds()), num(o.RateLimit))
		}
		if r.Naive.Errors > 0 || r.Naive.MaxLag > r.SyncInterval/10 {
			fmt.Fprintf(b, "- %s cases: the poller had %d failed reads, fell behind its pace by up to %s and made %s of the %s "+
				"calls its pace planned (the counts above are what it made).\n",
				thousands(int64(r.Cases)), r.Naive.Errors, fmtLat(r.Naive.MaxLag),
				thousands(int64(total(r.Naive.Measured))), thousands(r.Naive.Planned))
		}
		if r.ChangesLate > time.Second {
			fmt.Fprintf(b, "- %s cases: the sandboxes were busy; the latest change was made %s after its scheduled time "+
				"(latencies count from when each change was actually made).\n", thousands(int64(r.Cases)), fmtLat(r.ChangesLate))
		}
	}
	fmt.Fprintf(b, "- The sandbox enforces no TOP rate limit (TOP publishes none per app), so its rate-limit counter stays 0 for TOP; "+
		"\"calls over budget\" applies the worker's budget (%s/s = the TOP default of %d/s scaled by the time compression, 1 h / %s) "+
		"to the calls' arrival times as a leaky bucket with a 1 s burst.\n", num(o.RateLimit), topDefaultBudget, fmtDur(o.Hour))
}

// hasKind reports whether any scenario made changes of kind.
func (rep *Report) hasKind(kind string) bool {
	for _, r := range rep.Results {
		if r.ChangesByKind[kind] > 0 {
			return true
		}
	}
	return false
}

// endpoints lists every endpoint either side called, in name order.
func (rep *Report) endpoints() []string {
	seen := map[string]bool{}
	for _, r := range rep.Results {
		for _, s := range []Side{r.Ours, r.Naive} {
			for ep := range s.Calls {
				seen[ep] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for ep := range seen {
		out = append(out, ep)
	}
	slices.Sort(out)
	return out
}

func changeText(c string) string {
	const ship = "the buyer ships the return (the sandbox moves the refund and publishes TOP's TMC message; the rules then confirm receipt)"
	const edit = "the buyer gets more time to send the return (new deadline and version, no TMC message; the rules still say wait)"
	switch c {
	case ChangeShip:
		return ship
	case ChangeEdit:
		return edit
	}
	return "alternately " + ship + " and " + edit
}

func messagesText(o Options) string {
	if !o.Messages {
		return "; TMC messages not consumed"
	}
	return fmt.Sprintf("; TMC messages consumed every %s", fmtDur(o.MessagesInterval))
}

func cacheText(n int) string {
	if n <= 0 {
		return "SDK default (10,000)"
	}
	return thousands(int64(n))
}

func pct(f float64) string { return num(f*100) + "%" }

// num prints a float compactly: 3 significant digits below 100, no
// decimals above.
func num(f float64) string {
	switch {
	case f >= 100:
		return thousands(int64(f + 0.5))
	case f >= 10:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", f), "0"), ".")
	default:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
	}
}

// thousands prints n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// fmtDur prints a configuration duration: 2m, 10s, 1m30s.
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// fmtLat prints a latency with 0.1 s resolution (ms below a second).
func fmtLat(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
