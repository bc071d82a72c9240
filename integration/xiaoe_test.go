package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/xiaoe"
	"github.com/aftersale/aftersale/workflows"
)

// xiaoeShop registers a Xiaoe client, with the sandbox's default
// credentials, for a shop named after the test.
func xiaoeShop(t *testing.T) (string, *xiaoe.Client) {
	t.Helper()
	shop := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	c := xiaoe.New(xiaoe.Config{
		Gateway:   env.baseURL,
		AppID:     sandbox.XiaoeAppIDFor(shop),
		ClientID:  sandbox.DefaultXiaoeClientID,
		SecretKey: sandbox.DefaultXiaoeSecretKey,
		Shop:      shop,
		Timeout:   3 * time.Second,
		Logger:    env.logger,
	})
	addShop(t, c)
	return shop, c
}

// xiaoeApplication is an application awaiting the merchant, as
// xe.ecommerce.after_sale.detail returns it: refund-only (sale_type 1) or a
// return (2), of fen, with the merchant's deadline two days away.
func xiaoeApplication(id string, saleType, fen int) map[string]any {
	now := time.Now()
	return map[string]any{
		"aftersale_id": id, "order_id": "o_" + id, "sku_id": "SKU_" + id, "state": 0, "sale_type": saleType,
		"apply_refund_money": fen, "refund_money": 0, "reason": "不想学了", "goods_name": "测试课程",
		"ship_state_str": "无需发货", "nick_name": "测试学员",
		"created_at": xiaoe.FormatTime(now.Add(-time.Hour)), "updated_at": xiaoe.FormatTime(now.Add(-time.Hour)),
		"invalid_time": xiaoe.FormatTime(now.Add(7 * 24 * time.Hour)), "state_invalid_time": xiaoe.FormatTime(now.Add(48 * time.Hour)),
	}
}

func xiaoePut(t *testing.T, shop string, app map[string]any) {
	t.Helper()
	if err := env.sandbox.PutCase(string(platforms.Xiaoe), shop, app); err != nil {
		t.Fatal(err)
	}
}

func xiaoeStart(t *testing.T, shop, id string) string {
	t.Helper()
	in := workflows.CaseInput{Platform: platforms.Xiaoe, Shop: shop, CaseID: id}
	wid := workflows.CaseWorkflowID(in.Platform, shop, id)
	_, err := env.client.SignalWithStartWorkflow(context.Background(), wid, workflows.SignalSnapshot, platforms.Case{},
		client.StartWorkflowOptions{ID: wid, TaskQueue: workflows.TaskQueue}, workflows.CaseWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	// An escalated case keeps polling the sandbox; stop it with the test so
	// that later tests count only their own calls.
	t.Cleanup(func() { env.client.TerminateWorkflow(context.Background(), wid, "", "test over") })
	return wid
}

func xiaoeTokenFetches() int { return env.sandbox.Calls().Calls[string(platforms.Xiaoe)]["token"] }

// xiaoeOneRefund checks that the shop's only mutating call was one
// xe.order.refund of fen for the application.
func xiaoeOneRefund(t *testing.T, shop, id, fen string) {
	t.Helper()
	got := actions(t, shop)
	if len(got) != 1 || got[0].Action != "xe.order.refund" || !got[0].OK || got[0].CaseID != id ||
		got[0].Params["refund_price"] != fen || got[0].Params["order_id"] != "o_"+id {
		t.Fatalf("sandbox actions = %+v, want exactly one xe.order.refund of %s fen for %s", got, fen, id)
	}
}

func TestXiaoeSmallRefundIsAgreedWithOneRefund(t *testing.T) {
	shop, _ := xiaoeShop(t)
	const id = "A1763863200_xe_small"
	xiaoePut(t, shop, xiaoeApplication(id, 1, 990))
	wid := xiaoeStart(t, shop, id)
	xiaoeStart(t, shop, id) // a second source collapses onto the same workflow

	// The refund moves the application to 11 商家退款中, then 13 退款完成.
	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded || v.Case.PlatformStatus != "13" {
		t.Fatalf("final case = %s (%s), want succeeded (13)", v.Case.Status, v.Case.PlatformStatus)
	}
	xiaoeOneRefund(t, shop, id, "990")
	var agreed int
	for _, d := range v.Decisions {
		if d.Action == platforms.ActionAgree {
			agreed++
			if d.Outcome != workflows.OutcomeDone || d.Rule != "xiaoe-small-refund" {
				t.Fatalf("agree decision = %+v", d)
			}
		}
	}
	if agreed != 1 {
		t.Fatalf("decisions = %+v, want one agree", v.Decisions)
	}
}

func TestXiaoeReturnAgreeReturnEscalatesAsUnsupported(t *testing.T) {
	shop, _ := xiaoeShop(t)
	const id = "A1763863200_xe_return"
	xiaoePut(t, shop, xiaoeApplication(id, 2, 5900))
	wid := xiaoeStart(t, shop, id)

	// The rules send returns to a person: Xiaoe's API cannot act on them.
	eventually(t, 30*time.Second, "escalation", func() bool { return query(t, wid).Escalation != nil })
	if esc := query(t, wid).Escalation; esc.Rule != "xiaoe-return-or-exchange" || !strings.Contains(esc.Note, "cannot act on returns") {
		t.Fatalf("escalation = %+v", esc)
	}

	// A person decides agree_return anyway: the client answers unsupported
	// without calling Xiaoe, and the case is escalated with that note.
	ctx := context.Background()
	h, err := env.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateName: workflows.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.DecideRequest{Action: platforms.ActionAgreeReturn, By: "wang.ops"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var d workflows.Decision
	if err := h.Get(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if d.Outcome != workflows.OutcomeFailed || !strings.Contains(d.Error, "unsupported") || !strings.Contains(d.Error, "Xiaoe admin") {
		t.Fatalf("decision = %+v, want failed as unsupported", d)
	}
	esc := query(t, wid).Escalation
	if esc == nil || !strings.Contains(esc.Note, "unsupported") || !strings.Contains(esc.Note, "no endpoint to agree a return") {
		t.Fatalf("escalation after decide = %+v", esc)
	}
	if got := actions(t, shop); len(got) != 0 {
		t.Fatalf("sandbox actions = %+v, want none", got)
	}
}

func TestXiaoeExpiredTokenIsRecovered(t *testing.T) {
	shop, c := xiaoeShop(t)
	const id = "A1763863200_xe_token"
	xiaoePut(t, shop, xiaoeApplication(id, 1, 1990))
	if _, err := c.Get(context.Background(), id); err != nil { // the client now holds a token
		t.Fatal(err)
	}
	env.sandbox.ExpireXiaoeTokens()
	before := xiaoeTokenFetches()

	v := waitResult(t, xiaoeStart(t, shop, id), 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s (%s)", v.Case.Status, v.Case.PlatformStatus)
	}
	xiaoeOneRefund(t, shop, id, "1990")
	if n := xiaoeTokenFetches() - before; n != 1 {
		t.Fatalf("%d token fetches after the expiry, want exactly 1", n)
	}
}
