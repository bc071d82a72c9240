package taobao

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Refund is TOP's REFUND object with the fields this client asks for.
// Numbers stay json.Number because ids exceed 2^53. buyer_nick, address and
// the buyer's free-text desc are deliberately absent: personal data is never
// decoded, so it cannot leak into a Case or a log.
type Refund struct {
	RefundID           json.Number    `json:"refund_id,omitempty"`
	Tid                json.Number    `json:"tid,omitempty"`
	Oid                json.Number    `json:"oid,omitempty"`
	Status             string         `json:"status,omitempty"`
	GoodStatus         string         `json:"good_status,omitempty"`
	HasGoodReturn      bool           `json:"has_good_return,omitempty"`
	OrderStatus        string         `json:"order_status,omitempty"`
	RefundFee          string         `json:"refund_fee,omitempty"` // yuan, "200.07"
	Reason             string         `json:"reason,omitempty"`
	Title              string         `json:"title,omitempty"`
	Num                json.Number    `json:"num,omitempty"`
	Sku                string         `json:"sku,omitempty"`
	Created            string         `json:"created,omitempty"`
	Modified           string         `json:"modified,omitempty"`
	RefundPhase        string         `json:"refund_phase,omitempty"`
	RefundVersion      json.Number    `json:"refund_version,omitempty"`
	CSStatus           json.Number    `json:"cs_status,omitempty"`
	OperationContraint string         `json:"operation_contraint,omitempty"` // sic: TOP's spelling
	DisputeType        string         `json:"dispute_type,omitempty"`
	RemindTimeout      *RemindTimeout `json:"refund_remind_timeout,omitempty"` // refund.get only
}

// RemindTimeout is the deadline TOP sets for the party that must act next.
type RemindTimeout struct {
	ExistTimeout bool        `json:"exist_timeout"`
	RemindType   json.Number `json:"remind_type,omitempty"`
	Timeout      string      `json:"timeout,omitempty"` // GMT+8
}

// goodsStatuses maps TOP good_status values.
var goodsStatuses = map[string]platforms.GoodsStatus{
	"BUYER_NOT_RECEIVED":   platforms.GoodsShipped,
	"BUYER_RECEIVED":       platforms.GoodsReceived,
	"BUYER_RETURNED_GOODS": platforms.GoodsReturned,
}

