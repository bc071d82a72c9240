package xportcn

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aftersale/aftersale/platforms"
)

// Parameters ship_return reads from ActRequest.Params: the return waybill,
// which only a person who shipped the parcel can know.
const (
	ParamLogisticsCompany = "logistics_company" // carrier code, as Xportcn's "Return logistics rendering" lists them
	ParamLogisticsNo      = "logistics_no"      // waybill number
)

// ShipReturnRequest is the body we POST to submit the return waybill. The
// body of "Return logistics submission" is not documented (UNCONFIRMED):
// these names follow queryList's style.
type ShipReturnRequest struct {
	RefundID             string `json:"refundId"`
	LogisticsCompanyCode string `json:"logisticsCompanyCode"`
	LogisticsNo          string `json:"logisticsNo"`
}

// Act implements platforms.Client for the buyer actions:
//   - cancel: GET the cancellation endpoint with refundId;
//   - ship_return: POST the return waybill (params logistics_company and
//     logistics_no; missing ones are an invalid, non-retried request, so the
//     workflow escalates and a person decides again with them).
//
// The seller's actions (agree, refuse, agree_return, confirm_receipt,
// resend) are unsupported: we are the buyer on Xportcn.
func (c *Client) Act(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	switch req.Action {
	case platforms.ActionCancel, platforms.ActionShipReturn:
	case platforms.ActionAgree, platforms.ActionRefuse, platforms.ActionAgreeReturn,
		platforms.ActionConfirmReceipt, platforms.ActionResend:
		return platforms.ActResult{}, platforms.Unsupported(platforms.Xportcn, req.Action,
			"we are the buyer on Xportcn: the Taobao seller takes this action")
	default:
		return platforms.ActResult{}, platforms.Unsupported(platforms.Xportcn, req.Action, "no Xportcn API for this action")
	}
	if cs.Platform != platforms.Xportcn || cs.Shop != c.cfg.Shop || !isDigits(cs.ID) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("case %s is not an after-sale order of account %q", cs.Key(), c.cfg.Shop))
	}
	if !cs.Allows(req.Action) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("not allowed on refund %s in %s (%s)", cs.ID, cs.Status, cs.PlatformStatus))
	}

	var (
		res platforms.ActResult
		err error
	)
	switch req.Action {
	case platforms.ActionCancel:
		ep := endpoint{method: http.MethodGet, path: c.cfg.CancelPath, mutating: true}
		err = c.call(ctx, ep, url.Values{"refundId": {cs.ID}}, nil, nil)
		res.Message = "after-sale request cancelled"
	case platforms.ActionShipReturn:
		body := ShipReturnRequest{
			RefundID:             cs.ID,
			LogisticsCompanyCode: strings.TrimSpace(req.Params[ParamLogisticsCompany]),
			LogisticsNo:          strings.TrimSpace(req.Params[ParamLogisticsNo]),
		}
		if body.LogisticsCompanyCode == "" || body.LogisticsNo == "" {
			return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf(
				"ship_return needs the return waybill: params %s (carrier) and %s (waybill number); decide again with both",
				ParamLogisticsCompany, ParamLogisticsNo))
		}
		ep := endpoint{method: http.MethodPost, path: c.cfg.ShipReturnPath, mutating: true}
		err = c.call(ctx, ep, nil, body, nil)
		res.Message = "return waybill submitted"
	}
	if err != nil {
		return platforms.ActResult{}, err
	}
	c.log.Info("xportcn: acted", "action", req.Action, "refund_id", cs.ID)
	return res, nil
}

// invalid is the non-retryable error for an action we must not send.
func invalid(a platforms.Action, msg string) error {
	return &platforms.Error{Kind: platforms.ErrInvalid, Platform: platforms.Xportcn, Code: string(a), Message: msg}
}
