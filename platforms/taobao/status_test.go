package taobao

import (
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestNormalizeStatus(t *testing.T) {
	tests := []struct {
		raw  string
		want platforms.Status
	}{
		{"WAIT_SELLER_AGREE", platforms.StatusAwaitingSeller},
		{"WAIT_BUYER_RETURN_GOODS", platforms.StatusAwaitingBuyerReturn},
		{"WAIT_SELLER_CONFIRM_GOODS", platforms.StatusAwaitingSellerReceipt},
		{"SELLER_REFUSE_BUYER", platforms.StatusRefused},
		{"CLOSED", platforms.StatusClosed},
		{"SUCCESS", platforms.StatusSucceeded},
		{"WAIT_BUYER_CONFIRM_EXCHANGE_SELLER_SEND_GOODS", platforms.StatusAwaitingBuyerReceipt},
		{"EXCHANGE_TRANSFORM_TO_REFUND", platforms.StatusAwaitingSeller},
		{"WAIT_SELLER_CONSIGN_GOODS", platforms.StatusAwaitingSellerResend},
		{"SOMETHING_NEW", platforms.StatusUnknown},
		{"", platforms.StatusUnknown},
	}
	if got, want := len(RefundStatuses), len(tests)-2; got != want {
		t.Errorf("RefundStatuses has %d entries, the test covers %d", got, want)
	}
	for _, tt := range tests {
		if got := NormalizeStatus(tt.raw); got != tt.want {
			t.Errorf("NormalizeStatus(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
