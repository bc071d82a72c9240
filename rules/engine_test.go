package rules

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

const goodRules = "platform: taobao\nrules:\n  - id: small\n    when: amount <= 200\n    then: agree\n"

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestEngineKeepsLastGood(t *testing.T) {
	dir := writeDir(t, map[string]string{"taobao.yaml": goodRules})
	var logs syncBuffer
	e, err := NewEngine(dir, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	good := e.Current()
	if d, _ := e.Evaluate(refund(100), testNow); d.Action != platforms.ActionAgree || d.RulesetHash != good.Hash {
		t.Fatalf("got %+v", d)
	}

	// A broken edit is refused and logged with its position.
	writeFiles(t, dir, map[string]string{"taobao.yaml": strings.Replace(goodRules, "amount <= 200", "amount <= 200 && colour", 1)})
	if err := e.Reload(); err == nil {
		t.Fatal("Reload of a broken file succeeded")
	}
	if e.Current() != good {
		t.Fatal("a broken edit replaced the ruleset")
	}
	if d, _ := e.Evaluate(refund(100), testNow); d.Action != platforms.ActionAgree || d.RulesetHash != good.Hash {
		t.Errorf("after a broken edit: %+v", d)
	}
	if l := logs.String(); !strings.Contains(l, "line=4 col=28") || !strings.Contains(l, "unknown name colour") ||
		!strings.Contains(l, "kept="+good.Hash) {
		t.Errorf("log does not locate the error:\n%s", l)
	}

	// A fixed edit is picked up.
	writeFiles(t, dir, map[string]string{"taobao.yaml": strings.Replace(goodRules, "agree", "escalate", 1)})
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if e.Current().Hash == good.Hash {
		t.Error("hash did not change")
	}
	if d, _ := e.Evaluate(refund(100), testNow); d.Action != platforms.ActionEscalate || d.RulesetHash != e.Current().Hash {
		t.Errorf("after the fix: %+v", d)
	}
}

func TestNewEngineFailsOnBadRules(t *testing.T) {
	dir := writeDir(t, map[string]string{"taobao.yaml": "platform: taobao\nmode: loud\n"})
	if _, err := NewEngine(dir); err == nil || len(Errors(err)) != 1 {
		t.Errorf("err = %v", err)
	}
}

func TestEngineWatch(t *testing.T) {
	dir := writeDir(t, map[string]string{"taobao.yaml": goodRules})
	var logs syncBuffer
	e, err := NewEngine(dir, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Watch(ctx, 5*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if ok() {
				return
			}
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	first := e.Current()

	writeFiles(t, dir, map[string]string{"taobao.yaml": "platform: taobao\ndefault: oops\n"})
	waitFor("the broken edit to be logged", func() bool { return strings.Contains(logs.String(), "oops") })
	time.Sleep(50 * time.Millisecond) // several polls
	if n := strings.Count(logs.String(), "oops"); n != 1 {
		t.Errorf("broken edit logged %d times, want once", n)
	}
	if e.Current() != first {
		t.Fatal("a broken edit replaced the ruleset")
	}

	writeFiles(t, dir, map[string]string{"more.yaml": "platform: xiaoe\n", "taobao.yaml": goodRules})
	waitFor("the fix to load", func() bool { return e.Current() != first })
	if len(e.Current().Files) != 2 {
		t.Errorf("files = %d", len(e.Current().Files))
	}
}
