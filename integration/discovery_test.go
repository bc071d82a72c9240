package integration

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/shopline"
	"github.com/aftersale/aftersale/workflows"
)

// A case that changes on the platform is seen through the shop's sync
// schedule, within about one sync interval, and then decided.
func TestSyncScheduleSeesACaseChangedOnThePlatform(t *testing.T) {
	shop := shopFor(t)
	id := "2026112300000001101"
	r := newRefund(id, "120.00", time.Now().Add(7*24*time.Hour))
	r["status"], r["has_good_return"], r["good_status"] = "WAIT_BUYER_RETURN_GOODS", true, "BUYER_RECEIVED"
	r["order_status"], r["sandbox_buyer_ships"] = "WAIT_BUYER_CONFIRM_GOODS", false
	putCase(t, shop, r)

	const interval = 2 * time.Second
	cfg := config.Defaults()
	cfg.Shops = []config.Shop{{Platform: platforms.Taobao, Shop: shop}}
	cfg.Sync = config.Sync{Interval: interval, Overlap: time.Second, Lookback: time.Hour}
	ctx := context.Background()
	if err := app.EnsureSchedules(ctx, env.client, cfg); err != nil {
		t.Fatal(err)
	}
	defer app.EnsureSchedules(ctx, env.client, config.Config{}) // removes it

	wid := workflows.CaseWorkflowID(platforms.Taobao, shop, id)
	eventually(t, 30*time.Second, "the first sync to start the case, which waits for the buyer", func() bool {
		v := query(t, wid)
		return len(v.Decisions) > 0 && v.Decisions[len(v.Decisions)-1].Outcome == workflows.OutcomeWaiting
	})

	// The buyer ships: the platform moves the case on its own.
	r["status"], r["good_status"] = "WAIT_SELLER_CONFIRM_GOODS", "BUYER_RETURNED_GOODS"
	r["modified"] = topTime(time.Now())
	delete(r, "refund_version")
	putCase(t, shop, r)
	changed := time.Now()

	v := waitResult(t, wid, 30*time.Second)
	seen := time.Since(changed)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	if got := actions(t, shop); len(got) != 1 || got[0].Action != "taobao.rp.refunds.agree" {
		t.Fatalf("actions = %+v, want one confirm (agree)", got)
	}
	t.Logf("change seen and decided %s after it happened (sync interval %s)", seen.Round(time.Millisecond), interval)
	if seen > 3*interval+5*time.Second {
		t.Errorf("the change took %s to be decided; sync runs every %s", seen, interval)
	}
}

// A push through the worker's push listener reaches the case within
// seconds; a forged push is refused and a replayed one is not processed again.
func TestPushIsSeenWithinSecondsAndForgedOrReplayedPushesAreNot(t *testing.T) {
	shop := shoplineShop(t)
	ret := shoplineReturn(11, 1, "12.00", "CLOSED")
	shoplinePut(t, shop, ret)
	wid := workflows.CaseWorkflowID(platforms.Shopline, shop, shopline.ReturnCaseID(ret["id"].(string)))

	cfg := config.Defaults()
	cfg.Shops = []config.Shop{{Platform: platforms.Shopline, Shop: shop, AppSecret: sandbox.DefaultShoplineAppSecret}}
	srv := httptest.NewServer(app.PushHandler(cfg, env.client, env.logger))
	defer srv.Close()
	url := srv.URL + app.PushPath(platforms.Shopline, shop)
	body := []byte(`{"return_id":"` + ret["id"].(string) + `","reverse_delivery_id":"RPP9","tracking_information":{"tracking_number":"SF9"}}`)
	push := func(sig, deliveryID string) int {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(shopline.HeaderTopic, shopline.TopicPackageUpdate)
		req.Header.Set(shopline.HeaderDomain, shop+".myshopline.com")
		req.Header.Set(shopline.HeaderWebhookID, deliveryID)
		req.Header.Set(shopline.HeaderHmac, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if code := push(shopline.Sign("forged", body), "d1"); code != http.StatusUnauthorized {
		t.Fatalf("forged push: HTTP %d, want 401", code)
	}
	pushed := time.Now()
	if code := push(shopline.Sign(sandbox.DefaultShoplineAppSecret, body), "d2"); code != http.StatusOK {
		t.Fatalf("genuine push: HTTP %d", code)
	}
	v := waitResult(t, wid, 30*time.Second)
	latency := time.Since(pushed)
	t.Logf("pushed change decided in %s", latency.Round(time.Millisecond))
	if latency > 10*time.Second {
		t.Errorf("a pushed change took %s to be decided", latency)
	}
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	// The same delivery again: acknowledged, not handed on.
	if code := push(shopline.Sign(sandbox.DefaultShoplineAppSecret, body), "d2"); code != http.StatusOK {
		t.Fatalf("replayed push: HTTP %d", code)
	}
	if n := signals(t, wid); n != 1 {
		t.Fatalf("%d snapshot signals reached the workflow, want 1 (forged and replayed pushes must not)", n)
	}
}

// signals counts the signals in a workflow's history.
func signals(t *testing.T, wid string) int {
	t.Helper()
	iter := env.client.GetWorkflowHistory(context.Background(), wid, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED {
			n++
		}
	}
	return n
}

// TOP changes arrive as TMC messages, consumed and confirmed over HTTP by a
// schedule, and reach the case workflow as hints within seconds.
func TestTOPMessagesReachTheCaseAndAreConfirmed(t *testing.T) {
	shop := shopFor(t)
	id := "2026112300000001201"
	r := newRefund(id, "80.00", time.Now().Add(48*time.Hour))
	r["has_good_return"], r["good_status"], r["order_status"] = true, "BUYER_RECEIVED", "WAIT_BUYER_CONFIRM_GOODS"
	putCase(t, shop, r)

	// No polling and no sync during this test: only TMC can tell the
	// workflow that the buyer shipped.
	env.acts.PollInterval = time.Hour
	defer func() { env.acts.PollInterval = 2 * time.Second }()
	cfg := config.Defaults()
	cfg.Shops = []config.Shop{{Platform: platforms.Taobao, Shop: shop, Messages: true}}
	cfg.Sync = config.Sync{Interval: time.Hour, Lookback: time.Hour, MessagesInterval: time.Second}
	ctx := context.Background()
	if err := app.EnsureSchedules(ctx, env.client, cfg); err != nil {
		t.Fatal(err)
	}
	defer app.EnsureSchedules(ctx, env.client, config.Config{})

	// The first sync starts the case; the rules agree the return, the
	// sandbox buyer ships it two seconds later (a TMC message), and the
	// rules confirm receipt.
	wid := workflows.CaseWorkflowID(platforms.Taobao, shop, id)
	eventually(t, 30*time.Second, "the first sync to start the case", func() bool {
		_, err := env.client.DescribeWorkflowExecution(ctx, wid, "")
		return err == nil
	})
	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	if n := signals(t, wid); n < 2 {
		t.Fatalf("%d signals: the TMC messages did not reach the workflow", n)
	}
	eventually(t, 10*time.Second, "every TMC message to be confirmed", func() bool { return env.sandbox.TMCBacklog() == 0 })
}
