package shopline

import (
	"context"
	"fmt"
	"math"

	"github.com/aftersale/aftersale/platforms"
)

// noRefusal is why refuse is unsupported: a merchant app cannot turn a
// return down through the API.
const noRefusal = "SHOPLINE has no refusal: close the return in the admin"

// Act implements platforms.Client. agree and confirm_receipt refund an
// arrived return: POST orders/:order_id/refunds/calculate.json for the
// returned lines (type Returned), then POST order/refund.json with exactly
// the calculated transactions, in the calculation's (the order's
// settlement) currency. Nothing is invented: if the calculation exceeds the
// amount the decision was made on (req.Amount, else the case amount), or
// comes back in another currency, nothing is created and a person decides.
// Shipping is not refunded (refund it in the admin if due).
//
// req.Params read: "note" (default names the return), "notify" ("true" or
// "false": tell the buyer; default SHOPLINE's), "restock_type" (no_restock,
// cancel, return) and "location_id" for the refunded lines.
func (c *Client) Act(ctx context.Context, cs platforms.Case, req platforms.ActRequest) (platforms.ActResult, error) {
	switch req.Action {
	case platforms.ActionAgree, platforms.ActionConfirmReceipt:
	case platforms.ActionRefuse:
		return platforms.ActResult{}, platforms.Unsupported(platforms.Shopline, req.Action, noRefusal)
	default:
		return platforms.ActResult{}, platforms.Unsupported(platforms.Shopline, req.Action,
			"a SHOPLINE merchant app can only refund an arrived return")
	}
	ref, err := parseCaseID(cs.ID)
	if err != nil || cs.Platform != platforms.Shopline || cs.Shop != c.cfg.Shop || ref.kind != "return" {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("case %s is not a return of shop %q", cs.Key(), c.cfg.Shop))
	}
	if !cs.Allows(req.Action) {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("not allowed on %s in %s (%s)", cs.ID, cs.Status, cs.PlatformStatus))
	}
	lines, err := decodeLines(cs.Attrs["refund_lines"])
	if err != nil || !validID(cs.OrderID) || cs.Currency == "" {
		return platforms.ActResult{}, invalid(req.Action, "return "+ref.returnID+" lacks its lines, order or currency; re-read it with Get")
	}
	approved := req.Amount
	if approved == 0 {
		approved = cs.Amount
	}
	if approved <= 0 || approved > cs.Amount {
		return platforms.ActResult{}, invalid(req.Action, fmt.Sprintf("amount %d outside (0, %d]", approved, cs.Amount))
	}

	calc, err := c.calculate(ctx, cs.OrderID, cs.Currency, lines)
	if err != nil {
		return platforms.ActResult{}, err
	}
	if err := calc.check(lines, cs.Currency, approved); err != nil {
		return platforms.ActResult{}, err
	}
	id, err := c.createRefund(ctx, cs, lines, calc, req.Params)
	if err != nil {
		return platforms.ActResult{}, err
	}
	amount := Major(calc.total, calc.currency)
	c.log.Info("shopline: refund created", "return_id", ref.returnID, "order_id", cs.OrderID, "refund_id", id,
		"amount", amount, "currency", calc.currency)
	return platforms.ActResult{Message: fmt.Sprintf("refund %s of %s %s created", id, amount, calc.currency)}, nil
}

// calcLine and calcTxn are the parts of the calculation a refund is made of.
type calcLine struct {
	LineItemID Text `json:"line_item_id"`
	Quantity   Text `json:"quantity"`
}

type calcTxn struct {
	Kind              string `json:"kind"`
	Gateway           string `json:"gateway"`
	ParentID          Text   `json:"parent_id"`
	Amount            Text   `json:"amount"`
	MaximumRefundable Text   `json:"maximum_refundable"`
	Currency          string `json:"currency"`
}

// calculation is the answer of the refund trial.
type calculation struct {
	currency string
	lines    []calcLine
	txns     []calcTxn
	total    int64 // minor units of currency
}

// calculate runs the refund trial for the returned lines. It changes
// nothing on SHOPLINE, so it is retried like a read.
func (c *Client) calculate(ctx context.Context, orderID, currency string, lines []returnLine) (calculation, error) {
	type line struct {
		LineItemID string `json:"line_item_id"`
		Quantity   int    `json:"quantity"`
		Type       string `json:"type"`
	}
	body := struct {
		Currency        string `json:"currency"`
		RefundLineItems []line `json:"refund_line_items"`
	}{Currency: currency}
	for _, l := range lines {
		body.RefundLineItems = append(body.RefundLineItems, line{l.lineItemID, l.quantity, "Returned"})
	}
	var out struct {
		Refund *struct {
			Currency        string     `json:"currency"`
			RefundLineItems []calcLine `json:"refund_line_items"`
			Transactions    []calcTxn  `json:"transactions"`
			// UNCONFIRMED spelling: SHOPLINE's own Go SDK decodes the
			// calculated transactions from "transactons".
			Transactons []calcTxn `json:"transactons"`
		} `json:"refund"`
	}
	if err := c.call(ctx, epCalculate, "POST", "orders/"+orderID+"/refunds/calculate.json", nil, body, &out); err != nil {
		return calculation{}, err
	}
	r := out.Refund
	if r == nil {
		return calculation{}, slErr(platforms.ErrMalformed, "json", epCalculate.name+": answer has no refund")
	}
	calc := calculation{currency: r.Currency, lines: r.RefundLineItems, txns: r.Transactions}
	if len(calc.txns) == 0 {
		calc.txns = r.Transactons
	}
	return calc, nil
}

