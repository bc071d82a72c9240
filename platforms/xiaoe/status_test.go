package xiaoe

import (
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestNormalizeState(t *testing.T) {
	tests := []struct {
		state int
		want  platforms.Status
	}{
		{0, platforms.StatusAwaitingSeller},        // 未受理
		{1, platforms.StatusClosed},                // 用户取消
		{2, platforms.StatusAwaitingSeller},        // 商家受理中
		{3, platforms.StatusAwaitingSeller},        // 商家逾期未处理 (flagged must_handle_on_web)
		{4, platforms.StatusRefused},               // 商家拒绝退款
		{5, platforms.StatusRefused},               // 商家拒绝退货退款
		{6, platforms.StatusAwaitingBuyerReturn},   // 待买家退货
		{7, platforms.StatusClosed},                // 退货退款关闭
		{8, platforms.StatusAwaitingSellerReceipt}, // 待商家收货
		{11, platforms.StatusRefunding},            // 商家退款中
		{12, platforms.StatusAwaitingSeller},       // 商家逾期未退款 (flagged must_handle_on_web)
		{13, platforms.StatusSucceeded},            // 退款完成
		{14, platforms.StatusSucceeded},            // 退货退款完成
		{15, platforms.StatusSucceeded},            // 换货完成
		{16, platforms.StatusAwaitingSellerResend}, // 待商家发货
		{17, platforms.StatusAwaitingBuyerReceipt}, // 待用户确认收货
		{18, platforms.StatusRefused},              // 商家拒绝换货
		{19, platforms.StatusAwaitingSeller},       // 商家已收到货
		// Undocumented values.
		{9, platforms.StatusUnknown},
		{10, platforms.StatusUnknown},
		{20, platforms.StatusUnknown},
		{-1, platforms.StatusUnknown},
	}
	if got, want := len(States), len(tests)-4; got != want {
		t.Errorf("States has %d entries, the test covers %d", got, want)
	}
	for _, tt := range tests {
		if got := NormalizeState(tt.state); got != tt.want {
			t.Errorf("NormalizeState(%d) = %q, want %q", tt.state, got, tt.want)
		}
	}
	for _, s := range []int{3, 12} {
		if !merchantTimedOut(s) {
			t.Errorf("state %d is a merchant timeout", s)
		}
	}
}
