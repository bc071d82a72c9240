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
)

// starter builds the operator CLI once and runs it against the test server.
func starter(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := starterCmd(t, args...).CombinedOutput()
	return string(out), err
}

// starterCmd is the built operator CLI, set to talk to the test server.
func starterCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(os.TempDir(), "aftersale-starter-test")
	buildOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", bin, "../starter").CombinedOutput()
		if err != nil {
			t.Fatalf("build starter: %v\n%s", err, out)
		}
	})
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+env.server.HostPort(), "TEMPORAL_NAMESPACE="+env.server.Namespace())
	return cmd
}

// starterRun runs the CLI with stdout and stderr apart, and its exit code.
func starterRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := starterCmd(t, args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("starter %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

func TestStarterStartListShowDecide(t *testing.T) {
	shop := shopFor(t)
	small, big := "2026112300000000801", "2026112300000000802"
	putCase(t, shop, newRefund(small, "15.00", time.Now().Add(48*time.Hour)))
	r := newRefund(big, "3999.00", time.Now().Add(72*time.Hour))
	r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
	putCase(t, shop, r)

	for _, id := range []string{small, big} {
		if out, err := starter(t, "start", "--platform", "taobao", "--shop", shop, "--case", id); err != nil {
			t.Fatalf("start: %v\n%s", err, out)
		}
	}
	waitResult(t, "case/taobao/"+shop+"/"+small, 60*time.Second)
	eventually(t, 30*time.Second, "the big ticket to be listed as escalated", func() bool {
		out, _ := starter(t, "cases", "list", "--escalated", "--shop", shop, "--json")
		return strings.Contains(out, big)
	})

	out, err := starter(t, "cases", "list", "--shop", shop, "--json")
	if err != nil {
		t.Fatalf("cases list: %v\n%s", err, out)
	}
	var listed []map[string]any
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatalf("cases list --json is not JSON: %v\n%s", err, out)
	}
	if len(listed) != 2 {
		t.Fatalf("listed %d cases, want 2:\n%s", len(listed), out)
	}
	for _, c := range listed {
		for _, field := range []string{"workflow_id", "platform", "shop", "case_id", "status", "platform_status", "amount", "currency", "deadline", "escalated", "decisions"} {
			if _, ok := c[field]; !ok {
				t.Errorf("case %v lacks %q", c["workflow_id"], field)
			}
		}
		switch c["case_id"] {
		case small:
			if c["status"] != "succeeded" || c["escalated"] != false || c["amount"] != float64(1500) {
				t.Errorf("small case = %v", c)
			}
		case big:
			if c["status"] != "awaiting_seller" || c["escalated"] != true {
				t.Errorf("big case = %v", c)
			}
		}
	}

	if out, err := starter(t, "decide", "taobao/"+shop+"/"+big, "--action", "resend", "--by", "li"); err == nil {
		t.Fatalf("decide resend on a refund succeeded:\n%s", out)
	} else if !strings.Contains(out, "does not allow resend") {
		t.Fatalf("decide resend: want a clear refusal, got:\n%s", out)
	}
	if out, err := starter(t, "decide", "taobao/"+shop+"/"+big, "--action", "agree", "--by", "li", "--note", "ok"); err != nil {
		t.Fatalf("decide: %v\n%s", err, out)
	}
	out, err = starter(t, "cases", "show", "taobao/"+shop+"/"+big)
	if err != nil || !strings.Contains(out, "agree") || !strings.Contains(out, "by li") {
		t.Fatalf("cases show: %v\n%s", err, out)
	}
	if got := actions(t, shop); len(got) != 2 {
		t.Fatalf("sandbox actions = %+v, want one agree per case", got)
	}
}
