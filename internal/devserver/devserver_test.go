package devserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// testLogger logs to t at warn level. Server goroutines may still log after
// the test ends, when t.Log would panic: those lines are dropped.
func testLogger(t *testing.T) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	began := time.Now()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("server up in %v at %s (ui %q)", time.Since(began).Round(time.Millisecond), s.HostPort(), s.UIAddress())
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func dial(t *testing.T, s *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.HostPort(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(testLogger(t)),
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Workflows used by the tests.

func greet(ctx workflow.Context, name string) (string, error) {
	return "hello " + name, nil
}

func escalate(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyBool("AfterSaleEscalated").ValueSet(true),
		temporal.NewSearchAttributeKeyKeyword("AfterSalePlatform").ValueSet("taobao"),
		temporal.NewSearchAttributeKeyFloat64("AfterSaleAmount").ValueSet(99.5),
		temporal.NewSearchAttributeKeyTime("AfterSaleDeadline").ValueSet(workflow.Now(ctx).Add(time.Hour)),
	)
}

// counter accepts "add" updates until it gets the "done" signal.
func counter(ctx workflow.Context) (int, error) {
	total := 0
	if err := workflow.SetUpdateHandler(ctx, "add", func(ctx workflow.Context, n int) (int, error) {
		total += n
		return total, nil
	}); err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return total, nil
}

func waitForSignal(ctx workflow.Context) (string, error) {
	var v string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &v)
	return "got " + v, nil
}

func register(w worker.Worker) {
	w.RegisterWorkflow(greet)
	w.RegisterWorkflow(escalate)
	w.RegisterWorkflow(counter)
	w.RegisterWorkflow(waitForSignal)
}

func startWorker(t *testing.T, c client.Client, tq string) worker.Worker {
	t.Helper()
	w := worker.New(c, tq, worker.Options{})
	register(w)
	if err := w.Start(); err != nil {
		t.Fatalf("worker: %v", err)
	}
	return w
}

func eventually(t *testing.T, timeout time.Duration, what string, f func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := f()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out (last error: %v)", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestInMemory(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	s := startServer(t, Options{UIPort: -1})
	if s.Namespace() != "default" {
		t.Errorf("Namespace() = %q, want default", s.Namespace())
	}
	if !strings.HasPrefix(s.HostPort(), "127.0.0.1:") {
		t.Errorf("HostPort() = %q, want loopback", s.HostPort())
	}
	c := dial(t, s)
	const tq = "devserver-test"
	w := startWorker(t, c, tq)
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("workflow", func(t *testing.T) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet", TaskQueue: tq}, greet, "after-sale")
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := run.Get(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if got != "hello after-sale" {
			t.Fatalf("result %q", got)
		}
	})

	t.Run("search attributes", func(t *testing.T) {
		resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.Namespace()})
		if err != nil {
			t.Fatal(err)
		}
		for name, typ := range SearchAttributes {
			if got := resp.GetCustomAttributes()[name]; got != typ {
				t.Errorf("search attribute %s: %v, want %v", name, got, typ)
			}
		}
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "case/taobao/shop1/42", TaskQueue: tq}, escalate)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		query := `AfterSaleEscalated = true AND AfterSalePlatform = "taobao" AND AfterSaleAmount > 50`
		eventually(t, 20*time.Second, "ListWorkflow "+query, func() (bool, error) {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: s.Namespace(), Query: query})
			if err != nil {
				return false, err
			}
			return len(resp.Executions) == 1 && resp.Executions[0].Execution.WorkflowId == run.GetID(), nil
		})
	})

	t.Run("update", func(t *testing.T) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "counter", TaskQueue: tq}, counter)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{2, 5} {
			h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
				WorkflowID:   run.GetID(),
				UpdateName:   "add",
				Args:         []any{[]int{2, 3}[i]},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			})
			if err != nil {
				t.Fatal(err)
			}
			var got int
			if err := h.Get(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("update %d returned %d, want %d", i, got, want)
			}
		}
		if err := c.SignalWorkflow(ctx, run.GetID(), "", "done", nil); err != nil {
			t.Fatal(err)
		}
		var total int
		if err := run.Get(ctx, &total); err != nil || total != 5 {
			t.Fatalf("result %d, %v", total, err)
		}
	})

	t.Run("schedule", func(t *testing.T) {
		h, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:                 "sync-test",
			Spec:               client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
			Action:             &client.ScheduleWorkflowAction{ID: "sync-test-wf", Workflow: greet, Args: []any{"schedule"}, TaskQueue: tq},
			TriggerImmediately: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = h.Delete(context.Background()) }()
		eventually(t, 30*time.Second, "scheduled run", func() (bool, error) {
			d, err := h.Describe(ctx)
			if err != nil {
				return false, err
			}
			return len(d.Info.RecentActions) > 0, nil
		})
	})

	t.Run("ui", func(t *testing.T) {
		if !strings.HasPrefix(s.UIAddress(), "127.0.0.1:") {
			t.Fatalf("UIAddress() = %q", s.UIAddress())
		}
		resp, err := http.Get("http://" + s.UIAddress() + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %s", resp.Status)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
		if !strings.Contains(strings.ToLower(string(body)), "<html") {
			t.Errorf("body is not HTML: %.200s", body)
		}
		// The UI's API proxies to the frontend over gRPC.
		eventually(t, 20*time.Second, "UI API lists namespaces", func() (bool, error) {
			resp, err := http.Get("http://" + s.UIAddress() + "/api/v1/namespaces")
			if err != nil {
				return false, err
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				return false, fmt.Errorf("%s: %.200s", resp.Status, body)
			}
			return strings.Contains(string(body), `"default"`), fmt.Errorf("no default namespace in %.300s", body)
		})
	})

	w.Stop()
	c.Close()
	began := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stopped in %v", time.Since(began).Round(time.Millisecond))
	if err := s.Stop(); err != nil { // idempotent
		t.Fatalf("second Stop: %v", err)
	}
	// The server leaves a few process-wide goroutines behind (the SQLite
	// connection pool is never closed); report, don't fail.
	time.Sleep(200 * time.Millisecond)
	t.Logf("goroutines: %d before Start, %d after Stop", goroutines, runtime.NumGoroutine())
}

