package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/shopline"
	"github.com/aftersale/aftersale/workflows"
)

// shoplineShop registers a SHOPLINE client for a store named after the
// test, with the sandbox's default token for it unless token is given.
func shoplineShop(t *testing.T, token ...string) string {
	t.Helper()
	shop := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	tok := sandbox.ShoplineTokenFor(shop)
	if len(token) > 0 {
		tok = token[0]
	}
	addShop(t, shopline.New(shopline.Config{
		BaseURL: env.baseURL, Token: tok, Shop: shop, Timeout: 3 * time.Second, Logger: env.logger,
	}))
	return shop
}

// shoplineReturn is an OPEN return of units × price USD, as GET
// /return.json lists it, with its package in pkg status (CLOSED: arrived).
func shoplineReturn(n int, units int, price, pkg string) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("2606%018d", n), "order_id": fmt.Sprintf("2106%022d", n), "status": "OPEN",
		"created_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "return_reason": "SIZE_TOO_SMALL",
		"return_line_items": []any{map[string]any{
			"id": "RLI1", "line_item_id": fmt.Sprintf("L%d", n), "quantity": units,
			"fulfillment_line_item": map[string]any{"line_item": map[string]any{
				"id": fmt.Sprintf("L%d", n), "title": "Linen shirt", "sku": "SH-1", "price": price,
				"price_set": map[string]any{"shop_money": map[string]any{"amount": price, "currency_code": "USD"}},
			}},
		}},
		"sandbox_package_status": pkg,
	}
}

func shoplinePut(t *testing.T, shop string, c map[string]any) {
	t.Helper()
	if err := env.sandbox.PutCase(string(platforms.Shopline), shop, c); err != nil {
		t.Fatal(err)
	}
}

