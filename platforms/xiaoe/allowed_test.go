package xiaoe

import (
	"slices"
	"strconv"
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestAllowedActions(t *testing.T) {
	const (
		agree   = platforms.ActionAgree
		refuse  = platforms.ActionRefuse
		ret     = platforms.ActionAgreeReturn
		confirm = platforms.ActionConfirmReceipt
		resend  = platforms.ActionResend
	)
	refundable := map[string]string{AttrSkuID: "SKU_1"}
	tests := []struct {
		name  string
		state int
		kind  platforms.Kind
		attrs map[string]string
		want  []platforms.Action
	}{
		{"refund 未受理", 0, platforms.KindRefund, refundable, []platforms.Action{agree, refuse}},
		{"refund 商家受理中", 2, platforms.KindRefund, refundable, []platforms.Action{agree, refuse}},
		{"refund without sku", 0, platforms.KindRefund, nil, []platforms.Action{refuse}},
		{"refund already refunded", 0, platforms.KindRefund, map[string]string{AttrSkuID: "SKU_1", AttrRefundMoney: "990"}, []platforms.Action{refuse}},
		{"return", 0, platforms.KindReturn, refundable, []platforms.Action{ret, refuse}},
		{"exchange", 2, platforms.KindExchange, refundable, []platforms.Action{ret, refuse}},
		{"merchant overdue", 3, platforms.KindRefund, refundable, nil},
		{"refused", 4, platforms.KindRefund, refundable, nil},
		{"buyer returning", 6, platforms.KindReturn, refundable, nil},
		{"goods on the way back", 8, platforms.KindReturn, refundable, []platforms.Action{confirm, refuse}},
		{"refunding", 11, platforms.KindRefund, refundable, nil},
		{"refund overdue", 12, platforms.KindRefund, refundable, nil},
		{"refunded", 13, platforms.KindRefund, refundable, nil},
		{"replacement to ship", 16, platforms.KindExchange, refundable, []platforms.Action{resend}},
		{"exchange goods received", 19, platforms.KindExchange, refundable, []platforms.Action{resend}},
		{"return goods received", 19, platforms.KindReturn, refundable, nil},
		{"unknown state", 10, platforms.KindRefund, refundable, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := platforms.Case{
				Kind: tt.kind, Status: NormalizeState(tt.state), PlatformStatus: strconv.Itoa(tt.state),
				OrderID: "o_1", Amount: 990, Attrs: tt.attrs,
			}
			if merchantTimedOut(tt.state) {
				c.Flags = []string{platforms.FlagMustHandleOnWeb}
			}
			if got := AllowedActions(c); !slices.Equal(got, tt.want) {
				t.Errorf("AllowedActions = %v, want %v", got, tt.want)
			}
		})
	}
}
