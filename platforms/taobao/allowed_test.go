package taobao

import (
	"slices"
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestAllowedActions(t *testing.T) {
	const (
		agree   = platforms.ActionAgree
		refuse  = platforms.ActionRefuse
		ret     = platforms.ActionAgreeReturn
		confirm = platforms.ActionConfirmReceipt
	)
	tests := []struct {
		name   string
		status platforms.Status
		kind   platforms.Kind
		goods  platforms.GoodsStatus
		flags  []string
		want   []platforms.Action
	}{
		{"refund shipped", platforms.StatusAwaitingSeller, platforms.KindRefund, platforms.GoodsShipped, nil, []platforms.Action{agree, refuse}},
		{"refund unshipped cannot be refused", platforms.StatusAwaitingSeller, platforms.KindRefund, platforms.GoodsNotShipped, nil, []platforms.Action{agree}},
		{"refund cannot_refuse", platforms.StatusAwaitingSeller, platforms.KindRefund, platforms.GoodsReceived, []string{platforms.FlagCannotRefuse}, []platforms.Action{agree}},
		{"refund goods unknown", platforms.StatusAwaitingSeller, platforms.KindRefund, platforms.GoodsUnknown, nil, []platforms.Action{agree, refuse}},
		{"return", platforms.StatusAwaitingSeller, platforms.KindReturn, platforms.GoodsReceived, nil, []platforms.Action{ret, refuse}},
		{"return cannot_refuse", platforms.StatusAwaitingSeller, platforms.KindReturn, platforms.GoodsReceived, []string{platforms.FlagCannotRefuse}, []platforms.Action{ret}},
		{"return unshipped", platforms.StatusAwaitingSeller, platforms.KindReturn, platforms.GoodsNotShipped, nil, []platforms.Action{ret}},
		{"receipt", platforms.StatusAwaitingSellerReceipt, platforms.KindReturn, platforms.GoodsReturned, nil, []platforms.Action{agree, confirm, refuse}},
		{"receipt cannot_refuse", platforms.StatusAwaitingSellerReceipt, platforms.KindReturn, platforms.GoodsReturned, []string{platforms.FlagCannotRefuse}, []platforms.Action{agree, confirm}},
		{"on web", platforms.StatusAwaitingSeller, platforms.KindRefund, platforms.GoodsShipped, []string{platforms.FlagMustHandleOnWeb}, nil},
		{"exchange", platforms.StatusAwaitingSeller, platforms.KindExchange, platforms.GoodsReceived, nil, nil},
		{"buyer return", platforms.StatusAwaitingBuyerReturn, platforms.KindReturn, platforms.GoodsReceived, nil, nil},
		{"refused", platforms.StatusRefused, platforms.KindRefund, platforms.GoodsShipped, nil, nil},
		{"succeeded", platforms.StatusSucceeded, platforms.KindRefund, platforms.GoodsShipped, nil, nil},
		{"unknown", platforms.StatusUnknown, platforms.KindRefund, platforms.GoodsShipped, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := platforms.Case{Status: tt.status, Kind: tt.kind, GoodsStatus: tt.goods, Flags: tt.flags}
			if got := AllowedActions(c); !slices.Equal(got, tt.want) {
				t.Errorf("AllowedActions = %v, want %v", got, tt.want)
			}
		})
	}
}
