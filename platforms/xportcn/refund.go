package xportcn

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// QueryListRequest is the body of POST /open/order/refund/queryList, as the
// seed's sample shows it. Times are epoch milliseconds (UNCONFIRMED: the
// sample's values are placeholders); which time they filter on is not
// documented either: we assume the refund's application time.
type QueryListRequest struct {
	RefundID        string `json:"refundId,omitempty"`
	PurchaseOrderID string `json:"purchaseOrderId,omitempty"`
	SalesOrderID    string `json:"salesOrderId,omitempty"`
	RefundStatus    *int   `json:"refundStatus,omitempty"`
	RefundStartTime int64  `json:"refundStartTime,omitempty"`
	RefundEndTime   int64  `json:"refundEndTime,omitempty"`
	PageNo          int    `json:"pageNo"`
	PageSize        int    `json:"pageSize"`
}

// QueryListData is the envelope's data of queryList.
type QueryListData struct {
	Total      text              `json:"total"`
	PageNo     text              `json:"pageNo"`
	PageSize   text              `json:"pageSize"`
	Currency   string            `json:"currency"`
	Aggregates []RefundAggregate `json:"refundOrderAggregates"`
}

// RefundAggregate is one after-sale case of the list: the refund and the
// purchase order line it is about.
type RefundAggregate struct {
	// Logistics is our return waybill once submitted (null before). Its
	// shape is not documented: it is only kept raw for the version.
	Logistics         json.RawMessage    `json:"logistics"`
	RefundOrder       *RefundOrder       `json:"refundOrder"`
	PurchaseOrderLine *PurchaseOrderLine `json:"purchaseOrderLine"`
}

// RefundOrder is the after-sale request. Money is in fen: the sample's 392
// for a trial pack of snacks is ¥3.92 (inferred; the unit is not
// documented). refundDesc (our own free text) and the seller's free-text
// refusal description are deliberately not decoded.
type RefundOrder struct {
	RefundID           text   `json:"refundId"`
	RefundFee          text   `json:"refundFee"`
	PayOrderID         text   `json:"payOrderId"`
	TimeoutType        string `json:"timeoutType"`
	TimeoutDate        text   `json:"timeoutDate"` // epoch ms
	SellerRefuseReason string `json:"sellerRefuseReason"`
	RefundStatus       text   `json:"refundStatus"`
	RefundType         text   `json:"refundType"`  // 1 refund only, 2 return and refund (Taobao's convention; UNCONFIRMED)
	GoodsStatus        text   `json:"goodsStatus"` // undocumented enum: kept raw in Attrs
	ReasonDesc         string `json:"reasonDesc"`
	ReasonID           text   `json:"reasonId"`
}

// PurchaseOrderLine is the order line of the case. supplierNick (the
// seller's shop) is not needed and not decoded.
type PurchaseOrderLine struct {
	SalesOrderID        text           `json:"salesOrderId"`
	Quantity            text           `json:"quantity"`
	TotalPrice          text           `json:"totalPrice"`
	ItemTitle           string         `json:"itemTitle"`
	SalesMarket         string         `json:"salesMarket"`
	PurchaseOrderLineID text           `json:"purchaseOrderLineId"`
	CreateTime          text           `json:"createTime"` // epoch ms
	PurchaseOrderID     text           `json:"purchaseOrderId"`
	Currency            string         `json:"currency"`
	Properties          map[string]any `json:"properties"`
}

// maxMillis is the last epoch millisecond of year 9999: a later deadline
// could not travel in a Case, which is JSON.
var maxMillis = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()

// FlagDeadlineOwnerUnknown marks a case whose deadline has a timeoutType
// we cannot read: nobody knows whose it is, so it may be ours.
const FlagDeadlineOwnerUnknown = "deadline_owner_unknown"

// ParseRefund normalizes one aggregate with the documented tables only.
// currency is the page's currency, used when the order line has none.
func ParseRefund(shop, currency string, a RefundAggregate) (platforms.Case, error) {
	return parseRefund(newTables(nil, nil), shop, currency, a)
}

