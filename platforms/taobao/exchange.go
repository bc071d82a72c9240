package taobao

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale/platforms"
)

// ExchangeIDPrefix starts the Case.ID of a Tmall exchange. Refunds and
// exchanges share the taobao platform and the workflow ID space, and a
// dispute_id may equal some refund_id, so exchanges are "exchange-<dispute_id>"
// while refunds keep their bare refund_id.
const ExchangeIDPrefix = "exchange-"

// ExchangeCaseID returns the Case.ID of the exchange with disputeID.
func ExchangeCaseID(disputeID string) string { return ExchangeIDPrefix + disputeID }

// IsExchangeID reports whether a Case.ID names a Tmall exchange.
func IsExchangeID(id string) bool { return strings.HasPrefix(id, ExchangeIDPrefix) }

// FlagDeadlineUnparsed marks an exchange whose time_out could not be read;
// the rules' safety guard keeps such a case from acting automatically.
const FlagDeadlineUnparsed = platforms.FlagDeadlineUnparsed

// Exchange is TOP's Exchange object (tmall.exchange.receive.get,
// tmall.exchange.get) with the fields this client reads. It decodes from
// JSON and from TOP's XML alike. buyer_nick, buyer_name, buyer_phone,
// buyer_address, address, alipay_no, oaid, buyer_open_uid, the logistics
// numbers and the real_receiver_* fields are deliberately absent: personal
// data is never decoded, so it cannot leak into a Case or a log.
type Exchange struct {
	DisputeID          json.Number `json:"dispute_id,omitempty" xml:"dispute_id"`
	BizOrderID         json.Number `json:"biz_order_id,omitempty" xml:"biz_order_id"`
	Status             topText     `json:"status,omitempty" xml:"status"`
	GoodStatus         string      `json:"good_status,omitempty" xml:"good_status"`
	Payment            string      `json:"payment,omitempty" xml:"payment"` // yuan; receive.get only
	Price              string      `json:"price,omitempty" xml:"price"`     // yuan
	Num                json.Number `json:"num,omitempty" xml:"num"`
	Reason             string      `json:"reason,omitempty" xml:"reason"`
	Title              string      `json:"title,omitempty" xml:"title"`
	BoughtSku          string      `json:"bought_sku,omitempty" xml:"bought_sku"`
	ExchangeSku        string      `json:"exchange_sku,omitempty" xml:"exchange_sku"`
	Created            string      `json:"created,omitempty" xml:"created"`
	Modified           string      `json:"modified,omitempty" xml:"modified"`
	TimeOut            topText     `json:"time_out,omitempty" xml:"time_out"` // format undocumented: see ParseTimeOut
	RefundPhase        string      `json:"refund_phase,omitempty" xml:"refund_phase"`
	RefundVersion      json.Number `json:"refund_version,omitempty" xml:"refund_version"`
	CSStatus           json.Number `json:"cs_status,omitempty" xml:"cs_status"`
	OperationContraint string      `json:"operation_contraint,omitempty" xml:"operation_contraint"` // sic
}

// topText is a TOP "String" field that some answers send as a JSON number
// (status "1" or 1, time_out as epoch ms). Numbers keep their digits.
type topText string

func (t *topText) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*t = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		*t = topText(s)
		return err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	*t = topText(n)
	return nil
}

