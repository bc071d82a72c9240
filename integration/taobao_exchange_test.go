package integration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/taobao"
	"github.com/aftersale/aftersale/workflows"
)

// Tmall exchanges end to end: the sandbox's tmall.exchange.* methods, the
// taobao client with Exchanges on, the example rules and a real Temporal
// server. Helpers are prefixed taobaoExchange.

// taobaoExchangeShop registers a Tmall shop (exchanges listed) named after
// the test.
func taobaoExchangeShop(t *testing.T) string {
	t.Helper()
	shop := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	addShop(t, taobao.New(taobao.Config{
		Gateway:    env.baseURL + "/router/rest",
		AppKey:     sandbox.DefaultTOPAppKey,
		AppSecret:  sandbox.DefaultTOPAppSecret,
		Session:    sandbox.TOPSessionFor(shop),
		SignMethod: taobao.SignHMACSHA256,
		Shop:       shop,
		Timeout:    3 * time.Second,
		Logger:     env.logger,
		Exchanges:  true,
	}))
	return shop
}

// taobaoExchangePut stores a native exchange (as tmall.exchange.get answers
// it) in status with a time_out left from now.
func taobaoExchangePut(t *testing.T, shop, disputeID, status string, left time.Duration) {
	t.Helper()
	x := map[string]any{
		"dispute_id": disputeID, "biz_order_id": "39" + disputeID, "status": status,
		"good_status": "已发货", "price": "59.00", "payment": "59.00", "num": 1,
		"reason": "尺码拍错/不合适", "title": "测试T恤", "bought_sku": "尺码:L", "exchange_sku": "尺码:XL",
		"time_out": topTime(time.Now().Add(left)), "refund_phase": "售后换货", "cs_status": 1,
		"buyer_nick": "t**1", "buyer_name": "测试", "buyer_phone": "13800000000",
	}
	raw, _ := json.Marshal(x)
	if err := env.sandbox.PutCase(string(platforms.Taobao), shop, raw); err != nil {
		t.Fatal(err)
	}
}

// taobaoExchangeDecide sends a human decision and returns the recorded one.
func taobaoExchangeDecide(t *testing.T, wid string, req workflows.DecideRequest) workflows.Decision {
	t.Helper()
	ctx := context.Background()
	h, err := env.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateName: workflows.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{req},
	})
	if err != nil {
		t.Fatal(err)
	}
	var d workflows.Decision
	if err := h.Get(ctx, &d); err != nil {
		t.Fatalf("decide %s: %v", req.Action, err)
	}
	return d
}

// taobaoExchangeCalls counts the sandbox actions of a shop by TOP method.
func taobaoExchangeCalls(t *testing.T, shop string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, a := range actions(t, shop) {
		n[a.Action]++
	}
	return n
}

// Goods back at the seller: the rules confirm receipt with exactly one
// tmall.exchange.returngoods.agree; the replacement then needs a waybill,
// so the case escalates, and a human resend reaches the sandbox once.
func TestTaobaoExchangeReceiptThenHumanResend(t *testing.T) {
	shop := taobaoExchangeShop(t)
	const id = "2026112300000009101"
	taobaoExchangePut(t, shop, id, "3", 36*time.Hour)
	wid := startCase(t, shop, taobao.ExchangeCaseID(id))

	eventually(t, 30*time.Second, "confirm receipt, then escalation for the resend", func() bool {
		v := query(t, wid)
		return v.Case.Status == platforms.StatusAwaitingSellerResend && v.Escalation != nil
	})
	got := actions(t, shop)
	if len(got) != 1 || got[0].Action != "tmall.exchange.returngoods.agree" || !got[0].OK || got[0].CaseID != "exchange-"+id {
		t.Fatalf("sandbox actions = %+v, want exactly one returngoods.agree", got)
	}
	v := query(t, wid)
	if v.Escalation.Rule != "taobao-exchange-resend" || !strings.Contains(v.Escalation.Note, "logistics_no") {
		t.Fatalf("escalation = %+v", v.Escalation)
	}
	var confirmed bool
	for _, d := range v.Decisions {
		if d.Action == platforms.ActionConfirmReceipt && d.Outcome == workflows.OutcomeDone && d.Rule == "taobao-exchange-goods-back" {
			confirmed = true
		}
	}
	if !confirmed {
		t.Fatalf("decisions = %+v", v.Decisions)
	}

	// Without a waybill nothing is sent and the case stays with humans,
	// saying what is missing.
	d := taobaoExchangeDecide(t, wid, workflows.DecideRequest{Action: platforms.ActionResend, By: "wang.ops"})
	if d.Outcome != workflows.OutcomeFailed || !strings.Contains(d.Error, "logistics_no") {
		t.Fatalf("resend without waybill = %+v", d)
	}
	if n := taobaoExchangeCalls(t, shop)["tmall.exchange.consigngoods"]; n != 0 {
		t.Fatalf("%d consigngoods calls without a waybill", n)
	}
	if esc := query(t, wid).Escalation; esc == nil || !strings.Contains(esc.Note, "logistics_no") {
		t.Fatalf("escalation after the failed resend = %+v", esc)
	}

	d = taobaoExchangeDecide(t, wid, workflows.DecideRequest{Action: platforms.ActionResend, By: "wang.ops", Params: map[string]string{
		"logistics_no": "SF1234567890", "logistics_type": "200", "logistics_company_name": "顺丰速运",
	}})
	if d.Outcome != workflows.OutcomeDone || d.Actor != "wang.ops" {
		t.Fatalf("resend = %+v", d)
	}
	// The sandbox buyer confirms receipt of the replacement: the exchange
	// succeeds and the workflow finishes.
	v = waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s, want succeeded", v.Case.Status)
	}
	calls := taobaoExchangeCalls(t, shop)
	if len(calls) != 2 || calls["tmall.exchange.returngoods.agree"] != 1 || calls["tmall.exchange.consigngoods"] != 1 {
		t.Fatalf("sandbox actions = %v, want one returngoods.agree and one consigngoods", calls)
	}
	for _, a := range actions(t, shop) {
		if a.Action == "tmall.exchange.consigngoods" && (a.Params["logistics_no"] != "SF1234567890" || a.Params["logistics_type"] != "200" || !a.OK) {
			t.Fatalf("consigngoods = %+v", a)
		}
	}
}

