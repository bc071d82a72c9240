package shopline

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Refund is a refund of an order as GET /orders/:order_id/refunds.json lists
// it (the seed page) and the refunds/create webhook sends it. Fields this
// client does not need are not decoded; user_id (the buyer) deliberately
// is not, so it can never reach a Case or a log.
type Refund struct {
	ID              Text             `json:"id"`
	OrderID         Text             `json:"order_id"`
	CreatedAt       string           `json:"created_at"`
	ProcessedAt     string           `json:"processed_at"`
	RefundLineItems []RefundLineItem `json:"refund_line_items"`
	Transactions    []Transaction    `json:"transactions"`
}

// RefundLineItem is one refunded line of goods.
type RefundLineItem struct {
	ID          Text      `json:"id"`
	LineItemID  Text      `json:"line_item_id"`
	Quantity    Text      `json:"quantity"`
	RestockType string    `json:"restock_type"` // no_restock, cancel, return
	Subtotal    Text      `json:"subtotal"`     // documented as double
	LineItem    *LineItem `json:"line_item"`
}

// Transaction is a refund's money movement.
type Transaction struct {
	ID          Text   `json:"id"`
	Amount      Text   `json:"amount"` // "100" in Currency
	Currency    string `json:"currency"`
	Kind        string `json:"kind"`   // authorization, capture, sale, void, refund
	Status      string `json:"status"` // pending, failure, success, error
	CreatedAt   string `json:"created_at"`
	ProcessedAt string `json:"processed_at"`
}

// LineItem is an order line as SHOPLINE nests it in refunds and returns.
type LineItem struct {
	ID       Text      `json:"id"`
	Title    string    `json:"title"`
	Name     string    `json:"name"`
	SKU      string    `json:"sku"`
	Price    Text      `json:"price"`
	PriceSet *MoneySet `json:"price_set"`
}

// MoneySet is an amount in the shop's and in the buyer's currency.
type MoneySet struct {
	ShopMoney        Money `json:"shop_money"`
	PresentmentMoney Money `json:"presentment_money"`
}

// Money is one amount with its currency.
type Money struct {
	Amount       Text   `json:"amount"`
	CurrencyCode string `json:"currency_code"`
}

// refundTransactions are the transactions that move refund money: kind
// "refund", or no kind at all (the list is documented as refund
// transactions).
func (r Refund) refundTransactions() []Transaction {
	var out []Transaction
	for _, t := range r.Transactions {
		if t.Kind == "" || strings.EqualFold(t.Kind, "refund") {
			out = append(out, t)
		}
	}
	return out
}

// ParseRefund normalizes a refund into a Case for shop. A refund is a case
// only while its money has not gone out: its status is that of its worst
// transaction (TransactionStatuses). The platform has no action that
// repairs a failed refund, so no action is ever allowed: the rules escalate.
func ParseRefund(shop string, r Refund) (platforms.Case, error) {
	bad := func(field, v string) (platforms.Case, error) {
		return platforms.Case{}, slErr(platforms.ErrMalformed, "refund",
			fmt.Sprintf("refund %s: bad %s %q", r.ID, field, v))
	}
	if !validID(r.ID.String()) {
		return bad("id", r.ID.String())
	}
	if !validID(r.OrderID.String()) {
		return bad("order_id", r.OrderID.String())
	}

	var (
		amount   int64
		currency string
		raws     []string
		version  []string
		modified = latest(r.CreatedAt, r.ProcessedAt)
	)
	for _, t := range r.refundTransactions() {
		if currency != "" && t.Currency != currency {
			return bad("transactions.currency", t.Currency)
		}
		currency = t.Currency
		n, err := Minor(t.Amount, t.Currency)
		if err != nil || t.Currency == "" || amount > math.MaxInt64-n {
			return bad("transactions.amount", t.Amount.String()+" "+t.Currency)
		}
		amount += n
		raws = append(raws, t.Status)
		version = append(version, t.ID.String()+"="+t.Status)
		modified = maxTime(modified, latest(t.CreatedAt, t.ProcessedAt))
	}
	// No refund transaction at all is not a documented shape: status unknown.
	status := worstStatus(raws)

	c := platforms.Case{
		Platform:       platforms.Shopline,
		Shop:           shop,
		ID:             RefundCaseID(r.OrderID.String(), r.ID.String()),
		OrderID:        r.OrderID.String(),
		Kind:           platforms.KindRefund,
		Role:           platforms.RoleSeller,
		Status:         NormalizeTransactionStatus(status),
		PlatformStatus: status,
		Amount:         amount,
		Currency:       currency,
		GoodsStatus:    platforms.GoodsUnknown,
		Version:        hashOf(version...),
		Modified:       modified,
		Attrs:          map[string]string{"order_id": r.OrderID.String(), "refund_id": r.ID.String()},
	}
	for _, li := range r.RefundLineItems {
		if li.RestockType == "return" {
			c.GoodsStatus = platforms.GoodsReturned
		}
		c.Items = append(c.Items, refundItem(li, currency))
	}
	c.Allowed = AllowedActions(c)
	return c, nil
}

// refundItem describes a refunded line; its amount is informational, so a
// value that does not parse is left out rather than failing the case.
func refundItem(li RefundLineItem, currency string) platforms.Item {
	it := platforms.Item{}
	if li.LineItem != nil {
		it.SKU, it.Title = li.LineItem.SKU, firstNonEmpty(li.LineItem.Title, li.LineItem.Name)
	}
	it.Quantity, _ = li.Quantity.Int()
	if currency != "" {
		it.Amount, _ = Minor(li.Subtotal, currency)
	}
	return it
}

// timeLayouts are the ISO 8601 forms SHOPLINE's examples use:
// "2022-10-03T12:44:45-04:00" and, in webhooks, "2024-07-30T19:05:13.968+0800".
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999-0700", "2006-01-02T15:04:05-0700"}

// parseTime reads an ISO 8601 time into UTC; false if empty or unreadable.
// A time outside the years 0 to 9999 in UTC is unreadable too: cases travel
// as JSON, which cannot carry it.
func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if y := t.UTC().Year(); y < 0 || y > 9999 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// latest is the latest readable time among ss, zero if none.
func latest(ss ...string) time.Time {
	var out time.Time
	for _, s := range ss {
		if t, ok := parseTime(s); ok {
			out = maxTime(out, t)
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// hashOf is a short stable digest of the values that make up a case's
// state. SHOPLINE returns and refunds carry no version of their own, and
// Act compares versions to send nothing when the case moved.
func hashOf(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
