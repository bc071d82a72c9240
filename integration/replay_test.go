package integration

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/workflows"
)

// TestReplayCandidateRules runs cases with the live (example) rules, then
// replays their recorded evaluations with candidate rules through the CLI.
func TestReplayCandidateRules(t *testing.T) {
	shop := shopFor(t)
	small, mid, big := "2026112300000007301", "2026112300000007302", "2026112300000007303"
	putCase(t, shop, newRefund(small, "99.00", time.Now().Add(48*time.Hour)))
	putCase(t, shop, newRefund(mid, "150.00", time.Now().Add(48*time.Hour)))
	r := newRefund(big, "2399.00", time.Now().Add(72*time.Hour))
	r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
	putCase(t, shop, r)
	wids := map[string]string{}
	for _, id := range []string{small, mid, big} {
		wids[id] = startCase(t, shop, id)
	}
	// The live rules agree both small refunds (unshipped-small-refund: ≤ 200
	// yuan) and escalate the big one (big-ticket, on_deadline agree).
	for _, id := range []string{small, mid} {
		v := waitResult(t, wids[id], 60*time.Second)
		if !hasDecision(v, "agree", "unshipped-small-refund") {
			t.Fatalf("%s: decisions %+v, want an agree by unshipped-small-refund", id, v.Decisions)
		}
	}
	eventually(t, 30*time.Second, "the big ticket to escalate", func() bool {
		v := query(t, wids[big])
		return v.Escalation != nil && hasDecision(v, "escalate", "big-ticket")
	})

	same := t.TempDir()
	copyRules(t, "../rules/examples", same, nil)
	// The candidate lowers the small-refund line to 100 yuan: the 150 yuan
	// refund would now go to a person.
	lower := t.TempDir()
	copyRules(t, "../rules/examples", lower, func(name, src string) string {
		if name != "taobao.yaml" {
			return src
		}
		out := strings.Replace(src, `goods_status == "not_shipped" && amount <= 200`, `goods_status == "not_shipped" && amount <= 100`, 1)
		if out == src {
			t.Fatal("unshipped-small-refund is not where the test expects it in rules/examples/taobao.yaml")
		}
		return out // its tests: entries still pin 200; a replay does not run them
	})

	t.Run("changed decision fails", func(t *testing.T) {
		out, errOut, code := starterRun(t, "rules", "replay", "--rules", lower, "--since", "1h", "--shop", shop)
		if code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
		line := lineWith(out, wids[mid])
		for _, want := range []string{"awaiting_seller", "150.00 CNY", "agree (unshipped-small-refund) → escalate (default)"} {
			if !strings.Contains(line, want) {
				t.Errorf("the changed decision's line %q lacks %q\n%s", line, want, out)
			}
		}
		for _, want := range []string{
			"agree → escalate: 1 decision on 1 case, 150.00 CNY",
			"read ", " runs of 3 cases",
			"1 decision on 1 case would change",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, wids[small]) || strings.Contains(out, wids[big]) {
			t.Errorf("unchanged cases are listed:\n%s", out)
		}
		if !strings.Contains(errOut, "rerun with --accept") {
			t.Errorf("stderr lacks the verdict:\n%s", errOut)
		}
	})

	t.Run("json", func(t *testing.T) {
		out, errOut, code := starterRun(t, "rules", "replay", "--rules", lower, "--since", "1h", "--shop", shop, "--json")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
		}
		var rep struct {
			CandidateHash string   `json:"candidate_hash"`
			LiveHashes    []string `json:"live_hashes"`
			Cases         int      `json:"cases"`
			Decisions     int      `json:"decisions"`
			Changed       int      `json:"changed"`
			ChangedCases  int      `json:"changed_cases"`
			Transitions   []struct {
				From, To         string
				Decisions, Cases int
				Amounts          map[string]int64
			} `json:"transitions"`
			Diffs []struct {
				Kind       string `json:"kind"`
				WorkflowID string `json:"workflow_id"`
				Amount     int64  `json:"amount"`
				Live       struct{ Action, Rule string }
				Candidate  struct{ Action, Rule string }
			} `json:"diffs"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("--json is not JSON: %v\n%s", err, out)
		}
		if rep.Cases != 3 || rep.Decisions < 3 || rep.Changed != 1 || rep.ChangedCases != 1 {
			t.Errorf("report = %+v", rep)
		}
		if len(rep.LiveHashes) != 1 || rep.LiveHashes[0] != env.rules.Current().Hash || rep.CandidateHash == rep.LiveHashes[0] {
			t.Errorf("live hashes %v (want [%s]), candidate %s", rep.LiveHashes, env.rules.Current().Hash, rep.CandidateHash)
		}
		if len(rep.Transitions) != 1 || rep.Transitions[0].Amounts["CNY"] != 15000 || rep.Transitions[0].From != "agree" {
			t.Errorf("transitions = %+v", rep.Transitions)
		}
		if len(rep.Diffs) != 1 || rep.Diffs[0].WorkflowID != wids[mid] || rep.Diffs[0].Amount != 15000 ||
			rep.Diffs[0].Live.Rule != "unshipped-small-refund" || rep.Diffs[0].Candidate.Action != "escalate" {
			t.Errorf("diffs = %+v", rep.Diffs)
		}
	})

	t.Run("accept", func(t *testing.T) {
		out, errOut, code := starterRun(t, "rules", "replay", "--rules", lower, "--since", "1h", "--shop", shop, "--accept")
		if code != 0 || !strings.Contains(out, "accepted: 1 decision on 1 case change") || !strings.Contains(out, wids[mid]) {
			t.Fatalf("exit %d, want 0 and accepted\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	t.Run("identical rules pass", func(t *testing.T) {
		out, errOut, code := starterRun(t, "rules", "replay", "--rules", same, "--since", "1h", "--shop", shop)
		if code != 0 || !strings.Contains(out, "no decision changes") || !strings.Contains(out, "same decision, other rule: 0 decisions") {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		// Every case of every test so far was decided by the same rules.
		out, errOut, code = starterRun(t, "rules", "replay", "--rules", same, "--since", "1h")
		if code != 0 || !strings.Contains(out, "no decision changes") {
			t.Fatalf("whole server: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	t.Run("a window after the decisions is empty", func(t *testing.T) {
		at := time.Now().Add(time.Minute).Format(time.RFC3339)
		out, errOut, code := starterRun(t, "rules", "replay", "--rules", lower, "--since", at, "--shop", shop)
		if code != 0 || !strings.Contains(out, "0 decisions replayed") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	t.Run("histories are encrypted: without the keys the replay cannot run", func(t *testing.T) {
		cmd := starterCmd(t, "rules", "replay", "--rules", same, "--since", "1h", "--shop", shop)
		cmd.Env = append(cmd.Env, codec.EnvKeys+"=")
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(errOut.String(), "AFTERSALE_PAYLOAD_KEYS") ||
			!strings.Contains(errOut.String(), "the replay is incomplete") {
			t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
		}
	})

	t.Run("broken rules", func(t *testing.T) {
		broken := t.TempDir()
		copyRules(t, "../rules/examples", broken, func(name, src string) string {
			if name == "taobao.yaml" {
				return strings.Replace(src, `amount <= 200`, `amount <= "two hundred"`, 1)
			}
			return src
		})
		out, errOut, code := starterRun(t, "rules", "replay", "--rules", broken, "--since", "1h", "--shop", shop)
		if code != 2 || !strings.Contains(errOut, filepath.Join(broken, "taobao.yaml")+":") || out != "" {
			t.Fatalf("exit %d, want 2 with file:line:col\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})
}

func hasDecision(v workflows.CaseView, action, rule string) bool {
	for _, d := range v.Decisions {
		if string(d.Action) == action && d.Rule == rule {
			return true
		}
	}
	return false
}

// copyRules copies the rule files of from into to, through edit if not nil.
func copyRules(t *testing.T, from, to string, edit func(name, src string) string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		src := string(data)
		if edit != nil {
			src = edit(e.Name(), src)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lineWith is the first line of out containing s, or "".
func lineWith(out, s string) string {
	for line := range strings.Lines(out) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
