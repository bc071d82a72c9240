package taobao

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// exchangeActFields are the fields asked of an action's answer; the
// documented list spells the order id "bizorder_id".
const exchangeActFields = "dispute_id,bizorder_id,modified,status"

// The exchange actions join retry.go's mutating set: once sent, a failed
// exchange action may have been applied, so it is never retried blindly.
func init() {
	for _, m := range []string{methodExchangeAgree, methodExchangeRefuse, methodExchangeReturnAgree, methodExchangeConsignGoods} {
		mutating[m] = true
	}
}

// actExchange carries out req on exchange cs with the tmall.exchange.*
// APIs. It reads these req.Params, normally given by a rule's params or a
// human decide:
//   - agree (tmall.exchange.agree): "address_id", required: the contact_id
//     of the seller's return address (taobao.logistics.address.search);
//     "message" (leave_message).
//   - refuse (tmall.exchange.refuse): "reason_id", required: a reason id of
//     tmall.exchange.refusereason.get. Without it the client fetches the
//     reasons and fails with them listed, for a human to pick: it never
//     picks a reason itself. "message" (leave_message).
//   - confirm_receipt (tmall.exchange.returngoods.agree): nothing.
//   - resend (tmall.exchange.consigngoods): "logistics_no",
//     "logistics_type" (100 平邮 post, 200 快递 express) and
//     "logistics_company_name", all required: a waybill only a person has.
//
// Missing or malformed params are ErrInvalid, which the workflow does not
// retry: it escalates with the error as its note.
func (c *Client) actExchange(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	switch req.Action {
	case platforms.ActionAgree, platforms.ActionRefuse, platforms.ActionConfirmReceipt, platforms.ActionResend:
	default:
		return platforms.ActResult{}, platforms.Unsupported(platforms.Taobao, req.Action, "no tmall.exchange API for this action")
	}
	id := strings.TrimPrefix(cs.ID, ExchangeIDPrefix)
	if cs.Platform != platforms.Taobao || cs.Shop != c.cfg.Shop || !isDigits(id) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("case %s is not an exchange of shop %q", cs.Key(), c.cfg.Shop))
	}
	if !cs.Allows(req.Action) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("not allowed on exchange %s in %s (status %s)", id, cs.Status, cs.PlatformStatus))
	}

	params := url.Values{"dispute_id": {id}, "fields": {exchangeActFields}}
	var method string
	switch req.Action {
	case platforms.ActionAgree:
		method = methodExchangeAgree
		addr := strings.TrimSpace(req.Params["address_id"])
		if addr == "" {
			return platforms.ActResult{}, invalid(req.Action, "agreeing exchange "+id+" needs params.address_id: the contact_id of the "+
				"seller's return address (taobao.logistics.address.search); give it in the rule's params or the decision")
		}
		if !isDigits(addr) {
			return platforms.ActResult{}, invalid(req.Action, "address_id must be decimal digits, got "+addr)
		}
		params.Set("address_id", addr)
	case platforms.ActionRefuse:
		method = methodExchangeRefuse
		reason := strings.TrimSpace(req.Params["reason_id"])
		if reason == "" {
			return platforms.ActResult{}, c.reasonNeeded(ctx, id)
		}
		if !isDigits(reason) {
			return platforms.ActResult{}, invalid(req.Action, "reason_id must be decimal digits, got "+reason)
		}
		params.Set("seller_refuse_reason_id", reason)
	case platforms.ActionConfirmReceipt:
		method = methodExchangeReturnAgree
	case platforms.ActionResend:
		method = methodExchangeConsignGoods
		if err := waybill(req.Params, params); err != nil {
			return platforms.ActResult{}, invalid(req.Action, "resending exchange "+id+": "+err.Error())
		}
	}
	if m := req.Params["message"]; m != "" && (req.Action == platforms.ActionAgree || req.Action == platforms.ActionRefuse) {
		params.Set("leave_message", m)
	}

	var out exchangeResult
	if err := c.call(ctx, method, params, &out); err != nil {
		return platforms.ActResult{}, err
	}
	if err := out.check(method, id, true); err != nil {
		return platforms.ActResult{}, err
	}
	c.log.Info("top: acted", "action", req.Action, "dispute_id", id)
	res := platforms.ActResult{Message: strings.TrimSpace(method + " " + out.Result.Message)}
	if x := out.Result.Exchange; x != nil && x.Status != "" {
		// The answer carries the new status only: the old deadline no
		// longer applies and Version stays the old one, so Get before
		// acting again.
		after := cs
		after.PlatformStatus = strings.TrimSpace(string(x.Status))
		after.Status = NormalizeExchangeStatus(after.PlatformStatus)
		if m, err := parseTime(x.Modified); err == nil && !m.IsZero() {
			after.Modified = m
		}
		after.Deadline, after.DeadlineOwner = time.Time{}, ""
		after.Allowed = ExchangeAllowedActions(after)
		res.Case = &after
	}
	return res, nil
}