// check validates a calculation against what was decided, and sums it.
// Every failure is a refusal: the numbers are SHOPLINE's, and when they are
// not what the rules (or a person) saw, a person must look.
func (calc *calculation) check(lines []returnLine, currency string, approved int64) error {
	refuse := func(format string, args ...any) error {
		return &platforms.Error{Kind: platforms.ErrRefused, Platform: platforms.Shopline, Code: "calculation",
			Message: fmt.Sprintf(format, args...)}
	}
	if calc.currency == "" {
		calc.currency = currency
	}
	if calc.currency != currency {
		return refuse("the refund is calculated in %s but the case amount is in %s: refund it in the admin", calc.currency, currency)
	}
	if len(calc.txns) == 0 {
		return refuse("the calculation offers no refund transaction")
	}
	if len(calc.lines) > 0 {
		got := map[string]int{}
		for _, l := range calc.lines {
			q, _ := l.Quantity.Int()
			got[l.LineItemID.String()] += q
		}
		for _, l := range lines {
			if got[l.lineItemID] != l.quantity {
				return refuse("the calculation refunds %d of line %s, the return has %d", got[l.lineItemID], l.lineItemID, l.quantity)
			}
		}
	}
	calc.total = 0
	for i, t := range calc.txns {
		if t.Currency == "" {
			calc.txns[i].Currency = calc.currency
		} else if t.Currency != calc.currency {
			return refuse("a calculated transaction is in %s, the refund in %s", t.Currency, calc.currency)
		}
		n, err := Minor(t.Amount, calc.currency)
		if err != nil {
			return &platforms.Error{Kind: platforms.ErrMalformed, Platform: platforms.Shopline, Code: "calculation", Message: err.Error()}
		}
		if t.MaximumRefundable != "" {
			if most, err := Minor(t.MaximumRefundable, calc.currency); err == nil && n > most {
				return refuse("calculated transaction %s exceeds its maximum refundable %s", t.Amount, t.MaximumRefundable)
			}
		}
		if calc.total > math.MaxInt64-n { // the sum would wrap around, maybe below what was decided
			return refuse("the calculated transactions add up to more than can be counted: refund it in the admin")
		}
		calc.total += n
	}
	if calc.total <= 0 {
		return refuse("the calculated refund is %s %s: nothing to pay", Major(calc.total, calc.currency), calc.currency)
	}
	if calc.total > approved {
		return refuse("the calculated refund %s %s exceeds the %s %s decided on: a person must agree to the difference",
			Major(calc.total, calc.currency), calc.currency, Major(approved, calc.currency), calc.currency)
	}
	return nil
}

// createRefund posts order/refund.json: exactly once, never retried after
// an ambiguous failure (retry.go).
func (c *Client) createRefund(ctx context.Context, cs platforms.Case, lines []returnLine, calc calculation, params map[string]string) (string, error) {
	type line struct {
		LineItemID  string `json:"line_item_id"`
		Quantity    int    `json:"quantity"`
		Type        string `json:"type"`
		RestockType string `json:"restock_type,omitempty"`
		LocationID  string `json:"location_id,omitempty"`
	}
	type txn struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
		Kind     string `json:"kind"`
		Gateway  string `json:"gateway,omitempty"`
		ParentID string `json:"parent_id,omitempty"`
	}
	body := struct {
		OrderID         string `json:"order_id"`
		Currency        string `json:"currency"`
		Note            string `json:"note"`
		Notify          *bool  `json:"notify,omitempty"`
		RefundLineItems []line `json:"refund_line_items"`
		Transactions    []txn  `json:"transactions"`
	}{OrderID: cs.OrderID, Currency: calc.currency, Note: params["note"]}
	if body.Note == "" {
		body.Note = "Refund of return " + cs.Attrs["return_id"]
	}
	switch params["notify"] {
	case "true", "false":
		v := params["notify"] == "true"
		body.Notify = &v
	case "":
	default:
		return "", invalid(platforms.ActionAgree, "notify must be true or false, got "+params["notify"])
	}
	switch rt := params["restock_type"]; rt {
	case "", "no_restock", "cancel", "return":
	default:
		return "", invalid(platforms.ActionAgree, "restock_type must be no_restock, cancel or return, got "+rt)
	}
	for _, l := range lines {
		body.RefundLineItems = append(body.RefundLineItems, line{l.lineItemID, l.quantity, "Returned", params["restock_type"], params["location_id"]})
	}
	for _, t := range calc.txns {
		// The trial suggests; the refund pays (kind "refund").
		body.Transactions = append(body.Transactions, txn{t.Amount.String(), t.Currency, "refund", t.Gateway, t.ParentID.String()})
	}
	var out struct {
		Refund *struct {
			ID Text `json:"id"`
		} `json:"refund"`
		// UNCONFIRMED: SHOPLINE's Go SDK reads the created refund from "data".
		Data *struct {
			ID Text `json:"id"`
		} `json:"data"`
	}
	if err := c.call(ctx, epCreate, "POST", "order/refund.json", nil, body, &out); err != nil {
		return "", err
	}
	switch {
	case out.Refund != nil && out.Refund.ID != "":
		return out.Refund.ID.String(), nil
	case out.Data != nil && out.Data.ID != "":
		return out.Data.ID.String(), nil
	}
	// Created (2xx), but the answer does not say as what: the next Get
	// finds the refund among the order's refunds.
	return "?", nil
}

// invalid is the non-retryable error for an action we must not send.
func invalid(a platforms.Action, msg string) error {
	return &platforms.Error{Kind: platforms.ErrInvalid, Platform: platforms.Shopline, Code: string(a), Message: msg}
}
