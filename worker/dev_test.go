package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

// TestDevModeDecidesDemoCasesAndResumesAfterRestart runs `worker --dev` in
// process: the demo cases the example rules can decide are decided within
// 60 s, the UI answers, and a restart on the same data dir resumes the
// escalated cases, which then take a human decision.
func TestDevModeDecidesDemoCasesAndResumesAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole system")
	}
	dataDir := t.TempDir()
	opts := devOptions{DataDir: dataDir, TemporalPort: freePort(t), UIPort: freePort(t), SandboxAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		PushAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), InboxAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		CodecAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), Banner: io.Discard}
	stop := startDev(t, opts)

	c := dial(t, opts)
	var views map[string]workflows.CaseView
	stableSince, lastCount := time.Now(), -1
	eventually(t, 60*time.Second, "every demo case to be decided or escalated", func() bool {
		views = caseViews(t, c)
		if len(views) != lastCount {
			stableSince, lastCount = time.Now(), len(views)
		}
		// Sync finds the cases within its first run; the count then stays.
		if len(views) < 14 || time.Since(stableSince) < 3*time.Second {
			return false
		}
		for _, v := range views {
			if !settled(v) {
				return false
			}
		}
		return true
	})
	escalated := 0
	for id, v := range views {
		if v.Escalation != nil {
			escalated++
			continue
		}
		if len(v.Decisions) == 0 && !v.Finished { // a case the platform finished needs none
			t.Errorf("%s has no decision: %+v", id, v.Case)
		}
	}
	if escalated < 4 {
		t.Errorf("%d escalated cases, want at least 4 (two big tickets, two flagged)", escalated)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", opts.UIPort))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Temporal UI: %v %v", err, resp)
	}
	resp.Body.Close()
	// Every escalation reached the ops webhook (the sandbox stands in for it)
	// and waits in the inbox.
	eventually(t, 30*time.Second, "a notice per escalated case", func() bool {
		var got []struct {
			Body struct {
				Event      string `json:"event"`
				WorkflowID string `json:"workflow_id"`
			} `json:"body"`
		}
		getJSON(t, "http://"+opts.SandboxAddr+"/_sandbox/notifications", &got)
		seen := map[string]bool{}
		for _, n := range got {
			if n.Body.Event == "escalated" {
				seen[n.Body.WorkflowID] = true
			}
		}
		return len(seen) >= escalated
	})
	assertEncrypted(t, c, "case/taobao/tb-flagship/2026112300000000010", "http://"+opts.CodecAddr)
	page := getBody(t, "http://"+opts.InboxAddr+"/")
	if !strings.Contains(page, "2026112300000000010") {
		t.Errorf("the inbox does not list the escalated demo case:\n%s", page)
	}
	c.Close()
	stop()

	// Restart on the same data dir (fresh ports: the old server's goroutines linger).
	opts.TemporalPort, opts.UIPort = freePort(t), freePort(t)
	stop = startDev(t, opts)
	defer stop()
	c = dial(t, opts)
	defer c.Close()
	id := workflows.CaseWorkflowID(platforms.Taobao, "tb-flagship", "2026112300000000010")
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: workflows.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.DecideRequest{Action: platforms.ActionAgree, By: "li.ops"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var d workflows.Decision
	if err := h.Get(context.Background(), &d); err != nil || d.Outcome != workflows.OutcomeDone {
		t.Fatalf("decide after restart: %+v %v", d, err)
	}
	// Each decision reached the sandbox once, across the restart.
	seen := map[string]int{}
	for _, a := range sandboxActions(t, opts) {
		if a.OK {
			seen[a.CaseID+" "+a.Action]++
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s reached the platform %d times", k, n)
		}
	}
}

// settled: finished, with a human, or waiting for the other side as the rules said.
func settled(v workflows.CaseView) bool {
	if v.Finished || v.Escalation != nil {
		return true
	}
	n := len(v.Decisions)
	return n > 0 && v.Decisions[n-1].Outcome == workflows.OutcomeWaiting
}

func startDev(t *testing.T, opts devOptions) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- runDev(ctx, opts, logger) }()
	eventually(t, 2*time.Minute, "dev mode to come up", func() bool {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", opts.TemporalPort))
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("dev mode stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("dev mode did not stop within 30 s")
		}
	}
}

func dial(t *testing.T, opts devOptions) client.Client {
	t.Helper()
	var c client.Client
	eventually(t, 30*time.Second, "a Temporal client", func() bool {
		var err error
		ring, err := devKeyring(opts.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		dc, fc := codec.ClientOptions(ring)
		c, err = client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", opts.TemporalPort), Logger: quiet{},
			DataConverter: dc, FailureConverter: fc})
		return err == nil
	})
	return c
}

func caseViews(t *testing.T, c client.Client) map[string]workflows.CaseView {
	t.Helper()
	ctx := context.Background()
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'CaseWorkflow'"})
	if err != nil {
		return nil
	}
	views := map[string]workflows.CaseView{}
	for _, e := range resp.Executions {
		id := e.GetExecution().GetWorkflowId()
		var v workflows.CaseView
		if e.GetCloseTime() != nil {
			if err := c.GetWorkflow(ctx, id, "").Get(ctx, &v); err != nil {
				return nil
			}
		} else {
			res, err := c.QueryWorkflow(ctx, id, "", workflows.QueryState)
			if err != nil || res.Get(&v) != nil {
				return nil
			}
		}
		views[id] = v
	}
	return views
}

type sandboxAction struct {
	CaseID string `json:"case_id"`
	Action string `json:"action"`
	OK     bool   `json:"ok"`
}

func sandboxActions(t *testing.T, opts devOptions) []sandboxAction {
	t.Helper()
	resp, err := http.Get("http://" + opts.SandboxAddr + "/_sandbox/actions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []sandboxAction
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(getBody(t, url)), out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// assertEncrypted checks that a case's stored history holds its input only
// as ciphertext, and that the codec endpoint the UI uses decodes it.
func assertEncrypted(t *testing.T, c client.Client, wid, codecURL string) {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), wid, "", false, 0)
	ev, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	in := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()[0]
	if enc := string(in.GetMetadata()["encoding"]); enc != codec.EncodingEncrypted || strings.Contains(string(in.GetData()), "tb-flagship") {
		t.Fatalf("stored input is not encrypted: encoding %q", enc)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{in}})
	resp, err := http.Post(codecURL+"/decode", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out commonpb.Payloads
	raw, _ := io.ReadAll(resp.Body)
	if err := protojson.Unmarshal(raw, &out); err != nil || len(out.Payloads) != 1 || !strings.Contains(string(out.Payloads[0].GetData()), "tb-flagship") {
		t.Fatalf("codec endpoint did not decode the input: %v %s", err, raw)
	}
}
