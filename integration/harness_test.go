package integration

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/budget"
	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/internal/devserver"
	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/taobao"
	"github.com/aftersale/aftersale/rules"
	"github.com/aftersale/aftersale/workflows"
)

// env is shared by the tests of this package: one Temporal server, one
// sandbox, one worker. Each test uses its own shop so they cannot collide.
var buildOnce sync.Once

var env struct {
	server   *devserver.Server
	client   client.Client
	sandbox  *sandbox.Sandbox
	baseURL  string
	registry *platforms.Registry
	rules    *rules.Engine
	acts     *activities.Activities
	workers  []worker.Worker // the workflow worker and one platform worker per shop
	logger   *slog.Logger
	hooks    *hookReceiver  // receives every escalation notice of every test
	ring     *codec.Keyring // payloads are encrypted, as in production
	logs     *logCapture    // every worker-side log line, for the data-protection test
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("integration tests skipped in -short mode")
		os.Exit(0)
	}
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	level := slog.LevelWarn
	if os.Getenv("AFTERSALE_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	env.logs = &logCapture{}
	env.logger = slog.New(teeHandler{
		slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}),
		slog.NewTextHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
	})
	// A fresh key per run; the starter binary the CLI tests run reads it from the environment.
	key := make([]byte, codec.KeySize)
	rand.Read(key)
	keys := "it:" + base64.StdEncoding.EncodeToString(key)
	os.Setenv(codec.EnvKeys, keys)
	env.ring, _ = codec.ParseKeyring(keys, "")

	env.sandbox = sandbox.New(sandbox.Options{Logger: env.logger, BuyerShipAfter: 2 * time.Second})
	addr, err := env.sandbox.Start(ctx, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return 1
	}
	env.baseURL = "http://" + addr

	env.server, err = devserver.Start(ctx, devserver.Options{Logger: env.logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, "temporal:", err)
		return 1
	}
	defer env.server.Stop()
	dc, fc := codec.ClientOptions(env.ring)
	env.client, err = client.Dial(client.Options{HostPort: env.server.HostPort(), Namespace: env.server.Namespace(), Logger: quiet{},
		DataConverter: dc, FailureConverter: fc})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		return 1
	}
	defer env.client.Close()

	// The shipped example rules, as ops would start from them.
	env.rules, err = rules.NewEngine("../rules/examples", rules.WithLogger(env.logger))
	if err != nil {
		fmt.Fprintln(os.Stderr, "rules:", err)
		return 1
	}
	var targets []notify.Target
	env.hooks, targets, err = startHookReceiver()
	if err != nil {
		fmt.Fprintln(os.Stderr, "webhook receiver:", err)
		return 1
	}
	env.registry = platforms.NewRegistry()
	env.acts = &activities.Activities{
		Clients:      env.registry,
		Rules:        env.rules,
		Temporal:     env.client,
		PollInterval: 2 * time.Second,
		// Cases due within 2h10s get a reminder (the example rules' margin is 2h).
		ReminderBefore: 2*time.Hour + 10*time.Second,
		Webhooks:       targets,
		InboxURL:       "http://inbox.test",
		Budgets:        map[string]budget.Limits{"taobao/" + budgetShop: {HourCount: budgetCount, DayAmount: 100000}},
		Logger:         env.logger,
	}
	startWorkers()
	defer stopWorkers()
	code := m.Run()
	if dir := os.Getenv("AFTERSALE_RECORD_HISTORIES"); dir != "" && code == 0 {
		if err := recordHistories(ctx, dir); err != nil {
			fmt.Fprintln(os.Stderr, "recording histories:", err)
			return 1
		}
	}
	return code
}

// testCallsPerSecond is the platform call budget of a test shop: high, so
// tests are quick, but enforced by the server like in production.
const testCallsPerSecond = 60

// startWorkers starts the workflow worker and a platform worker for every
// shop registered so far, as the worker process does.
func startWorkers() {
	w := worker.New(env.client, workflows.TaskQueue, worker.Options{})
	app.Register(w, env.acts)
	env.workers = []worker.Worker{w}
	for _, c := range env.registry.Clients() {
		env.workers = append(env.workers, app.NewPlatformWorker(env.client, c.Platform(), c.Shop(), testCallsPerSecond, env.acts))
	}
	for _, w := range env.workers {
		if err := w.Start(); err != nil {
			panic(err)
		}
	}
}