// A new exchange request escalates (no rule knows this shop's return
// address). A refusal without a reason sends nothing and lists the reasons;
// an agree with the address reaches the sandbox once, the buyer ships, and
// the rules confirm receipt.
func TestTaobaoExchangeRequestEscalatesUntilAddressGiven(t *testing.T) {
	shop := taobaoExchangeShop(t)
	const id = "2026112300000009201"
	taobaoExchangePut(t, shop, id, "1", 40*time.Hour)
	wid := startCase(t, shop, taobao.ExchangeCaseID(id))

	eventually(t, 30*time.Second, "escalation", func() bool { return query(t, wid).Escalation != nil })
	v := query(t, wid)
	if v.Escalation.Rule != "taobao-exchange-needs-address" || v.Case.Kind != platforms.KindExchange || v.Case.Deadline.IsZero() {
		t.Fatalf("view = %+v", v)
	}
	if n := len(actions(t, shop)); n != 0 {
		t.Fatalf("escalated exchange sent %d actions", n)
	}

	d := taobaoExchangeDecide(t, wid, workflows.DecideRequest{Action: platforms.ActionRefuse, By: "li.ops"})
	if d.Outcome != workflows.OutcomeFailed || !strings.Contains(d.Error, "reason_id") || !strings.Contains(d.Error, "12 换货商品缺货") {
		t.Fatalf("refuse without reason = %+v", d)
	}
	if n := len(actions(t, shop)); n != 0 {
		t.Fatalf("a refusal without reason sent %d actions", n)
	}

	d = taobaoExchangeDecide(t, wid, workflows.DecideRequest{Action: platforms.ActionAgree, By: "li.ops",
		Params: map[string]string{"address_id": "10001"}})
	if d.Outcome != workflows.OutcomeDone {
		t.Fatalf("agree = %+v", d)
	}
	eventually(t, 30*time.Second, "the buyer to ship and the rules to confirm receipt", func() bool {
		return query(t, wid).Case.Status == platforms.StatusAwaitingSellerResend
	})
	got := actions(t, shop)
	if len(got) != 2 || got[0].Action != "tmall.exchange.agree" || got[0].Params["address_id"] != "10001" ||
		got[1].Action != "tmall.exchange.returngoods.agree" {
		t.Fatalf("sandbox actions = %+v, want agree then returngoods.agree", got)
	}
}

// Sync lists exchanges next to refunds and starts their workflows; one
// the buyer is about to receive finishes without any action.
func TestTaobaoExchangeSyncStartsWorkflow(t *testing.T) {
	shop := taobaoExchangeShop(t)
	const id = "2026112300000009301"
	taobaoExchangePut(t, shop, id, "13", 10*24*time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := env.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ShopSyncWorkflowID(platforms.Taobao, shop), TaskQueue: workflows.TaskQueue,
	}, workflows.ShopSyncWorkflow, workflows.ShopSyncInput{Platform: platforms.Taobao, Shop: shop, Lookback: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.ShopSyncResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Seen != 1 || res.Signalled != 1 {
		t.Fatalf("sync result = %+v, want the exchange seen and signalled", res)
	}
	v := waitResult(t, workflows.CaseWorkflowID(platforms.Taobao, shop, taobao.ExchangeCaseID(id)), 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	if got := actions(t, shop); len(got) != 0 {
		t.Fatalf("sandbox actions = %+v, want none", got)
	}
}