// ParseRefund normalizes a TOP refund into a Case for shop. Values the
// workflow relies on to act or to meet a deadline (id, amount, version,
// timestamps, cs_status) must be well-formed, or the result is ErrMalformed.
func ParseRefund(shop string, r Refund) (platforms.Case, error) {
	bad := func(field, v string) (platforms.Case, error) {
		return platforms.Case{}, topErr(platforms.ErrMalformed, "refund", fmt.Sprintf("refund %s: bad %s %q", r.RefundID, field, v))
	}
	id := r.RefundID.String()
	if !isDigits(id) {
		return bad("refund_id", id)
	}
	if tid := r.Tid.String(); tid != "" && !isDigits(tid) {
		return bad("tid", tid)
	}
	amount, err := ParseYuan(r.RefundFee)
	if err != nil {
		return bad("refund_fee", r.RefundFee)
	}
	if v := r.RefundVersion.String(); v != "" && !isDigits(v) {
		return bad("refund_version", v)
	}
	modified, err := parseTime(r.Modified)
	if err != nil {
		return bad("modified", r.Modified)
	}

	c := platforms.Case{
		Platform:       platforms.Taobao,
		Shop:           shop,
		ID:             id,
		OrderID:        r.Tid.String(),
		Kind:           kindOf(r),
		Role:           platforms.RoleSeller,
		Status:         NormalizeStatus(r.Status),
		PlatformStatus: r.Status,
		Amount:         amount,
		Currency:       "CNY",
		Reason:         r.Reason,
		GoodsStatus:    goodsStatusOf(r),
		Version:        r.RefundVersion.String(),
		Modified:       modified,
	}

	if t := r.RemindTimeout; t != nil && t.ExistTimeout {
		deadline, err := parseTime(t.Timeout)
		if err != nil {
			return bad("refund_remind_timeout.timeout", t.Timeout)
		}
		c.Deadline = deadline
		switch {
		case deadline.IsZero():
			// TOP says a deadline runs but not when: we cannot know we act
			// in time, so nothing acts on it automatically (as for exchanges).
			c.Flags = append(c.Flags, platforms.FlagDeadlineUnparsed)
		case strings.HasPrefix(string(c.Status), "awaiting_seller"):
			c.DeadlineOwner = platforms.RoleSeller
		case strings.HasPrefix(string(c.Status), "awaiting_buyer"):
			c.DeadlineOwner = platforms.RoleBuyer
		}
	}

	if cs := r.CSStatus.String(); cs != "" {
		n, err := strconv.Atoi(cs)
		if err != nil {
			return bad("cs_status", cs)
		}
		if n >= 2 {
			c.Flags = append(c.Flags, platforms.FlagCSInvolved)
		}
	}
	if strings.Contains(r.OperationContraint, "refund_onweb") {
		c.Flags = append(c.Flags, platforms.FlagMustHandleOnWeb)
	}
	if strings.Contains(r.OperationContraint, "cannot_refuse") {
		c.Flags = append(c.Flags, platforms.FlagCannotRefuse)
	}

	if r.RefundPhase != "" {
		c.Attrs = map[string]string{"refund_phase": r.RefundPhase}
	}
	// num is informational: a bad value should not hide the case.
	qty, _ := strconv.Atoi(r.Num.String())
	if r.Title != "" || r.Sku != "" || qty > 0 {
		c.Items = []platforms.Item{{SKU: r.Sku, Title: r.Title, Quantity: qty}}
	}
	c.Allowed = AllowedActions(c)
	return c, nil
}

// kindOf checks exchanges first: an exchange also returns goods, but must
// not be mistaken for a return, which the refund APIs would act on.
func kindOf(r Refund) platforms.Kind {
	switch {
	case r.DisputeType == "TMALL_EXCHANGE" || r.DisputeType == "TAOBAO_EXCHANGE":
		return platforms.KindExchange
	case r.HasGoodReturn:
		return platforms.KindReturn
	}
	return platforms.KindRefund
}

// goodsStatusOf trusts the trade status first: before the seller ships,
// good_status is meaningless.
func goodsStatusOf(r Refund) platforms.GoodsStatus {
	if r.OrderStatus == "WAIT_SELLER_SEND_GOODS" {
		return platforms.GoodsNotShipped
	}
	if g, ok := goodsStatuses[r.GoodStatus]; ok {
		return g
	}
	return platforms.GoodsUnknown
}

// ParseYuan converts a TOP yuan amount ("200.07", "6000", "1.5") to fen
// exactly, without floating point. Signs, exponents and sub-fen precision
// are rejected.
func ParseYuan(s string) (int64, error) {
	whole, frac, dot := strings.Cut(s, ".")
	// 15 digits of yuan keep fen inside int64.
	if !isDigits(whole) || len(whole) > 15 || dot && !isDigits(frac) {
		return 0, fmt.Errorf("taobao: bad yuan amount %q", s)
	}
	// Trailing zeros beyond fen are harmless ("1.500"); anything else is not.
	for len(frac) > 2 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("taobao: yuan amount %q has sub-fen precision", s)
	}
	frac = (frac + "00")[:2]
	y, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return y*100 + f, nil
}

// parseTime reads a TOP GMT+8 timestamp into UTC, so that cases compare and
// serialize the same on every worker; empty means unset.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(TimestampLayout, s, cst)
	if err == nil && !encodable(t) {
		err = fmt.Errorf("taobao: time %q out of range", s)
	}
	return t.UTC(), err
}

// encodable reports whether t, in UTC, is a time a Case can carry: cases
// travel as JSON, which has no years before 0 or after 9999 ("0000-01-01
// 00:00:00" in GMT+8 is in year -1 in UTC).
func encodable(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
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
