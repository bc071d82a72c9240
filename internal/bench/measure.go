package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftersale/aftersale/platforms/sandbox"
)

// readLog records when each case was read (the sandbox's OnRead hook).
type readLog struct {
	mu    sync.Mutex
	reads map[string][]time.Time
}

func newReadLog() *readLog { return &readLog{reads: map[string][]time.Time{}} }

// hook is a sandbox.Options.OnRead.
func (l *readLog) hook(_, _, caseID string, at time.Time) {
	l.mu.Lock()
	l.reads[caseID] = append(l.reads[caseID], at)
	l.mu.Unlock()
}

// distinct is how many cases were read at least once.
func (l *readLog) distinct() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reads)
}

// firstAfter is the first read of caseID strictly after t.
func (l *readLog) firstAfter(caseID string, t time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, at := range l.reads[caseID] { // appended in lock order: ascending
		if at.After(t) {
			return at, true
		}
	}
	return time.Time{}, false
}

// applied is one change as it reached one sandbox: the time before the
// store call and the time it returned. A read that started after done
// certainly saw the change; latency is counted from before (conservative
// by the store call's own duration).
type applied struct {
	caseID       string
	kind         string
	before, done time.Time
}

// ofKind keeps the changes of one kind ("" keeps all) whose case keep
// accepts (nil accepts all).
func ofKind(changes []applied, kind string, keep func(caseID string) bool) []applied {
	var out []applied
	for _, c := range changes {
		if (kind == "" || c.kind == kind) && (keep == nil || keep(c.caseID)) {
			out = append(out, c)
		}
	}
	return out
}

// latencies returns, for each change, the time until the first read that
// saw it; unseen counts changes never read afterwards.
func latencies(changes []applied, reads *readLog) (lat []time.Duration, unseen int) {
	for _, c := range changes {
		at, ok := reads.firstAfter(c.caseID, c.done)
		if !ok {
			unseen++
			continue
		}
		lat = append(lat, at.Sub(c.before))
	}
	return lat, unseen
}

// LatencyStats summarizes change-to-read latencies.
type LatencyStats struct {
	Changes int // changes the side was expected to see
	Seen    int
	P50     time.Duration
	P95     time.Duration
	Max     time.Duration
	// WithinInterval is how many were seen within one sync interval.
	WithinInterval int
}

func latencyStats(lat []time.Duration, unseen int, interval time.Duration) LatencyStats {
	s := LatencyStats{Changes: len(lat) + unseen, Seen: len(lat)}
	if len(lat) == 0 {
		return s
	}
	sorted := append([]time.Duration(nil), lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	s.P50, s.P95, s.Max = Percentile(sorted, 50), Percentile(sorted, 95), sorted[len(sorted)-1]
	for _, d := range sorted {
		if d <= interval {
			s.WithinInterval++
		}
	}
	return s
}

// Percentile is the nearest-rank p-th percentile of sorted (ascending);
// 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// callTimes records when each platform API request arrived at a sandbox.
type callTimes struct {
	mu sync.Mutex
	at []time.Time
}

func (c *callTimes) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/_sandbox/") {
			now := time.Now()
			c.mu.Lock()
			c.at = append(c.at, now)
			c.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// between returns the arrival times in [from, to), ascending.
func (c *callTimes) between(from, to time.Time) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Time
	for _, t := range c.at {
		if !t.Before(from) && t.Before(to) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// PeakPerSecond is the most calls within any one-second window.
func PeakPerSecond(sorted []time.Time) int {
	peak, j := 0, 0
	for i := range sorted {
		for sorted[i].Sub(sorted[j]) >= time.Second {
			j++
		}
		peak = max(peak, i-j+1)
	}
	return peak
}

// OverBudget counts the calls a platform limiter of rate calls/s with a
// one-second burst (a leaky bucket, as the sandbox models documented
// limits) would have refused.
func OverBudget(sorted []time.Time, rate float64) int {
	if rate <= 0 {
		return 0
	}
	burst := math.Max(1, rate)
	var level float64
	var last time.Time
	over := 0
	for i, t := range sorted {
		if i > 0 {
			level = math.Max(0, level-t.Sub(last).Seconds()*rate)
		}
		last = t
		if level+1 > burst {
			over++
			continue
		}
		level++
	}
	return over
}

// serveSandbox serves a sandbox's handler, recording call arrival times,
// until ctx is done. It returns the base URL.
func serveSandbox(ctx context.Context, sb *sandbox.Sandbox, times *callTimes) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: times.wrap(sb.Handler()), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	return "http://" + ln.Addr().String(), nil
}

// fetchCalls reads GET /_sandbox/calls.
func fetchCalls(ctx context.Context, baseURL string) (sandbox.CallStats, error) {
	var out sandbox.CallStats
	return out, getSandbox(ctx, baseURL, "/_sandbox/calls", &out)
}

// fetchActions reads GET /_sandbox/actions, as an acceptance check would.
func fetchActions(ctx context.Context, baseURL string) ([]sandbox.Action, error) {
	var out []sandbox.Action
	return out, getSandbox(ctx, baseURL, "/_sandbox/actions", &out)
}

// getSandbox reads one of the sandbox's admin endpoints into out.
func getSandbox(ctx context.Context, baseURL, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}

// callsDiff is the per-endpoint calls of platform made between two
// snapshots; endpoints without calls are left out.
func callsDiff(before, after sandbox.CallStats, platform string) map[string]int {
	out := map[string]int{}
	for ep, n := range after.Calls[platform] {
		if d := n - before.Calls[platform][ep]; d > 0 {
			out[ep] = d
		}
	}
	return out
}

func total(calls map[string]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}

// ProcMem is a process's resident memory from /proc/<pid>/status.
type ProcMem struct {
	HWM int64 // VmHWM: peak resident set, bytes
	RSS int64 // VmRSS: resident set now, bytes
	// Anon is the anonymous part of RSS (RssAnon: heap, stacks); the rest
	// is mostly the executable's pages.
	Anon int64
}

func readProcMem(pid int) (ProcMem, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcMem{}, err
	}
	defer f.Close()
	return parseProcStatus(f)
}

// parseProcStatus reads VmHWM, VmRSS and RssAnon ("VmRSS:\t  123456 kB").
func parseProcStatus(r io.Reader) (ProcMem, error) {
	var m ProcMem
	fields := map[string]*int64{"VmHWM": &m.HWM, "VmRSS": &m.RSS, "RssAnon": &m.Anon}
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		dst := fields[key]
		if !ok || dst == nil {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("%s: %w", key, err)
		}
		*dst = kb * 1024
		if key != "RssAnon" {
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found < 2 {
		return m, errors.New("VmHWM/VmRSS not found (not Linux?)")
	}
	return m, nil
}
