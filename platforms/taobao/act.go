package taobao

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale/platforms"
)

// maxAgreeFen is Taobao's per-call cap of rp.refunds.agree (¥6,000). Above
// it TOP sends the seller an SMS code that only a human can type in.
const maxAgreeFen = 600000

// defaultRefuseMessage is sent when the decision carries no message; TOP
// requires 2 to 200 characters.
const defaultRefuseMessage = "Refund refused after review"

// Act implements platforms.Client. It reads these req.Params:
// refuse: "message" (refuse_message), "reason_id" (refuse_reason_id);
// agree_return: "message" (remark), "address_id" (seller_address_id).
// agree and confirm_receipt both complete the refund with rp.refunds.agree,
// for req.Amount fen, or the whole case amount when zero.
// Exchanges ("exchange-<dispute_id>") go to actExchange (exchange_act.go).
func (c *Client) Act(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	if IsExchangeID(cs.ID) {
		return c.actExchange(ctx, cs, req)
	}
	switch req.Action {
	case platforms.ActionAgree, platforms.ActionConfirmReceipt, platforms.ActionRefuse, platforms.ActionAgreeReturn:
	default:
		return platforms.ActResult{}, platforms.Unsupported(platforms.Taobao, req.Action, "no TOP refund API for this action")
	}
	if cs.Platform != platforms.Taobao || cs.Shop != c.cfg.Shop || !isDigits(cs.ID) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("case %s is not a refund of shop %q", cs.Key(), c.cfg.Shop))
	}
	if !cs.Allows(req.Action) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("not allowed on refund %s in %s (%s)", cs.ID, cs.Status, cs.PlatformStatus))
	}
	// Every action carries the version it was decided on, so that TOP
	// rejects it if the case moved meanwhile.
	if cs.Version == "" || cs.Attrs["refund_phase"] == "" {
		return platforms.ActResult{}, invalid(req.Action, "refund "+cs.ID+" lacks refund_version or refund_phase; re-read it with Get")
	}

	var (
		res platforms.ActResult
		err error
	)
	switch req.Action {
	case platforms.ActionRefuse:
		res, err = c.refuse(ctx, cs, req)
	case platforms.ActionAgreeReturn:
		res, err = c.agreeReturn(ctx, cs, req)
	default:
		res, err = c.agree(ctx, cs, req)
	}
	if err == nil {
		c.log.Info("top: acted", "action", req.Action, "refund_id", cs.ID)
	}
	return res, err
}

// agree completes a refund: rp.refunds.agree with one refund_infos entry.
func (c *Client) agree(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	fen := req.Amount
	if fen == 0 {
		fen = cs.Amount
	}
	if fen <= 0 || fen > cs.Amount {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("amount %d fen outside (0, %d]", fen, cs.Amount))
	}
	if fen > maxAgreeFen {
		return platforms.ActResult{}, &platforms.Error{
			Kind: platforms.ErrRefused, Platform: platforms.Taobao, Code: "sms_required",
			Message: fmt.Sprintf("refund %s of %d fen needs SMS verification: a human must agree on the web", cs.ID, fen),
		}
	}
	params := url.Values{
		"refund_infos": {fmt.Sprintf("%s|%d|%s|%s", cs.ID, fen, cs.Version, cs.Attrs["refund_phase"])},
	}
	var out agreeAnswer
	if err := c.call(ctx, methodAgree, params, &out); err != nil {
		return platforms.ActResult{}, err
	}
	if err := out.errorFor(cs.ID); err != nil {
		return platforms.ActResult{}, err
	}
	return platforms.ActResult{Message: out.Msg}, nil
}

// agreeAnswer is rp.refunds.agree's answer. It is a batch API: the call
// can succeed while our refund was refused, so the per-refund result counts.
type agreeAnswer struct {
	MsgCode string `json:"msg_code"` // OP_SUCC, SOME_OP_SUCC, OP_FAILURE_UE
	Msg     string `json:"msg"`
	Results struct {
		Items []struct {
			RefundID json.Number `json:"refund_id"`
			Succ     bool        `json:"succ"`
			Message  string      `json:"message"`
		} `json:"refund_mapping_result"`
	} `json:"results"`
}