func shoplineStart(t *testing.T, shop, id string) string {
	t.Helper()
	in := workflows.CaseInput{Platform: platforms.Shopline, Shop: shop, CaseID: id}
	wid := workflows.CaseWorkflowID(in.Platform, shop, id)
	_, err := env.client.SignalWithStartWorkflow(context.Background(), wid, workflows.SignalSnapshot, platforms.Case{},
		client.StartWorkflowOptions{ID: wid, TaskQueue: workflows.TaskQueue}, workflows.CaseWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	return wid
}

// shoplineCalls is the sandbox's SHOPLINE call counters, read over HTTP.
func shoplineCalls(t *testing.T) map[string]int {
	t.Helper()
	resp, err := http.Get(env.baseURL + "/_sandbox/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st sandbox.CallStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Calls[string(platforms.Shopline)]
}

func TestShoplineArrivedReturnIsRefundedExactlyOnce(t *testing.T) {
	shop := shoplineShop(t)
	ret := shoplineReturn(1, 2, "12.50", "CLOSED")
	shoplinePut(t, shop, ret)
	id := shopline.ReturnCaseID(ret["id"].(string))
	calcBefore := shoplineCalls(t)["orders/:order_id/refunds/calculate.json"]
	wid := shoplineStart(t, shop, id)
	shoplineStart(t, shop, id) // a second source collapses onto the same workflow

	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded || v.Case.PlatformStatus != "CLOSED" {
		t.Fatalf("status = %s (%s), want succeeded (CLOSED)", v.Case.Status, v.Case.PlatformStatus)
	}
	got := actions(t, shop)
	if len(got) != 1 || got[0].Action != "order/refund.json" || !got[0].OK || got[0].CaseID != id {
		t.Fatalf("sandbox actions = %+v, want exactly one order/refund.json", got)
	}
	if p := got[0].Params; p["transactions"] != "25.00 USD" || p["currency"] != "USD" || p["refund_line_items"] != "L1:2" {
		t.Fatalf("refund params = %v, want the calculated 25.00 USD for L1 x 2", p)
	}
	// The trial calculation is a call, not an action.
	if n := shoplineCalls(t)["orders/:order_id/refunds/calculate.json"] - calcBefore; n < 1 {
		t.Fatalf("%d calculate calls", n)
	}
	var agreed *workflows.Decision
	for i := range v.Decisions {
		if v.Decisions[i].Action == platforms.ActionAgree {
			agreed = &v.Decisions[i]
		}
	}
	if agreed == nil || agreed.Outcome != workflows.OutcomeDone || agreed.Rule != "shopline-small-return-arrived" || agreed.Amount != 2500 {
		t.Fatalf("decisions = %+v", v.Decisions)
	}
}

func TestShoplineReturnIsRefundedWhenItsPackageArrives(t *testing.T) {
	shop := shoplineShop(t)
	ret := shoplineReturn(2, 1, "18.00", "OPEN")
	shoplinePut(t, shop, ret)
	wid := shoplineStart(t, shop, shopline.ReturnCaseID(ret["id"].(string)))

	eventually(t, 30*time.Second, "the wait decision", func() bool {
		v := query(t, wid)
		return len(v.Decisions) > 0 && v.Decisions[0].Action == platforms.ActionWait
	})
	if n := len(actions(t, shop)); n != 0 {
		t.Fatalf("a return on its way sent %d actions", n)
	}
	body, _ := json.Marshal(map[string]string{"shop": shop, "return_id": ret["id"].(string)})
	resp, err := http.Post(env.baseURL+"/_sandbox/shopline/arrive", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("arrive: %v %v", resp, err)
	}
	resp.Body.Close()

	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	if got := actions(t, shop); len(got) != 1 || !got[0].OK || got[0].Params["transactions"] != "18.00 USD" {
		t.Fatalf("actions = %+v", got)
	}
}

func TestShoplineBigReturnAndFailedRefundEscalate(t *testing.T) {
	shop := shoplineShop(t)
	big := shoplineReturn(3, 1, "480.00", "CLOSED")
	shoplinePut(t, shop, big)
	failed := map[string]any{
		"id": "SL201AS0000000000000000003", "order_id": "21060000000000000000000003",
		"transactions": []any{map[string]any{"id": "T3", "amount": "35.00", "currency": "USD", "kind": "refund", "status": "failure"}},
	}
	shoplinePut(t, shop, failed)
	bigWID := shoplineStart(t, shop, shopline.ReturnCaseID(big["id"].(string)))
	failedWID := shoplineStart(t, shop, shopline.RefundCaseID(failed["order_id"].(string), failed["id"].(string)))

	for wid, rule := range map[string]string{bigWID: "default", failedWID: "shopline-refund-failed"} {
		eventually(t, 30*time.Second, "escalation of "+wid, func() bool {
			e := query(t, wid).Escalation
			return e != nil && e.Rule == rule
		})
	}
	if n := len(actions(t, shop)); n != 0 {
		t.Fatalf("escalated cases sent %d actions", n)
	}
}

func TestShoplineWrongTokenIsAnAuthErrorAndEscalates(t *testing.T) {
	shop := shoplineShop(t, "expired-token")
	ret := shoplineReturn(4, 1, "10.00", "CLOSED")
	shoplinePut(t, shop, ret)
	wid := shoplineStart(t, shop, shopline.ReturnCaseID(ret["id"].(string)))

	var note string
	eventually(t, 30*time.Second, "escalation", func() bool {
		if e := query(t, wid).Escalation; e != nil {
			note = e.Note
			return true
		}
		return false
	})
	if !strings.Contains(note, "auth") || !strings.Contains(note, "HTTP 401") {
		t.Fatalf("escalation note %q does not say the token was refused", note)
	}
	if n := len(actions(t, shop)); n != 0 {
		t.Fatalf("%d actions", n)
	}
}

func TestShoplineWebhookStartsTheCaseAndForgeriesAreRejected(t *testing.T) {
	shop := shoplineShop(t)
	ret := shoplineReturn(5, 1, "20.00", "CLOSED")
	shoplinePut(t, shop, ret)
	id := shopline.ReturnCaseID(ret["id"].(string))
	wid := workflows.CaseWorkflowID(platforms.Shopline, shop, id)

	// The receiver as the worker wires it: hints go to the case workflow.
	h := shopline.NewWebhookHandler(sandbox.DefaultShoplineAppSecret,
		shopline.ShopsByDomain(map[string]string{shop: shop}),
		func(ctx context.Context, x platforms.Hint) error {
			_, err := activities.SignalCase(ctx, env.client, x)
			return err
		}, platforms.NewDeduper(time.Hour, 100), env.logger)
	srv := httptest.NewServer(h)
	defer srv.Close()
	send := func(body []byte, sig string) int {
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(shopline.HeaderTopic, shopline.TopicPackageUpdate)
		req.Header.Set(shopline.HeaderDomain, shop+".myshopline.com")
		req.Header.Set(shopline.HeaderWebhookID, "wh-"+shop)
		req.Header.Set(shopline.HeaderHmac, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := []byte(`{"return_id":"` + ret["id"].(string) + `","reverse_delivery_id":"RPP1","tracking_information":{"tracking_number":"SF1"}}`)

	if code := send(body, shopline.Sign("not-the-app-secret", body)); code != http.StatusUnauthorized {
		t.Fatalf("forged webhook: HTTP %d, want 401", code)
	}
	_, err := env.client.DescribeWorkflowExecution(context.Background(), wid, "")
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Fatalf("a forged webhook started %s: %v", wid, err)
	}

	if code := send(body, shopline.Sign(sandbox.DefaultShoplineAppSecret, body)); code != http.StatusOK {
		t.Fatalf("genuine webhook: HTTP %d", code)
	}
	if code := send(body, shopline.Sign(sandbox.DefaultShoplineAppSecret, body)); code != http.StatusOK {
		t.Fatalf("redelivery: HTTP %d", code)
	}
	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	if got := actions(t, shop); len(got) != 1 || !got[0].OK {
		t.Fatalf("actions = %+v", got)
	}
}