// ParseExchange normalizes a Tmall exchange into a Case for shop. Values the
// workflow relies on (id, timestamps, cs_status, price) must be well-formed,
// or the result is ErrMalformed. An unreadable time_out is not an error: the
// case comes without a deadline and with FlagDeadlineUnparsed.
func ParseExchange(shop string, x Exchange) (platforms.Case, error) {
	bad := func(field, v string) (platforms.Case, error) {
		return platforms.Case{}, topErr(platforms.ErrMalformed, "exchange", fmt.Sprintf("exchange %s: bad %s %q", x.DisputeID, field, v))
	}
	id := x.DisputeID.String()
	if !isDigits(id) {
		return bad("dispute_id", id)
	}
	if o := x.BizOrderID.String(); o != "" && !isDigits(o) {
		return bad("biz_order_id", o)
	}
	modified, err := parseTime(x.Modified)
	if err != nil {
		return bad("modified", x.Modified)
	}
	// num is informational; a missing or odd value counts as one piece.
	qty, err := strconv.Atoi(x.Num.String())
	if err != nil || qty < 1 {
		qty = 1
	}
	// tmall.exchange.get has no payment, so the amount is price × num on
	// both the list and the detail: the same case must not change amount
	// between the two reads.
	var amount int64
	if x.Price != "" {
		fen, err := ParseYuan(x.Price)
		if err != nil {
			return bad("price", x.Price)
		}
		if fen > math.MaxInt64/int64(qty) { // would wrap around, maybe to a small amount
			return bad("price × num", x.Price+" × "+x.Num.String())
		}
		amount = fen * int64(qty)
	}

	raw := strings.TrimSpace(string(x.Status))
	c := platforms.Case{
		Platform:       platforms.Taobao,
		Shop:           shop,
		ID:             ExchangeCaseID(id),
		OrderID:        x.BizOrderID.String(),
		Kind:           platforms.KindExchange,
		Role:           platforms.RoleSeller,
		Status:         NormalizeExchangeStatus(raw),
		PlatformStatus: raw,
		Amount:         amount,
		Currency:       "CNY",
		Reason:         x.Reason,
		Modified:       modified,
		Version:        exchangeVersion(x),
	}
	c.GoodsStatus = exchangeGoodsStatus(c.Status, x.GoodStatus)

	if !c.Terminal() {
		deadline, ok := ParseTimeOut(string(x.TimeOut))
		if ok {
			c.Deadline = deadline
			if !deadline.IsZero() {
				c.DeadlineOwner = exchangeDeadlineOwner(raw)
			}
		} else {
			c.Flags = append(c.Flags, FlagDeadlineUnparsed)
		}
	}

	if cs := x.CSStatus.String(); cs != "" {
		n, err := strconv.Atoi(cs)
		if err != nil {
			return bad("cs_status", cs)
		}
		if n >= 2 {
			c.Flags = append(c.Flags, platforms.FlagCSInvolved)
		}
	}
	if strings.Contains(x.OperationContraint, "refund_onweb") {
		c.Flags = append(c.Flags, platforms.FlagMustHandleOnWeb)
	}
	if strings.Contains(x.OperationContraint, "cannot_refuse") {
		c.Flags = append(c.Flags, platforms.FlagCannotRefuse)
	}
	if x.Title != "" || x.BoughtSku != "" {
		c.Items = []platforms.Item{{SKU: x.BoughtSku, Title: x.Title, Quantity: qty}}
	}
	if x.ExchangeSku != "" {
		c.Attrs = map[string]string{"exchange_sku": x.ExchangeSku}
	}
	c.Allowed = ExchangeAllowedActions(c)
	return c, nil
}

// exchangeVersion stands in for a version: tmall.exchange.get has
// refund_version but the list does not, and a case must carry the same
// Version from both reads. It is a hash of what both return and what
// changes on every move: status, modified and time_out.
func exchangeVersion(x Exchange) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s|%s", strings.TrimSpace(string(x.Status)), x.Modified, x.TimeOut)
	return fmt.Sprintf("x%016x", h.Sum64())
}

// exchangeGoods maps the good_status texts seen on exchanges (the seed
// shows "已发货") and the refund API's enum, which some answers reuse.
var exchangeGoods = map[string]platforms.GoodsStatus{
	"未发货":                  platforms.GoodsNotShipped,
	"已发货":                  platforms.GoodsShipped,
	"已收货":                  platforms.GoodsReceived,
	"买家已收货":                platforms.GoodsReceived,
	"买家已退货":                platforms.GoodsReturned,
	"BUYER_NOT_RECEIVED":   platforms.GoodsShipped,
	"BUYER_RECEIVED":       platforms.GoodsReceived,
	"BUYER_RETURNED_GOODS": platforms.GoodsReturned,
}

// exchangeGoodsStatus trusts the exchange status first: from "buyer
// returned" on, the original goods are on their way back or back.
func exchangeGoodsStatus(s platforms.Status, goodStatus string) platforms.GoodsStatus {
	switch s {
	case platforms.StatusAwaitingSellerReceipt, platforms.StatusAwaitingSellerResend,
		platforms.StatusAwaitingBuyerReceipt, platforms.StatusSucceeded:
		return platforms.GoodsReturned
	}
	if g, ok := exchangeGoods[strings.TrimSpace(goodStatus)]; ok {
		return g
	}
	return platforms.GoodsUnknown
}
