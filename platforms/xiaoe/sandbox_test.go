package xiaoe_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// The client against the sandbox: the two sides of the wire contract.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func startSandbox(t *testing.T) (*sandbox.Sandbox, string, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	sb := sandbox.New(sandbox.Options{Now: clk.Now})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return sb, srv.URL, clk
}

func client(url, shop, secret string, clk *clock) *xiaoe.Client {
	return xiaoe.New(xiaoe.Config{
		Gateway: url, AppID: sandbox.XiaoeAppIDFor(shop), ClientID: sandbox.DefaultXiaoeClientID,
		SecretKey: secret, Shop: shop, Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
	})
}

func application(id string, over map[string]any) map[string]any {
	c := map[string]any{
		"aftersale_id": id, "order_id": "o_" + id, "sku_id": "SKU_" + id, "state": 0, "sale_type": 1,
		"apply_refund_money": 990, "refund_money": 0, "reason": "不想学了", "goods_name": "课程",
		"ship_state_str": "无需发货", "nick_name": "学员",
		"created_at": "2026-11-23 09:00:00", "updated_at": "2026-11-23 09:30:00",
		"invalid_time": "2026-11-30 09:00:00", "state_invalid_time": "2026-11-25 09:00:00",
	}
	for k, v := range over {
		c[k] = v
	}
	return c
}

func TestClientAgainstSandbox(t *testing.T) {
	sb, url, clk := startSandbox(t)
	const shop = "xe-contract"
	if err := sb.PutCase(sandbox.PlatformXiaoe, shop, application("A1", nil)); err != nil {
		t.Fatal(err)
	}
	if err := sb.PutCase(sandbox.PlatformXiaoe, shop, application("A2", map[string]any{"sale_type": 2, "apply_refund_money": 5900})); err != nil {
		t.Fatal(err)
	}
	c := client(url, shop, sandbox.DefaultXiaoeSecretKey, clk)
	ctx := context.Background()

	page, err := c.List(ctx, platforms.ListQuery{ModifiedFrom: clk.Now().Add(-time.Hour), ModifiedTo: clk.Now(), Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 2 || page.HasNext {
		t.Fatalf("list = %+v", page)
	}

	cs, err := c.Get(ctx, "A1")
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != platforms.StatusAwaitingSeller || cs.Amount != 990 || !cs.Allows(platforms.ActionAgree) {
		t.Fatalf("case = %+v", cs)
	}
	if _, err := c.Act(ctx, cs, platforms.ActRequest{Action: platforms.ActionAgree}); err != nil {
		t.Fatal(err)
	}
	after, err := c.Get(ctx, "A1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != platforms.StatusRefunding || after.Version == cs.Version || len(after.Allowed) != 0 {
		t.Fatalf("after the refund: %+v", after)
	}
	clk.Add(5 * time.Second)
	if done, _ := c.Get(ctx, "A1"); done.Status != platforms.StatusSucceeded {
		t.Fatalf("5 s later: %s (%s)", done.Status, done.PlatformStatus)
	}

	// A return cannot be accepted through the API: nothing is sent.
	ret, err := c.Get(ctx, "A2")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Act(ctx, ret, platforms.ActRequest{Action: platforms.ActionAgreeReturn})
	if platforms.KindOf(err) != platforms.ErrUnsupported {
		t.Fatalf("agree_return: %v", err)
	}
	acts := sb.Actions()
	if len(acts) != 1 || acts[0].CaseID != "A1" || acts[0].Params["refund_price"] != "990" {
		t.Fatalf("sandbox actions = %+v, want the one refund", acts)
	}

	// Expired tokens are recovered with one fetch.
	sb.ExpireXiaoeTokens()
	if _, err := c.Get(ctx, "A2"); err != nil {
		t.Fatal(err)
	}
	st := sb.Calls()
	if n := st.Calls[sandbox.PlatformXiaoe]["token"]; n != 2 {
		t.Errorf("token fetches = %d, want 2", n)
	}
	if st.Violations[sandbox.PlatformXiaoe] != 0 {
		t.Errorf("violations = %d", st.Violations[sandbox.PlatformXiaoe])
	}
}

func TestClientWrongSecretAgainstSandbox(t *testing.T) {
	_, url, clk := startSandbox(t)
	_, err := client(url, "xe-wrong", "not-the-secret", clk).Get(context.Background(), "A1")
	if k := platforms.KindOf(err); k != platforms.ErrAuth {
		t.Fatalf("err = %v, want auth", err)
	}
}