func TestPersistentRestart(t *testing.T) {
	dir := t.TempDir()
	const tq = "devserver-restart"
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	// First run registers only one attribute: the second run must add the rest
	// to the existing database.
	s1 := startServer(t, Options{DataDir: dir, SearchAttributes: map[string]enums.IndexedValueType{
		"AfterSalePlatform": enums.INDEXED_VALUE_TYPE_KEYWORD,
	}})
	if _, err := os.Stat(filepath.Join(dir, DBFile)); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if _, err := Start(ctx, Options{DataDir: dir, Logger: testLogger(t)}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second server on the same data dir: err = %v, want 'in use'", err)
	}
	c1 := dial(t, s1)
	w1 := startWorker(t, c1, tq)
	run, err := c1.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "case/xiaoe/shop/1", TaskQueue: tq}, waitForSignal)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the worker has run the first workflow task, so the workflow
	// is really parked on the signal when the server goes down.
	eventually(t, 20*time.Second, "first workflow task", func() (bool, error) {
		d, err := c1.DescribeWorkflowExecution(ctx, run.GetID(), "")
		if err != nil {
			return false, err
		}
		return d.PendingWorkflowTask == nil && d.WorkflowExecutionInfo.HistoryLength >= 4, nil
	})
	w1.Stop()
	c1.Close()
	if err := s1.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	s2 := startServer(t, Options{DataDir: dir})
	c2 := dial(t, s2)
	resp, err := c2.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s2.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range SearchAttributes {
		if got := resp.GetCustomAttributes()[name]; got != typ {
			t.Errorf("after restart, search attribute %s: %v, want %v", name, got, typ)
		}
	}
	w2 := startWorker(t, c2, tq)
	defer w2.Stop()
	if err := c2.SignalWorkflow(ctx, run.GetID(), "", "go", "resume"); err != nil {
		t.Fatalf("signal after restart: %v", err)
	}
	var got string
	if err := c2.GetWorkflow(ctx, run.GetID(), "").Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if got != "got resume" {
		t.Fatalf("result %q", got)
	}
}

func TestFailedStartReleasesDataDir(t *testing.T) {
	dir := t.TempDir()
	tooMany := map[string]enums.IndexedValueType{}
	for i := range 50 {
		tooMany[fmt.Sprintf("Flag%d", i)] = enums.INDEXED_VALUE_TYPE_BOOL
	}
	ctx := context.Background()
	if _, err := Start(ctx, Options{DataDir: dir, SearchAttributes: tooMany, Logger: testLogger(t)}); err == nil {
		t.Fatal("Start with 50 Bool search attributes succeeded")
	} else {
		t.Logf("expected error: %v", err)
	}
	// The failed start must not keep the data dir locked.
	startServer(t, Options{DataDir: dir})
}
