package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/xportcn"
	"github.com/aftersale/aftersale/workflows"
)

// xportcnShopFor registers an Xportcn client for an account named after
// the test. The sandbox's status codes beyond the documented "100" are
// enabled, as dev mode does.
func xportcnShopFor(t *testing.T) string {
	t.Helper()
	shop := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	addShop(t, xportcnClient(shop, sandbox.DefaultXportcnAccessSecret))
	return shop
}

func xportcnClient(shop, secret string) *xportcn.Client {
	return xportcn.New(xportcn.Config{
		BaseURL:           env.baseURL + "/api",
		AccessKey:         sandbox.XportcnAccessKeyFor(shop),
		AccessSecret:      secret,
		Shop:              shop,
		Timeout:           3 * time.Second,
		Logger:            env.logger,
		ExtraStatuses:     xportcn.SandboxStatuses,
		ExtraTimeoutTypes: xportcn.SandboxTimeoutTypes,
	})
}

// xportcnCase is one native after-sale aggregate, as queryList returns it,
// with the deadline of its status and sandbox knobs at the top level.
func xportcnCase(id, status string, refundType int, timeoutType string, deadline time.Time, knobs map[string]any) map[string]any {
	c := map[string]any{
		"logistics": nil, "subUserId": nil,
		"refundOrder": map[string]any{
			"refundId": id, "refundStatus": status, "refundFee": 12900, "refundType": refundType,
			"timeoutType": timeoutType, "timeoutDate": strconv.FormatInt(deadline.UnixMilli(), 10),
			"reasonDesc": "尺码拍错/不合适", "reasonId": 150013, "goodsStatus": 1, "payOrderId": "3" + id,
		},
		"purchaseOrderLine": map[string]any{
			"salesOrderId": "500918-" + id, "quantity": 1, "totalPrice": 12900, "itemTitle": "轻量缓震运动跑鞋",
			"purchaseOrderId": "2" + id, "purchaseOrderLineId": "2" + id + "1", "currency": "CNY",
		},
	}
	for k, v := range knobs {
		c[k] = v
	}
	return c
}

func xportcnPut(t *testing.T, shop string, c map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(c)
	if err := env.sandbox.PutCase(string(platforms.Xportcn), shop, raw); err != nil {
		t.Fatal(err)
	}
}

func xportcnStart(t *testing.T, shop, id string) string {
	t.Helper()
	in := workflows.CaseInput{Platform: platforms.Xportcn, Shop: shop, CaseID: id}
	wid := workflows.CaseWorkflowID(in.Platform, shop, id)
	_, err := env.client.SignalWithStartWorkflow(context.Background(), wid, workflows.SignalSnapshot, platforms.Case{},
		client.StartWorkflowOptions{ID: wid, TaskQueue: workflows.TaskQueue}, workflows.CaseWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	return wid
}

func xportcnDecide(t *testing.T, wid string, req workflows.DecideRequest) workflows.Decision {
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
		t.Fatal(err)
	}
	return d
}

func TestXportcnSellerRefusedEscalatesWithoutAction(t *testing.T) {
	shop := xportcnShopFor(t)
	xportcnPut(t, shop, xportcnCase("110002691001", "400", 1, "bModifyRefundT", time.Now().Add(5*24*time.Hour), nil))
	wid := xportcnStart(t, shop, "110002691001")

	eventually(t, 30*time.Second, "escalation", func() bool { return query(t, wid).Escalation != nil })
	v := query(t, wid)
	if v.Escalation.Rule != "xportcn-seller-refused" || v.Case.Role != platforms.RoleBuyer || v.Case.Status != platforms.StatusRefused {
		t.Fatalf("view = %+v", v)
	}
	// A seller's action is not ours to take.
	rejected, err := env.client.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateName: workflows.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.DecideRequest{Action: platforms.ActionAgree, By: "li.ops"}},
	})
	if err == nil {
		err = rejected.Get(context.Background(), nil)
	}
	if err == nil || !strings.Contains(err.Error(), "does not allow agree") {
		t.Fatalf("agree on our own refused request: %v, want a rejection", err)
	}
	if got := actions(t, shop); len(got) != 0 {
		t.Fatalf("sandbox actions = %+v, want none", got)
	}
}

func TestXportcnSellerAgreesWhileWeWait(t *testing.T) {
	shop := xportcnShopFor(t)
	xportcnPut(t, shop, xportcnCase("110002691002", "100", 1, "sAgreeRefundT", time.Now().Add(48*time.Hour),
		map[string]any{"sandbox_seller_after": 3}))
	wid := xportcnStart(t, shop, "110002691002")

	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s, want succeeded by the seller", v.Case.Status)
	}
	if v.Decisions[0].Action != platforms.ActionWait || v.Decisions[0].Rule != "xportcn-seller-turn" {
		t.Fatalf("decisions = %+v, want a wait", v.Decisions)
	}
	if got := actions(t, shop); len(got) != 0 {
		t.Fatalf("sandbox actions = %+v, want none", got)
	}
}