func parseRefund(t tables, shop, currency string, a RefundAggregate) (platforms.Case, error) {
	r := a.RefundOrder
	if r == nil {
		return platforms.Case{}, xpErr(platforms.ErrMalformed, "refund", "aggregate without refundOrder")
	}
	bad := func(field string, v text) (platforms.Case, error) {
		return platforms.Case{}, xpErr(platforms.ErrMalformed, "refund", fmt.Sprintf("refund %s: bad %s %q", r.RefundID, field, v))
	}
	id := string(r.RefundID)
	if !isDigits(id) {
		return bad("refundId", r.RefundID)
	}
	amount, err := strconv.ParseInt(string(r.RefundFee), 10, 64)
	if err != nil || amount < 0 {
		return bad("refundFee", r.RefundFee)
	}
	raw := string(r.RefundStatus)
	c := platforms.Case{
		Platform:       platforms.Xportcn,
		Shop:           shop,
		ID:             id,
		Role:           platforms.RoleBuyer,
		Status:         t.status(raw),
		PlatformStatus: raw,
		Amount:         amount,
		Currency:       currency,
		Reason:         r.ReasonDesc,
		GoodsStatus:    platforms.GoodsUnknown,
		Version:        version(a),
		Attrs:          map[string]string{},
	}
	if id := string(r.ReasonID); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return bad("reasonId", r.ReasonID)
		}
		c.ReasonID = n
	}
	if d := string(r.TimeoutDate); d != "" {
		ms, err := strconv.ParseInt(d, 10, 64)
		if err != nil || ms <= 0 || ms > maxMillis {
			return bad("timeoutDate", r.TimeoutDate)
		}
		c.Deadline = time.UnixMilli(ms).UTC()
		c.DeadlineOwner = t.owner(r.TimeoutType)
		if c.DeadlineOwner == "" {
			// Maybe ours: the rules escalate before it rather than wait.
			c.Flags = append(c.Flags, FlagDeadlineOwnerUnknown)
		}
	}

	if l := a.PurchaseOrderLine; l != nil {
		c.OrderID = string(l.PurchaseOrderID)
		if l.Currency != "" {
			c.Currency = l.Currency
		}
		item := platforms.Item{Title: l.ItemTitle, SKU: skuOf(l.Properties)}
		// Quantity and price are informational: a bad value must not hide the case.
		item.Quantity, _ = strconv.Atoi(string(l.Quantity))
		item.Amount, _ = strconv.ParseInt(string(l.TotalPrice), 10, 64)
		c.Items = []platforms.Item{item}
		setAttr(c.Attrs, "sales_order_id", string(l.SalesOrderID))
		setAttr(c.Attrs, "purchase_order_line_id", string(l.PurchaseOrderLineID))
	}
	if c.Currency == "" {
		c.Currency = "CNY" // Taobao and 1688 sell in yuan
	}

	c.Kind = platforms.KindRefund
	if r.RefundType == "2" || c.Status == platforms.StatusAwaitingBuyerReturn || c.Status == platforms.StatusAwaitingSellerReceipt {
		c.Kind = platforms.KindReturn
	}
	if c.Status == platforms.StatusAwaitingSellerReceipt {
		c.GoodsStatus = platforms.GoodsReturned // our return is on its way to the seller
	}
	setAttr(c.Attrs, "timeout_type", r.TimeoutType)
	setAttr(c.Attrs, "refund_type", string(r.RefundType))
	setAttr(c.Attrs, "goods_status", string(r.GoodsStatus))
	setAttr(c.Attrs, "pay_order_id", string(r.PayOrderID))
	setAttr(c.Attrs, "seller_refuse_reason", r.SellerRefuseReason)
	if hasValue(a.Logistics) {
		c.Attrs["return_logistics"] = "submitted"
	}
	c.Allowed = AllowedActions(c)
	return c, nil
}

// version stands in for the optimistic-lock value Xportcn does not send:
// a hash of every field whose change means the case moved (status,
// deadline, amount, refusal, our return waybill).
func version(a RefundAggregate) string {
	r := a.RefundOrder
	var logistics bytes.Buffer
	if hasValue(a.Logistics) {
		json.Compact(&logistics, a.Logistics)
	}
	h := sha256.New()
	for _, s := range []string{
		string(r.RefundStatus), r.TimeoutType, string(r.TimeoutDate), string(r.RefundFee),
		string(r.RefundType), string(r.GoodsStatus), r.SellerRefuseReason, logistics.String(),
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// skuOf renders the line's properties as "name:value;name:value", sorted.
func skuOf(props map[string]any) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%v", k, props[k]))
	}
	return strings.Join(parts, ";")
}

func setAttr(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func hasValue(raw json.RawMessage) bool {
	s := string(bytes.TrimSpace(raw))
	return s != "" && s != "null"
}

// text is a scalar JSON value read as its text: a string as is, a number as
// written (ids beyond 2^53 stay exact), null as "". Xportcn mixes strings
// and numbers for the same kind of field ("refundStatus":"100",
// "refundType":1).
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*t = text(b)
	default:
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	return nil
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