func stopWorkers() {
	for _, w := range env.workers {
		w.Stop()
	}
	env.workers = nil
}

// addShop registers a platform client and starts polling its shop's task queue.
func addShop(t *testing.T, c platforms.Client) {
	t.Helper()
	env.registry.Add(c)
	w := app.NewPlatformWorker(env.client, c.Platform(), c.Shop(), testCallsPerSecond, env.acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	env.workers = append(env.workers, w)
}

// shopFor registers a TOP client for a shop named after the test.
func shopFor(t *testing.T) string {
	t.Helper()
	shop := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	addShop(t, topClient(shop, sandbox.DefaultTOPAppSecret))
	return shop
}

func topClient(shop, secret string) *taobao.Client {
	return taobao.New(taobao.Config{
		Gateway:    env.baseURL + "/router/rest",
		AppKey:     sandbox.DefaultTOPAppKey,
		AppSecret:  secret,
		Session:    sandbox.TOPSessionFor(shop),
		SignMethod: taobao.SignHMACSHA256,
		Shop:       shop,
		Timeout:    3 * time.Second,
		Logger:     env.logger,
	})
}

// cst is TOP's time zone.
var cst = time.FixedZone("CST", 8*3600)

func topTime(t time.Time) string { return t.In(cst).Format(taobao.TimestampLayout) }

// refund is a native TOP refund object as taobao.refund.get returns it.
type refund map[string]any

func newRefund(id string, fee string, deadline time.Time) refund {
	return refund{
		"refund_id": json.Number(id), "tid": json.Number("3" + id), "oid": json.Number("4" + id),
		"status": "WAIT_SELLER_AGREE", "good_status": "BUYER_NOT_RECEIVED", "has_good_return": false,
		"order_status": "WAIT_SELLER_SEND_GOODS", "refund_fee": fee, "total_fee": fee, "payment": fee,
		"reason": "拍错了/不想要", "title": "测试商品", "num": 1, "refund_phase": "onsale",
		"cs_status": 1, "dispute_type": "REFUND", "buyer_nick": "t**1",
		"refund_remind_timeout": map[string]any{"exist_timeout": true, "remind_type": 1, "timeout": topTime(deadline)},
	}
}

func putCase(t *testing.T, shop string, r refund) {
	t.Helper()
	raw, _ := json.Marshal(r)
	if err := env.sandbox.PutCase(string(platforms.Taobao), shop, raw); err != nil {
		t.Fatal(err)
	}
}

// startCase starts the case workflow as `starter start` does.
func startCase(t *testing.T, shop, id string) string {
	t.Helper()
	in := workflows.CaseInput{Platform: platforms.Taobao, Shop: shop, CaseID: id}
	wid := workflows.CaseWorkflowID(in.Platform, shop, id)
	_, err := env.client.SignalWithStartWorkflow(context.Background(), wid, workflows.SignalSnapshot, platforms.Case{},
		client.StartWorkflowOptions{ID: wid, TaskQueue: workflows.TaskQueue}, workflows.CaseWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	return wid
}

func waitResult(t *testing.T, wid string, within time.Duration) workflows.CaseView {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var v workflows.CaseView
	if err := env.client.GetWorkflow(ctx, wid, "").Get(ctx, &v); err != nil {
		t.Fatalf("%s did not finish within %s: %v (state: %+v)", wid, within, err, query(t, wid))
	}
	return v
}

func query(t *testing.T, wid string) workflows.CaseView {
	t.Helper()
	res, err := env.client.QueryWorkflow(context.Background(), wid, "", workflows.QueryState)
	if err != nil {
		t.Logf("query %s: %v", wid, err)
		return workflows.CaseView{}
	}
	var v workflows.CaseView
	if err := res.Get(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// actions reads the sandbox's record of mutating calls over HTTP, as an
// acceptance check would.
func actions(t *testing.T, shop string) []sandbox.Action {
	t.Helper()
	resp, err := http.Get(env.baseURL + "/_sandbox/actions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var all []sandbox.Action
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatalf("actions: %v: %s", err, body)
	}
	var mine []sandbox.Action
	for _, a := range all {
		if a.Shop == shop {
			mine = append(mine, a)
		}
	}
	return mine
}

type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}
