package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"

	"github.com/aftersale/aftersale/internal/codec"
)

// history reads a run's whole history as stored: payloads encrypted.
func history(ctx context.Context, wid, runID string) (*historypb.History, error) {
	it := env.client.GetWorkflowHistory(ctx, wid, runID, false, 0)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, ev)
	}
	return h, nil
}

// decoded returns a copy of h with every payload decrypted, as the worker
// and the UI (through the codec endpoint) see it.
func decoded(ctx context.Context, h *historypb.History) (*historypb.History, error) {
	c := codec.NewCodec(env.ring)
	clone := proto.Clone(h).(*historypb.History)
	err := proxy.VisitPayloads(ctx, clone, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return c.Decode(p)
		},
	})
	return clone, err
}

// runs lists every workflow run in the namespace (each continue-as-new run
// is its own history).
func runs(ctx context.Context, query string) ([]*workflowservice.ListWorkflowExecutionsResponse, error) {
	var pages []*workflowservice.ListWorkflowExecutionsResponse
	var token []byte
	for {
		resp, err := env.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, err
		}
		pages = append(pages, resp)
		if token = resp.NextPageToken; len(token) == 0 {
			return pages, nil
		}
	}
}

// recordHistories keeps one decoded history per distinct shape (workflow
// type + sequence of event types) of every run, finished or still waiting
// (escalated cases, budgets), for the replay test in package workflows
// (AFTERSALE_RECORD_HISTORIES=dir): the shortest perHistoryType of each type.
func recordHistories(ctx context.Context, dir string) error {
	const perHistoryType = 30
	pages, err := runs(ctx, "")
	if err != nil {
		return err
	}
	type kept struct {
		name string
		h    *historypb.History
	}
	byType := map[string][]kept{}
	seen := map[string]bool{}
	for _, page := range pages {
		for _, e := range page.Executions {
			typ := strings.ToLower(e.GetType().GetName())
			h, err := history(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId())
			if err != nil {
				return err
			}
			var shape strings.Builder
			shape.WriteString(typ)
			for _, ev := range h.Events {
				shape.WriteString("," + ev.GetEventType().String())
			}
			key := fmt.Sprintf("%x", sha256.Sum256([]byte(shape.String())))
			if seen[key] || len(h.Events) < 3 {
				continue
			}
			seen[key] = true
			byType[typ] = append(byType[typ], kept{typ + "-" + key[:10] + ".json", h})
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	n := 0
	for _, list := range byType {
		sort.Slice(list, func(i, j int) bool { return len(list[i].h.Events) < len(list[j].h.Events) })
		for _, k := range list[:min(len(list), perHistoryType)] {
			plain, err := decoded(ctx, k.h)
			if err != nil {
				return err
			}
			data, err := temporalproto.CustomJSONMarshalOptions{}.Marshal(plain)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, k.name), data, 0o644); err != nil {
				return err
			}
			n++
		}
	}
	fmt.Fprintf(os.Stderr, "recorded %d distinct histories in %s\n", n, dir)
	return nil
}

// logCapture keeps every log line the worker side writes, at every level,
// so tests can check that no secret or personal datum is logged; Warn and
// above also go to stderr.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// teeHandler sends records to two handlers.
type teeHandler struct{ a, b slog.Handler }

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t.a.Enabled(ctx, l) || t.b.Enabled(ctx, l)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	if t.a.Enabled(ctx, r.Level) {
		t.a.Handle(ctx, r.Clone())
	}
	if t.b.Enabled(ctx, r.Level) {
		t.b.Handle(ctx, r)
	}
	return nil
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t.a.WithAttrs(as), t.b.WithAttrs(as)}
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{t.a.WithGroup(name), t.b.WithGroup(name)}
}
