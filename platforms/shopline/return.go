package shopline

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Return is a return order as GET /return.json?id= lists it. Free-text
// notes (return_reason_note) are not decoded: they are the buyer's words.
type Return struct {
	ID           Text             `json:"id"`
	OrderID      Text             `json:"order_id"`
	Status       string           `json:"status"` // OPEN, CLOSED, cancelled
	CreatedAt    string           `json:"created_at"`
	UpdatedAt    string           `json:"updated_at"` // not in the reference; used when present
	ReturnReason string           `json:"return_reason"`
	LineItems    []ReturnLineItem `json:"return_line_items"`
}

// ReturnLineItem is one returned line of goods.
type ReturnLineItem struct {
	ID            Text   `json:"id"`
	FulfillmentID Text   `json:"fulfillment_id"`
	LineItemID    Text   `json:"line_item_id"`
	Quantity      Text   `json:"quantity"`
	ReturnReason  string `json:"return_reason"`
	// FulfillmentLineItem.LineItem is the order line (id, price, title).
	FulfillmentLineItem struct {
		LineItem LineItem `json:"line_item"`
	} `json:"fulfillment_line_item"`
}

// lineItemID is the order line this return line refers to.
func (l ReturnLineItem) lineItemID() string {
	return firstNonEmpty(l.LineItemID.String(), l.FulfillmentLineItem.LineItem.ID.String())
}

// ReturnFulfillment is a reverse fulfillment order (GET
// /return_fulfillment.json?return_id=): the goods on their way back.
type ReturnFulfillment struct {
	ID       Text   `json:"id"`
	ReturnID Text   `json:"return_id"`
	Status   string `json:"status"` // UNCONFIRMED: see PackageStatuses
}

// returnLine is a return line reduced to what acting on it needs.
type returnLine struct {
	lineItemID string
	quantity   int
}

// encodeLines and decodeLines carry the lines to refund in Case.Attrs, so
// that Act needs no extra read: "<line_item_id>:<quantity>,...".
func encodeLines(ls []returnLine) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.lineItemID + ":" + strconv.Itoa(l.quantity)
	}
	return strings.Join(parts, ",")
}

func decodeLines(s string) ([]returnLine, error) {
	var out []returnLine
	for part := range strings.SplitSeq(s, ",") {
		id, q, _ := strings.Cut(part, ":")
		n, err := strconv.Atoi(q)
		if !validID(id) || err != nil || n <= 0 {
			return nil, fmt.Errorf("bad refund line %q", part)
		}
		out = append(out, returnLine{id, n})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no line to refund")
	}
	return out, nil
}

// ParseReturn normalizes a return into a Case for shop, from the return,
// its reverse fulfillment orders (where the package is) and the refunds of
// its order (whether it was refunded already). currency is the shop's
// currency, used for a line price that comes without one.
//
// The case a merchant decides on is an OPEN return whose package arrived
// and that no refund covers yet: awaiting_seller_receipt, goods returned,
// where agree (or confirm_receipt) creates the refund. See PLATFORMS.md §4.2:
// no buyer request waits for the merchant's approval on SHOPLINE, so this
// is the only decision there is.
func ParseReturn(shop string, r Return, packages []ReturnFulfillment, refunds []Refund, currency string) (platforms.Case, error) {
	bad := func(field, v string) (platforms.Case, error) {
		return platforms.Case{}, slErr(platforms.ErrMalformed, "return",
			fmt.Sprintf("return %s: bad %s %q", r.ID, field, v))
	}
	if !validID(r.ID.String()) {
		return bad("id", r.ID.String())
	}
	if !validID(r.OrderID.String()) {
		return bad("order_id", r.OrderID.String())
	}
	if len(r.LineItems) == 0 {
		return bad("return_line_items", "[]")
	}

	c := platforms.Case{
		Platform:       platforms.Shopline,
		Shop:           shop,
		ID:             ReturnCaseID(r.ID.String()),
		OrderID:        r.OrderID.String(),
		Kind:           platforms.KindReturn,
		Role:           platforms.RoleSeller,
		PlatformStatus: r.Status,
		Reason:         r.ReturnReason,
		GoodsStatus:    platforms.GoodsReceived, // with the buyer or on its way back
		Modified:       latest(r.CreatedAt, r.UpdatedAt),
	}

	// Amount: what the returned lines sold for. It is what rules judge; the
	// refund itself is what SHOPLINE calculates, and Act never pays more
	// than this.
	returned := map[string]int{}
	var lines []returnLine
	for _, l := range r.LineItems {
		id := l.lineItemID()
		q, err := l.Quantity.Int()
		if !validID(id) || err != nil || q == 0 {
			return bad("return_line_items", id+" x "+l.Quantity.String())
		}
		price, cur := l.FulfillmentLineItem.LineItem.Price, currency
		if ps := l.FulfillmentLineItem.LineItem.PriceSet; ps != nil && ps.ShopMoney.Amount != "" {
			price, cur = ps.ShopMoney.Amount, ps.ShopMoney.CurrencyCode
		}
		if cur == "" || c.Currency != "" && cur != c.Currency {
			return bad("line item currency", cur)
		}
		c.Currency = cur
		unit, err := Minor(price, cur)
		if err != nil {
			return bad("line item price", price.String())
		}
		// An amount that wraps around int64 could look small to the rules.
		if unit > math.MaxInt64/int64(q) || c.Amount > math.MaxInt64-unit*int64(q) {
			return bad("return_line_items", price.String()+" x "+l.Quantity.String())
		}
		c.Amount += unit * int64(q)
		li := l.FulfillmentLineItem.LineItem
		c.Items = append(c.Items, platforms.Item{SKU: li.SKU, Title: firstNonEmpty(li.Title, li.Name), Quantity: q, Amount: unit * int64(q)})
		if c.Reason == "" {
			c.Reason = l.ReturnReason
		}
		if returned[id] == 0 {
			lines = append(lines, returnLine{lineItemID: id})
		}
		returned[id] += q
	}
	for i := range lines {
		lines[i].quantity = returned[lines[i].lineItemID]
	}

	pkg, pkgRaw := packageOf(packages)
	cover := coverOf(r, returned, refunds)
	c.Modified = maxTime(c.Modified, cover.modified)
	c.Status = returnStatus(r.Status, pkg, cover)
	if pkg == packageArrived {
		c.GoodsStatus = platforms.GoodsReturned
	}
	c.Version = hashOf(append([]string{r.Status, pkgRaw}, cover.version...)...)
	c.Attrs = map[string]string{
		"return_id":      r.ID.String(),
		"refund_lines":   encodeLines(lines),
		"package_status": pkgRaw,
	}
	if len(cover.ids) > 0 {
		c.Attrs["refund_ids"] = strings.Join(cover.ids, ",")
	}
	c.Allowed = AllowedActions(c)
	return c, nil
}