// waybill copies the resend's logistics params into the call, or says
// which are missing or wrong.
func waybill(in map[string]string, out url.Values) error {
	var missing []string
	for _, k := range []string{"logistics_no", "logistics_type", "logistics_company_name"} {
		v := strings.TrimSpace(in[k])
		if v == "" {
			missing = append(missing, k)
			continue
		}
		out.Set(k, v)
	}
	if len(missing) > 0 {
		return fmt.Errorf("needs params %s (the replacement's waybill: logistics_type 100 平邮 or 200 快递); decide resend again with them",
			strings.Join(missing, ", "))
	}
	if t := out.Get("logistics_type"); t != "100" && t != "200" {
		return fmt.Errorf("logistics_type must be 100 (平邮) or 200 (快递), got %q", t)
	}
	return nil
}

// ExchangeReason is one answer of tmall.exchange.refusereason.get.
type ExchangeReason struct {
	ID   json.Number `json:"reason_id"`
	Text string      `json:"reason_text"`
}

// reasonNeeded is the error for a refusal without a reason id: it lists
// TOP's reasons so that the human who gets the escalation can pick one.
func (c *Client) reasonNeeded(ctx context.Context, id string) error {
	msg := "refusing exchange " + id + " needs params.reason_id from tmall.exchange.refusereason.get; decide refuse again with one"
	reasons, err := c.ExchangeRefuseReasons(ctx, id)
	switch {
	case err != nil:
		msg += " (the reasons could not be fetched: " + err.Error() + ")"
	case len(reasons) == 0:
		msg += " (TOP lists no reasons for this exchange)"
	default:
		parts := make([]string, 0, len(reasons))
		for _, r := range reasons {
			parts = append(parts, r.ID.String()+" "+r.Text)
		}
		msg += ": " + strings.Join(parts, "; ")
	}
	return invalid(platforms.ActionRefuse, msg)
}

// ExchangeRefuseReasons returns the reasons TOP accepts for refusing the
// exchange disputeID (tmall.exchange.refusereason.get, any dispute type).
func (c *Client) ExchangeRefuseReasons(ctx context.Context, disputeID string) ([]ExchangeReason, error) {
	if !isDigits(disputeID) {
		return nil, topErr(platforms.ErrInvalid, "dispute_id", "dispute_id must be decimal digits, got "+disputeID)
	}
	var out struct {
		Result *struct {
			Results   json.RawMessage `json:"results"`
			ErrorCode string          `json:"error_code"`
			ErrorMsg  string          `json:"error_msg"`
		} `json:"result"`
	}
	params := url.Values{"dispute_id": {disputeID}, "fields": {"reason_id,reason_text"}, "dispute_type": {"0"}}
	if err := c.call(ctx, methodExchangeReasons, params, &out); err != nil {
		return nil, exchangeNotFound(err)
	}
	if out.Result == nil {
		return nil, topErr(platforms.ErrMalformed, "json", methodExchangeReasons+": answer has no result")
	}
	if out.Result.ErrorCode != "" {
		return nil, &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Taobao, Code: out.Result.ErrorCode,
			Message: methodExchangeReasons + ": " + out.Result.ErrorMsg}
	}
	return decodeReasons(out.Result.Results)
}

// decodeReasons reads the Reason[] list either wrapped as TOP wraps lists
// ({"reason": [...]}) or bare; absent means none.
func decodeReasons(raw json.RawMessage) ([]ExchangeReason, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []ExchangeReason
	if raw[0] == '[' {
		if err := decode(raw, &list); err != nil {
			return nil, topErr(platforms.ErrMalformed, "json", methodExchangeReasons+": "+err.Error())
		}
		return list, nil
	}
	var wrapped struct {
		Reason []ExchangeReason `json:"reason"`
	}
	if err := decode(raw, &wrapped); err != nil {
		return nil, topErr(platforms.ErrMalformed, "json", methodExchangeReasons+": "+err.Error())
	}
	return wrapped.Reason, nil
}