func TestXportcnHumanShipsReturnExactlyOnce(t *testing.T) {
	shop := xportcnShopFor(t)
	deadline := time.Now().Add(72 * time.Hour)
	xportcnPut(t, shop, xportcnCase("110002691003", "200", 2, "bReturnGoodsT", deadline,
		map[string]any{"sandbox_seller_after": 2}))
	wid := xportcnStart(t, shop, "110002691003")

	eventually(t, 30*time.Second, "escalation", func() bool { return query(t, wid).Escalation != nil })
	v := query(t, wid)
	if v.Escalation.Rule != "xportcn-ship-return" || v.Escalation.OnDeadline != "" || !v.Case.Deadline.Equal(deadline.Truncate(time.Millisecond)) ||
		v.Case.DeadlineOwner != platforms.RoleBuyer {
		t.Fatalf("view = %+v", v)
	}

	// Without the waybill the client refuses to send anything: the
	// decision fails and the case is escalated again, saying what is missing.
	d := xportcnDecide(t, wid, workflows.DecideRequest{Action: platforms.ActionShipReturn, By: "li.ops"})
	if d.Outcome != workflows.OutcomeFailed || !strings.Contains(d.Error, xportcn.ParamLogisticsNo) {
		t.Fatalf("decision without a waybill = %+v", d)
	}
	if esc := query(t, wid).Escalation; esc == nil || !strings.Contains(esc.Note, xportcn.ParamLogisticsNo) {
		t.Fatalf("escalation = %+v", esc)
	}
	if got := actions(t, shop); len(got) != 0 {
		t.Fatalf("sandbox actions = %+v, want none yet", got)
	}

	d = xportcnDecide(t, wid, workflows.DecideRequest{Action: platforms.ActionShipReturn, By: "li.ops",
		Params: map[string]string{xportcn.ParamLogisticsCompany: "SF", xportcn.ParamLogisticsNo: "SF1234567890"}})
	if d.Outcome != workflows.OutcomeDone || d.Actor != "li.ops" {
		t.Fatalf("decision = %+v", d)
	}
	// The seller confirms the parcel and the refund is paid.
	v = waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded {
		t.Fatalf("status = %s", v.Case.Status)
	}
	got := actions(t, shop)
	if len(got) != 1 || got[0].Action != xportcn.PathShipReturn || !got[0].OK || got[0].CaseID != "110002691003" ||
		got[0].Params["logisticsNo"] != "SF1234567890" || got[0].Params["logisticsCompanyCode"] != "SF" {
		t.Fatalf("sandbox actions = %+v, want exactly one return waybill", got)
	}
	if !got[0].At.Before(deadline) {
		t.Fatalf("shipped at %s, after our deadline %s", got[0].At, deadline)
	}
}

// A message callback only says "re-read refund N": through the worker's
// sink it starts the case workflow, which reads the case itself.
func TestXportcnCallbackStartsTheCase(t *testing.T) {
	shop := xportcnShopFor(t)
	xportcnPut(t, shop, xportcnCase("110002691005", "100", 1, "sAgreeRefundT", time.Now().Add(48*time.Hour),
		map[string]any{"sandbox_seller_after": 2}))
	sink := func(ctx context.Context, h platforms.Hint) error {
		_, err := activities.SignalCase(ctx, env.client, h)
		return err
	}
	srv := httptest.NewServer(xportcn.NewCallbackHandler(xportcn.FixedShop(shop), sink, nil, env.logger))
	defer srv.Close()
	msg := `{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"{\"refundId\":\"110002691005\",\"orderId\":\"2110002691005\"}","messagePlatform":0,"timestamp":` +
		strconv.FormatInt(time.Now().UnixMilli(), 10) + `}`
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("callback answered %s", resp.Status)
	}
	// The hint goes to the sink after the 200: the workflow starts shortly.
	wid := workflows.CaseWorkflowID(platforms.Xportcn, shop, "110002691005")
	eventually(t, 10*time.Second, "the workflow to start", func() bool {
		_, err := env.client.DescribeWorkflowExecution(context.Background(), wid, "")
		return err == nil
	})
	v := waitResult(t, wid, 60*time.Second)
	if v.Case.Status != platforms.StatusSucceeded || len(actions(t, shop)) != 0 {
		t.Fatalf("view = %+v", v)
	}
}

func TestXportcnWrongSignatureIsRejectedAsAuth(t *testing.T) {
	shop := xportcnShopFor(t)
	xportcnPut(t, shop, xportcnCase("110002691004", "100", 1, "sAgreeRefundT", time.Now().Add(48*time.Hour), nil))

	_, err := xportcnClient(shop, "not-the-secret").Get(context.Background(), "110002691004")
	if k := platforms.KindOf(err); k != platforms.ErrAuth {
		t.Fatalf("error kind = %q (%v), want auth", k, err)
	}

	// The raw answer is Xportcn's envelope with a non-200 code.
	ts := xportcn.Timestamp(xportcn.SignMD5, time.Now())
	nonce := xportcn.Nonce()
	sig, _ := xportcn.Sign(xportcn.SignMD5, sandbox.XportcnAccessKeyFor(shop), "wrong", ts, nonce)
	req, _ := http.NewRequest(http.MethodPost, env.baseURL+"/api"+xportcn.PathQueryList,
		strings.NewReader(`{"refundId":"110002691004","pageNo":1,"pageSize":1}`))
	req.Header = http.Header{"Access-Key": {sandbox.XportcnAccessKeyFor(shop)}, "Timestamp": {ts},
		"Nonce-Str": {nonce}, "Signature": {sig}, "Content-Type": {"application/json"}}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e struct {
		Code int             `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &e) != nil || e.Code == 200 || e.Code == 0 || string(e.Data) != "null" {
		t.Fatalf("got %d %s, want Xportcn's error envelope", resp.StatusCode, body)
	}
}
