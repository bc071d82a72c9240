package integration

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/taobao"
	"github.com/aftersale/aftersale/workflows"
)

func TestSmallUnshippedRefundIsAgreedExactlyOnce(t *testing.T) {
	shop := shopFor(t)
	putCase(t, shop, newRefund("2026112300000000101", "99.00", time.Now().Add(48*time.Hour)))
	wid := startCase(t, shop, "2026112300000000101")
	// A second start from another source collapses onto the same workflow.
	startCase(t, shop, "2026112300000000101")

	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s, want succeeded", v.Case.Status)
	}
	got := actions(t, shop)
	if len(got) != 1 || got[0].Action != "taobao.rp.refunds.agree" || !got[0].OK {
		t.Fatalf("sandbox actions = %+v, want exactly one agree", got)
	}
	if infos := got[0].Params["refund_infos"]; !strings.HasPrefix(infos, "2026112300000000101|9900|") {
		t.Fatalf("refund_infos = %q, want id|9900 fen|version|phase", infos)
	}
	d := v.Decisions[len(v.Decisions)-1]
	if d.Action != platforms.ActionAgree || d.Outcome != workflows.OutcomeDone || d.Rule == "" || d.RulesetHash == "" {
		t.Fatalf("decision = %+v", d)
	}
}

func TestBigTicketEscalatesAndCompletesAfterDecide(t *testing.T) {
	shop := shopFor(t)
	r := newRefund("2026112300000000201", "5499.00", time.Now().Add(72*time.Hour))
	r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
	putCase(t, shop, r)
	wid := startCase(t, shop, "2026112300000000201")

	eventually(t, 30*time.Second, "escalation", func() bool { return query(t, wid).Escalation != nil })
	if n := len(actions(t, shop)); n != 0 {
		t.Fatalf("escalated case sent %d actions", n)
	}

	ctx := context.Background()
	// A decision the platform cannot take is refused before it enters history.
	rejected, err := env.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateName: workflows.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.DecideRequest{Action: platforms.ActionConfirmReceipt, By: "li.ops"}},
	})
	if err == nil {
		err = rejected.Get(ctx, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "does not allow confirm_receipt") {
		t.Fatalf("confirm_receipt on a refund awaiting agreement: %v, want a rejection", err)
	}

	h, err := env.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateName: workflows.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.DecideRequest{Action: platforms.ActionAgree, By: "li.ops", Note: "VIP buyer"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var d workflows.Decision
	if err := h.Get(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if d.Outcome != workflows.OutcomeDone || d.Actor != "li.ops" {
		t.Fatalf("decide answered %+v", d)
	}
	v := waitResult(t, wid, 30*time.Second)
	if v.Case.Status != platforms.StatusSucceeded || v.Escalation != nil {
		t.Fatalf("final view = %+v", v)
	}
	if got := actions(t, shop); len(got) != 1 || got[0].Action != "taobao.rp.refunds.agree" {
		t.Fatalf("sandbox actions = %+v, want one agree", got)
	}
}

func TestEscalatedCaseWithOnDeadlineActsBeforeDeadline(t *testing.T) {
	shop := shopFor(t)
	deadline := time.Now().Add(90 * time.Minute).Truncate(time.Second)
	r := newRefund("2026112300000000301", "2399.00", deadline)
	r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
	putCase(t, shop, r)
	wid := startCase(t, shop, "2026112300000000301")

	v := waitResult(t, wid, 60*time.Second)
	got := actions(t, shop)
	if len(got) != 1 || got[0].Action != "taobao.rp.refunds.agree" {
		t.Fatalf("sandbox actions = %+v, want one agree", got)
	}
	if !got[0].At.Before(deadline) {
		t.Fatalf("acted at %s, not before the deadline %s", got[0].At, deadline)
	}
	var acted *workflows.Decision
	for i := range v.Decisions {
		if v.Decisions[i].Outcome == workflows.OutcomeDone {
			acted = &v.Decisions[i]
		}
	}
	if acted == nil || acted.Actor != "on_deadline" || acted.Action != platforms.ActionAgree {
		t.Fatalf("decisions = %+v, want an on_deadline agree", v.Decisions)
	}
}

func TestCaseClosedByPlatformFinishesWithoutAction(t *testing.T) {
	shop := shopFor(t)
	// An 8,999 ticket escalates with no on_deadline; the seller deadline
	// lapses and Taobao refunds on its own.
	r := newRefund("2026112300000000401", "8999.00", time.Now().Add(4*time.Second))
	r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
	putCase(t, shop, r)
	wid := startCase(t, shop, "2026112300000000401")

	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s, want succeeded by the platform's timeout", v.Case.Status)
	}
	if got := actions(t, shop); len(got) != 0 {
		t.Fatalf("sandbox actions = %+v, want none", got)
	}
	for _, d := range v.Decisions {
		if d.Action.Mutating() && d.Outcome != workflows.OutcomeLapsed {
			t.Fatalf("unexpected decision %+v", d)
		}
	}
}

func TestWorkerRestartMidCaseSendsNoDuplicate(t *testing.T) {
	shop := shopFor(t)
	putCase(t, shop, newRefund("2026112300000000501", "49.90", time.Now().Add(48*time.Hour)))
	// The sandbox applies the agree and then never answers: the worker dies
	// not knowing whether its call went through.
	setFaults(t, `{"rate":1,"kinds":["timeout"],"methods":["taobao.rp.refunds.agree"]}`)
	wid := startCase(t, shop, "2026112300000000501")
	eventually(t, 30*time.Second, "the agree to reach the sandbox", func() bool { return len(actions(t, shop)) == 1 })

	stopWorkers()
	setFaults(t, `{"rate":0}`)
	startWorkers()

	v := waitResult(t, wid, 90*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	if got := actions(t, shop); len(got) != 1 {
		t.Fatalf("sandbox actions = %+v, want exactly one agree", got)
	}
}

func TestWrongSignatureIsRejectedAsAuth(t *testing.T) {
	shop := shopFor(t)
	putCase(t, shop, newRefund("2026112300000000601", "10.00", time.Now().Add(48*time.Hour)))

	_, err := topClient(shop, "not-the-secret").Get(context.Background(), "2026112300000000601")
	if k := platforms.KindOf(err); k != platforms.ErrAuth {
		t.Fatalf("error kind = %q (%v), want auth", k, err)
	}

	// The raw envelope is TOP's: HTTP 200 with error_response code 25.
	form := url.Values{
		"method": {"taobao.refund.get"}, "app_key": {sandbox.DefaultTOPAppKey}, "session": {sandbox.TOPSessionFor(shop)},
		"timestamp": {topTime(time.Now())}, "format": {"json"}, "v": {"2.0"}, "sign_method": {"md5"},
		"refund_id": {"2026112300000000601"}, "fields": {"refund_id,status"},
	}
	sign, _ := taobao.Sign(form, "wrong", taobao.SignMD5)
	form.Set("sign", sign)
	resp, err := http.PostForm(env.baseURL+"/router/rest", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"error_response"`) || !strings.Contains(string(body), `"code":25`) {
		t.Fatalf("got %d %s, want TOP's code 25 envelope", resp.StatusCode, body)
	}
}

func TestSyncStartsWorkflowsForChangedCases(t *testing.T) {
	shop := shopFor(t)
	putCase(t, shop, newRefund("2026112300000000701", "20.00", time.Now().Add(48*time.Hour)))
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
		t.Fatalf("sync result = %+v, want 1 seen and signalled", res)
	}
	v := waitResult(t, workflows.CaseWorkflowID(platforms.Taobao, shop, "2026112300000000701"), 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
}

func setFaults(t *testing.T, body string) {
	t.Helper()
	resp, err := http.Post(env.baseURL+"/_sandbox/faults", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("faults: %s", resp.Status)
	}
}