// packageOf sums up the reverse fulfillment orders of a return: arrived when
// every one that was not cancelled arrived; awaiting while any is on its
// way (or none exists yet); unknown if any status is undocumented.
func packageOf(ps []ReturnFulfillment) (packageState, string) {
	raws := make([]string, 0, len(ps))
	counts := map[packageState]int{}
	for _, p := range ps {
		raws = append(raws, p.Status)
		counts[normalizePackage(p.Status)]++
	}
	sort.Strings(raws)
	raw := strings.Join(raws, ",")
	switch {
	case counts[packageUnknown] > 0:
		return packageUnknown, raw
	case len(ps) == 0 || counts[packageAwaiting] > 0:
		return packageAwaiting, raw
	case counts[packageArrived] > 0:
		return packageArrived, raw
	}
	return packageCancelled, raw
}

// cover is what the order's refunds say about a return.
type cover struct {
	ids      []string // refunds that cover returned lines
	status   string   // their worst transaction status; "" if no refund covers the return
	full     bool     // every returned unit is refunded
	version  []string
	modified time.Time
}

// coverOf finds the refunds that cover the return: refunds of its order,
// created no earlier than the return, with at least one returned line.
// UNCONFIRMED: a refund does not name its return; a refund of the same line
// created before the return is taken to be about something else (e.g. an
// unshipped quantity). A refund whose time cannot be read counts as covering:
// taking a return for refunded when unsure sends it to a person instead of
// risking a second refund.
func coverOf(r Return, returned map[string]int, refunds []Refund) cover {
	var cv cover
	since, sinceOK := parseTime(r.CreatedAt)
	refunded := map[string]int{}
	var raws []string
	for _, f := range refunds {
		if t, ok := parseTime(f.CreatedAt); ok && sinceOK && t.Before(since) {
			continue
		}
		hit := false
		for _, li := range f.RefundLineItems {
			if id := li.LineItemID.String(); returned[id] > 0 {
				hit = true
				q, _ := li.Quantity.Int()
				refunded[id] += q
			}
		}
		if !hit {
			continue
		}
		cv.ids = append(cv.ids, f.ID.String())
		cv.modified = maxTime(cv.modified, latest(f.CreatedAt, f.ProcessedAt))
		ts := f.refundTransactions()
		if len(ts) == 0 {
			raws = append(raws, "") // undocumented: unknown
		}
		for _, t := range ts {
			raws = append(raws, t.Status)
			cv.version = append(cv.version, f.ID.String()+"/"+t.ID.String()+"="+t.Status)
			cv.modified = maxTime(cv.modified, latest(t.CreatedAt, t.ProcessedAt))
		}
	}
	if len(cv.ids) == 0 {
		return cv
	}
	cv.status = worstStatus(raws)
	if slices.Contains(raws, "") {
		cv.status = ""
	}
	cv.full = true
	for id, q := range returned {
		if refunded[id] < q {
			cv.full = false
		}
	}
	cv.version = append(cv.version, fmt.Sprintf("full=%t", cv.full))
	return cv
}

// returnStatus derives the normalized status of a return:
//
//	return status  refund covering it            package    status
//	CLOSED         any                            any        succeeded
//	cancelled      any                            any        closed
//	OPEN           success, every unit            any        succeeded
//	OPEN           success, some units only       any        awaiting_seller (a person refunds the rest)
//	OPEN           pending                        any        refunding
//	OPEN           failure or error               any        awaiting_seller (a person repairs it)
//	OPEN           none                           arrived    awaiting_seller_receipt: the refund decision
//	OPEN           none                           on its way awaiting_buyer_return
//	OPEN           none                           cancelled  unknown
//	anything else                                            unknown
func returnStatus(raw string, pkg packageState, cv cover) platforms.Status {
	base := NormalizeReturnStatus(raw)
	if base != platforms.StatusAwaitingBuyerReturn { // not OPEN
		return base
	}
	if len(cv.ids) > 0 {
		s := NormalizeTransactionStatus(cv.status)
		if s == platforms.StatusSucceeded && !cv.full {
			return platforms.StatusAwaitingSeller
		}
		return s
	}
	switch pkg {
	case packageArrived:
		return platforms.StatusAwaitingSellerReceipt
	case packageAwaiting:
		return platforms.StatusAwaitingBuyerReturn
	}
	return platforms.StatusUnknown
}
