package xiaoe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// unsupported explains, per action, why the client cannot act and where a
// person can. Xiaoe's public API has none of these endpoints [UNCONFIRMED:
// none found in the API list].
var unsupported = map[platforms.Action]string{
	platforms.ActionRefuse:         "Xiaoe's public API has no endpoint to refuse an after-sale request; handle it in the Xiaoe admin",
	platforms.ActionAgreeReturn:    "Xiaoe's public API has no endpoint to agree a return or exchange; handle it in the Xiaoe admin",
	platforms.ActionConfirmReceipt: "Xiaoe's public API has no endpoint to confirm receipt of returned goods; handle it in the Xiaoe admin",
	platforms.ActionResend:         "Xiaoe's public API has no endpoint to ship an exchange's replacement; handle it in the Xiaoe admin",
}

// Act implements platforms.Client. Only agree on a refund-only application
// is carried out, and not by "agreeing the request" (Xiaoe has no such
// endpoint) but as a merchant refund: xe.order.refund of the application's
// order and sku, for req.Amount fen or the whole case amount when zero.
// That Xiaoe then moves the application itself (11 商家退款中, then 13) is
// what the sandbox does; on the real platform it is UNCONFIRMED, hence the
// guard against a second refund of the same application version.
// Params read: "is_purchase_delete_flag" ("0" or "1"), passed through.
func (c *Client) Act(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	if why, ok := unsupported[req.Action]; ok {
		return platforms.ActResult{}, platforms.Unsupported(platforms.Xiaoe, req.Action, why)
	}
	if req.Action != platforms.ActionAgree {
		return platforms.ActResult{}, platforms.Unsupported(platforms.Xiaoe, req.Action, "not an action a Xiaoe merchant takes")
	}
	if cs.Platform != platforms.Xiaoe || cs.Shop != c.cfg.Shop || cs.ID == "" {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("case %s is not an after-sale application of shop %q", cs.Key(), c.cfg.Shop))
	}
	if cs.Kind != platforms.KindRefund {
		return platforms.ActResult{}, platforms.Unsupported(platforms.Xiaoe, req.Action,
			fmt.Sprintf("agree on a %s would refund without the goods coming back; Xiaoe's public API cannot accept a return or exchange: handle it in the Xiaoe admin", cs.Kind))
	}
	if !cs.Allows(req.Action) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("not allowed on application %s in %s (state %s)", cs.ID, cs.Status, cs.PlatformStatus))
	}
	amount := req.Amount
	if amount == 0 {
		amount = cs.Amount
	}
	if amount <= 0 || amount > cs.Amount {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("amount %d fen outside (0, %d]", amount, cs.Amount))
	}
	params := map[string]any{
		"order_id":        cs.OrderID,
		"sku_id":          cs.Attrs[AttrSkuID],
		"refund_price":    amount,
		"refund_operator": c.cfg.Operator,
	}
	switch f := req.Params["is_purchase_delete_flag"]; f {
	case "":
	case "0", "1":
		params["is_purchase_delete_flag"] = int(f[0] - '0')
	default:
		return platforms.ActResult{}, invalid(req.Action, "is_purchase_delete_flag must be 0 or 1, got "+f)
	}

	if !c.sent.mark(cs.ID, cs.Version, c.cfg.Now()) {
		return platforms.ActResult{}, &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Xiaoe, Code: "refund_sent",
			Message: fmt.Sprintf("a refund for application %s was already sent by this worker and the application has not moved since; check the Xiaoe admin before refunding again", cs.ID)}
	}
	var out struct {
		RefundID   flexString      `json:"refund_id"`
		RefundType json.Number     `json:"refund_type"` // 1 full, 2 partial
		IsAsync    json.RawMessage `json:"is_async"`
	}
	if err := c.call(ctx, endpointRefund, params, &out); err != nil {
		if rejected(err) {
			c.sent.forget(cs.ID, cs.Version)
		}
		return platforms.ActResult{}, err
	}
	c.log.Info("xiaoe: refunded", "aftersale_id", cs.ID, "fen", amount, "refund_id", string(out.RefundID))
	return platforms.ActResult{Message: fmt.Sprintf("merchant refund of %d fen sent (refund_id %s, refund_type %s, is_async %s)",
		amount, out.RefundID, out.RefundType, out.IsAsync)}, nil
}

// rejected reports whether Xiaoe certainly did not refund: it answered with
// an error, or the request never left. Anything else (a lost answer, HTTP
// 5xx, "system busy", an unreadable answer) may have refunded.
func rejected(err error) bool {
	switch k := platforms.KindOf(err); k {
	case platforms.ErrInvalid, platforms.ErrRefused, platforms.ErrAuth, platforms.ErrNotFound, platforms.ErrRateLimited:
		return true
	case platforms.ErrTransient:
		var pe *platforms.Error
		return errors.As(err, &pe) && pe.Code == codeNotSent
	}
	return false
}

// refundGuard remembers the application versions this process sent a
// refund for (or may have), so that a retried Act that finds the
// application unmoved refuses instead of refunding twice. It is memory only:
// after a worker restart the workflow's re-read is the only guard.
type refundGuard struct {
	mu   sync.Mutex
	sent map[string]time.Time
}

const refundGuardTTL = 24 * time.Hour

// mark records id at version, or reports false if it was already recorded.
func (g *refundGuard) mark(id, version string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sent == nil {
		g.sent = map[string]time.Time{}
	}
	for k, at := range g.sent {
		if now.Sub(at) > refundGuardTTL {
			delete(g.sent, k)
		}
	}
	k := id + "\x00" + version
	if _, ok := g.sent[k]; ok {
		return false
	}
	g.sent[k] = now
	return true
}

func (g *refundGuard) forget(id, version string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.sent, id+"\x00"+version)
}

// invalid is the non-retryable error for an action we must not send.
func invalid(a platforms.Action, msg string) error {
	return &platforms.Error{Kind: platforms.ErrInvalid, Platform: platforms.Xiaoe, Code: string(a), Message: msg}
}
