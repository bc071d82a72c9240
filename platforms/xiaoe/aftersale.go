package xiaoe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// AfterSale is one after-sale application (售后单) as after_sale.list and
// after_sale.detail return it, with the fields this client uses. nick_name,
// wx_avatar, phone, remark and the ship_* fields are deliberately absent:
// personal data is never decoded, so it cannot leak into a Case or a log.
//
// The detail answer's shape is not in the seed; it is read as the list item
// plus sale_type/sku_id (PLATFORMS.md §3.2) [UNCONFIRMED].
type AfterSale struct {
	AftersaleID      flexString  `json:"aftersale_id"`
	OrderID          flexString  `json:"order_id"`
	SkuID            flexString  `json:"sku_id"`
	State            json.Number `json:"state"`
	SaleType         json.Number `json:"sale_type"`          // 1 仅退款, 2 退款退货, 3 换货
	SaleTypeName     string      `json:"sale_type_name"`     // the list sample carries only this
	ApplyRefundMoney json.Number `json:"apply_refund_money"` // fen
	RefundMoney      json.Number `json:"refund_money"`       // fen, what the merchant refunded
	Reason           string      `json:"reason"`
	ShipStateStr     string      `json:"ship_state_str"`
	CreatedAt        string      `json:"created_at"`
	UpdatedAt        string      `json:"updated_at"`
	InvalidTime      string      `json:"invalid_time"`       // 申请单失效时间: the application expires
	StateInvalidTime string      `json:"state_invalid_time"` // 当前状态逾期时间: the current state's deadline
	GoodsName        string      `json:"goods_name"`
	GoodsList        []Goods     `json:"goods_list"`
}

// Goods is one line of goods_list.
type Goods struct {
	GoodsName  string      `json:"goods_name"`
	BuyNum     json.Number `json:"buy_num"`
	GoodsPrice json.Number `json:"goods_price"` // fen
}

// TimeLayout is Xiaoe's date format, read in Beijing time (GMT+8).
const TimeLayout = "2006-01-02 15:04:05"

// cst is GMT+8 without tzdata on the worker host.
var cst = time.FixedZone("CST", 8*3600)

// saleKinds maps sale_type; saleTypeNames maps sale_type_name for answers
// that lack sale_type (the seed's list sample).
var (
	saleKinds = map[string]platforms.Kind{
		"1": platforms.KindRefund, "2": platforms.KindReturn, "3": platforms.KindExchange,
	}
	saleTypeNames = map[string]platforms.Kind{
		"退款": platforms.KindRefund, "仅退款": platforms.KindRefund,
		"退货退款": platforms.KindReturn, "退款退货": platforms.KindReturn,
		"换货": platforms.KindExchange,
	}
)

// shipStates maps ship_state_str (物流状态). Only 无需发货 is seen in the
// seed; the others are the obvious wordings [UNCONFIRMED].
var shipStates = map[string]platforms.GoodsStatus{
	"无需发货": platforms.GoodsNotShipped, // virtual goods: nothing to ship
	"待发货":  platforms.GoodsNotShipped,
	"未发货":  platforms.GoodsNotShipped,
	"已发货":  platforms.GoodsShipped,
	"已收货":  platforms.GoodsReceived,
	"已签收":  platforms.GoodsReceived,
}

// ParseAfterSale normalizes an application into a Case for shop. Values the
// workflow relies on to act or to meet a deadline (id, state, money, times)
// must be well-formed, or the result is ErrMalformed.
func ParseAfterSale(shop string, a AfterSale) (platforms.Case, error) {
	id := string(a.AftersaleID)
	bad := func(field, v string) (platforms.Case, error) {
		return platforms.Case{}, xeErr(platforms.ErrMalformed, "aftersale", fmt.Sprintf("after-sale %q: bad %s %q", id, field, v))
	}
	if id == "" {
		return bad("aftersale_id", id)
	}
	state, err := strconv.Atoi(a.State.String())
	if err != nil {
		return bad("state", a.State.String())
	}
	apply, err := fen(a.ApplyRefundMoney)
	if err != nil {
		return bad("apply_refund_money", a.ApplyRefundMoney.String())
	}
	refunded, err := fen(a.RefundMoney)
	if err != nil {
		return bad("refund_money", a.RefundMoney.String())
	}
	modified, err := ParseTime(a.UpdatedAt)
	if err != nil {
		return bad("updated_at", a.UpdatedAt)
	}
	stateDeadline, err := ParseTime(a.StateInvalidTime)
	if err != nil {
		return bad("state_invalid_time", a.StateInvalidTime)
	}
	expiry, err := ParseTime(a.InvalidTime)
	if err != nil {
		return bad("invalid_time", a.InvalidTime)
	}

	c := platforms.Case{
		Platform:       platforms.Xiaoe,
		Shop:           shop,
		ID:             id,
		OrderID:        string(a.OrderID),
		Role:           platforms.RoleSeller,
		Status:         NormalizeState(state),
		PlatformStatus: strconv.Itoa(state),
		Amount:         apply,
		Currency:       "CNY",
		Reason:         a.Reason,
		GoodsStatus:    goodsStatusOf(state, a.ShipStateStr),
		// Xiaoe has no version field: updated_at and state change with every
		// move; refund_money catches a refund recorded without a move.
		Version:  fmt.Sprintf("%s|%d|%d", a.UpdatedAt, state, refunded),
		Modified: modified,
		Attrs:    map[string]string{},
	}
	// A merchant-initiated after-sale has no requested amount (the seed).
	if c.Amount == 0 {
		c.Amount = refunded
	}
	kind, ok := kindOf(a)
	c.Kind = kind
	if !ok {
		// An undocumented after-sale type: never let a rule act on it.
		c.Status = platforms.StatusUnknown
	}
	if merchantTimedOut(state) {
		c.Flags = append(c.Flags, platforms.FlagMustHandleOnWeb)
	}
	c.Deadline, c.DeadlineOwner = deadlineOf(c.Status, stateDeadline, expiry)

	if sku := string(a.SkuID); sku != "" {
		c.Attrs[AttrSkuID] = sku
	}
	if t := a.SaleType.String(); t != "" {
		c.Attrs[AttrSaleType] = t
	}
	if refunded > 0 {
		c.Attrs[AttrRefundMoney] = strconv.FormatInt(refunded, 10)
	}
	c.Items = itemsOf(a)
	c.Allowed = AllowedActions(c)
	return c, nil
}