// errorFor returns nil if refund id was agreed, else an ErrRefused.
func (a agreeAnswer) errorFor(id string) error {
	for _, r := range a.Results.Items {
		if r.RefundID.String() != id {
			continue
		}
		if r.Succ {
			return nil
		}
		return &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Taobao, Code: a.MsgCode, Message: r.Message}
	}
	if a.MsgCode == "OP_SUCC" {
		return nil
	}
	return &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Taobao, Code: a.MsgCode, Message: a.Msg}
}

// refuse calls taobao.refund.refuse.
func (c *Client) refuse(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	msg := req.Params["message"]
	if msg == "" {
		msg = defaultRefuseMessage
	}
	if n := utf8.RuneCountInString(msg); n < 2 || n > 200 {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("refuse message must be 2 to 200 characters, got %d", n))
	}
	params := url.Values{
		"refund_id":      {cs.ID},
		"refuse_message": {msg},
		"refund_phase":   {cs.Attrs["refund_phase"]},
		"refund_version": {cs.Version},
	}
	if id := req.Params["reason_id"]; id != "" {
		if !isDigits(id) {
			return platforms.ActResult{}, invalid(req.Action, "reason_id must be decimal digits, got "+id)
		}
		params.Set("refuse_reason_id", id)
	}
	var out struct {
		IsSuccess bool `json:"is_success"`
		Refund    *struct {
			Status   string `json:"status"`
			Modified string `json:"modified"`
		} `json:"refund"`
	}
	if err := c.call(ctx, methodRefuse, params, &out); err != nil {
		return platforms.ActResult{}, err
	}
	if !out.IsSuccess {
		return platforms.ActResult{}, &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Taobao, Code: "is_success", Message: methodRefuse + " answered is_success=false"}
	}
	res := platforms.ActResult{Message: "refused"}
	if r := out.Refund; r != nil && r.Status != "" {
		// The answer carries the new status only. The deadline before the
		// action no longer applies; Version stays the old one, so Get
		// before acting again.
		after := cs
		after.PlatformStatus = r.Status
		after.Status = NormalizeStatus(r.Status)
		if m, err := parseTime(r.Modified); err == nil && !m.IsZero() {
			after.Modified = m
		}
		after.Deadline, after.DeadlineOwner = time.Time{}, ""
		after.Allowed = AllowedActions(after)
		res.Case = &after
	}
	return res, nil
}

// agreeReturn calls taobao.rp.returngoods.agree: the buyer may send the
// goods back to the seller address.
func (c *Client) agreeReturn(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	params := url.Values{
		"refund_id":      {cs.ID},
		"refund_phase":   {cs.Attrs["refund_phase"]},
		"refund_version": {cs.Version},
	}
	if m := req.Params["message"]; m != "" {
		params.Set("remark", m)
	}
	if id := req.Params["address_id"]; id != "" {
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return platforms.ActResult{}, invalid(req.Action, "address_id must be a number, got "+id)
		}
		params.Set("seller_address_id", id)
	}
	var out struct {
		IsSuccess bool `json:"is_success"`
	}
	if err := c.call(ctx, methodReturnAgree, params, &out); err != nil {
		return platforms.ActResult{}, err
	}
	if !out.IsSuccess {
		return platforms.ActResult{}, &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Taobao, Code: "is_success", Message: methodReturnAgree + " answered is_success=false"}
	}
	return platforms.ActResult{Message: "return agreed"}, nil
}

// invalid is the non-retryable error for an action we must not send.
func invalid(a platforms.Action, msg string) error {
	return &platforms.Error{Kind: platforms.ErrInvalid, Platform: platforms.Taobao, Code: string(a), Message: msg}
}
