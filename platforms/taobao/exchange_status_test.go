package taobao

import (
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestExchangeStatuses(t *testing.T) {
	var (
		agree   = platforms.ActionAgree
		refuse  = platforms.ActionRefuse
		receipt = platforms.ActionConfirmReceipt
		resend  = platforms.ActionResend
	)
	tests := []struct {
		raw     string
		status  platforms.Status
		owner   platforms.Role
		allowed []platforms.Action
	}{
		{"1", platforms.StatusAwaitingSeller, platforms.RoleSeller, []platforms.Action{agree, refuse}},
		{"2", platforms.StatusAwaitingBuyerReturn, platforms.RoleBuyer, nil},
		{"3", platforms.StatusAwaitingSellerReceipt, platforms.RoleSeller, []platforms.Action{receipt}},
		{"4", platforms.StatusClosed, "", nil},
		{"5", platforms.StatusSucceeded, "", nil},
		{"6", platforms.StatusAwaitingBuyer, platforms.RoleBuyer, nil},
		{"12", platforms.StatusAwaitingSellerResend, platforms.RoleSeller, []platforms.Action{resend}},
		{"13", platforms.StatusAwaitingBuyerReceipt, platforms.RoleBuyer, nil},
		{"14", platforms.StatusRefunding, "", nil},
		// The documented labels read as their codes.
		{"换货待处理", platforms.StatusAwaitingSeller, platforms.RoleSeller, []platforms.Action{agree, refuse}},
		{"待处理", platforms.StatusAwaitingSeller, platforms.RoleSeller, []platforms.Action{agree, refuse}},
		{"待买家退货", platforms.StatusAwaitingBuyerReturn, platforms.RoleBuyer, nil},
		{"买家已退货,待收货", platforms.StatusAwaitingSellerReceipt, platforms.RoleSeller, []platforms.Action{receipt}},
		{"买家已退货，待收货", platforms.StatusAwaitingSellerReceipt, platforms.RoleSeller, []platforms.Action{receipt}},
		{"买家已退货待收货", platforms.StatusAwaitingSellerReceipt, platforms.RoleSeller, []platforms.Action{receipt}},
		{"换货关闭", platforms.StatusClosed, "", nil},
		{"换货成功", platforms.StatusSucceeded, "", nil},
		{"待买家修改", platforms.StatusAwaitingBuyer, platforms.RoleBuyer, nil},
		{"待发出换货商品", platforms.StatusAwaitingSellerResend, platforms.RoleSeller, []platforms.Action{resend}},
		{"待买家收货", platforms.StatusAwaitingBuyerReceipt, platforms.RoleBuyer, nil},
		{"请退款", platforms.StatusRefunding, "", nil},
		// Undocumented values are unknown: never acted on automatically.
		{"0", platforms.StatusUnknown, "", nil},
		{"7", platforms.StatusUnknown, "", nil},
		{"11", platforms.StatusUnknown, "", nil},
		{"15", platforms.StatusUnknown, "", nil},
		{"", platforms.StatusUnknown, "", nil},
		{"WAIT_SELLER_AGREE", platforms.StatusUnknown, "", nil},
		{"买家已经申请退款,等待卖家同意", platforms.StatusUnknown, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			want(t, "status", NormalizeExchangeStatus(tt.raw), tt.status)
			c, err := ParseExchange("s", exchangeJSON(t, map[string]any{"status": tt.raw}))
			if err != nil {
				t.Fatal(err)
			}
			want(t, "case status", c.Status, tt.status)
			want(t, "platform status", c.PlatformStatus, tt.raw)
			want(t, "owner", c.DeadlineOwner, tt.owner)
			want(t, "allowed", c.Allowed, tt.allowed)
		})
	}
	for raw, s := range ExchangeStatuses {
		if !s.Valid() || s == platforms.StatusUnknown {
			t.Errorf("status %s maps to %q", raw, s)
		}
	}
}