// Case.Attrs keys this package fills.
const (
	AttrSkuID       = "sku_id"       // needed by xe.order.refund
	AttrSaleType    = "sale_type"    // raw sale_type
	AttrRefundMoney = "refund_money" // fen already refunded by the merchant
)

// kindOf reads sale_type, or sale_type_name when the answer lacks it. An
// unknown value reads as a return (never refunded by agree) and reports false.
func kindOf(a AfterSale) (platforms.Kind, bool) {
	if t := a.SaleType.String(); t != "" {
		k, ok := saleKinds[t]
		if !ok {
			return platforms.KindReturn, false
		}
		return k, true
	}
	if k, ok := saleTypeNames[strings.TrimSpace(a.SaleTypeName)]; ok {
		return k, true
	}
	return platforms.KindReturn, false
}

// goodsStatusOf trusts the after-sale state first: once a return is on its
// way back, the order's shipping state no longer says where the goods are.
func goodsStatusOf(state int, shipState string) platforms.GoodsStatus {
	switch state {
	case StateAwaitReceipt, StateGoodsReceived:
		return platforms.GoodsReturned
	case StateAwaitBuyerReturn:
		return platforms.GoodsReceived
	}
	if g, ok := shipStates[strings.TrimSpace(shipState)]; ok {
		return g
	}
	return platforms.GoodsUnknown
}

// deadlineOf picks the earliest of the current state's deadline and the
// application's expiry, for cases still open. Who must act by then follows
// from the status; Xiaoe does not say what happens at the deadline
// [UNCONFIRMED], only that 3 and 12 are the merchant-timeout states.
func deadlineOf(s platforms.Status, stateDeadline, expiry time.Time) (time.Time, platforms.Role) {
	if s.Terminal() {
		return time.Time{}, ""
	}
	d := stateDeadline
	if d.IsZero() || (!expiry.IsZero() && expiry.Before(d)) {
		d = expiry
	}
	if d.IsZero() {
		return d, ""
	}
	switch {
	case strings.HasPrefix(string(s), "awaiting_seller"), s == platforms.StatusRefunding:
		return d, platforms.RoleSeller
	case strings.HasPrefix(string(s), "awaiting_buyer"):
		return d, platforms.RoleBuyer
	}
	return d, ""
}

// itemsOf lists goods_list, or the single goods_name when there is none.
// Quantities and prices are informational: bad values do not hide the case.
func itemsOf(a AfterSale) []platforms.Item {
	var out []platforms.Item
	for _, g := range a.GoodsList {
		qty, _ := strconv.Atoi(g.BuyNum.String())
		price, _ := fen(g.GoodsPrice)
		out = append(out, platforms.Item{Title: g.GoodsName, Quantity: qty, Amount: price})
	}
	if len(out) == 0 && a.GoodsName != "" {
		out = append(out, platforms.Item{Title: a.GoodsName})
	}
	if len(out) == 1 {
		out[0].SKU = string(a.SkuID)
	}
	return out
}

// fen reads a money field: an integer number of fen, never negative. Empty
// means 0. No floating point: "12.5" is rejected, not rounded.
func fen(n json.Number) (int64, error) {
	s := n.String()
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("xiaoe: bad fen amount %q", s)
	}
	return v, nil
}

// ParseTime reads a Xiaoe "2006-01-02 15:04:05" Beijing time into UTC.
// Empty and PHP's zero dates ("-0001-11-30 00:00:00" as in the seed,
// "0000-00-00 00:00:00") mean unset.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "0000-") {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(TimeLayout, s, cst)
	return t.UTC(), err
}

// FormatTime writes t as Xiaoe does.
func FormatTime(t time.Time) string { return t.In(cst).Format(TimeLayout) }

// flexString accepts a JSON string or number (ids documented as strings
// sometimes arrive as numbers) and keeps its exact text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("xiaoe: want a string or number, got %s", b)
	}
	*f = flexString(n.String())
	return nil
}
