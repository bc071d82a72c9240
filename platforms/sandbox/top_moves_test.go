package sandbox

import (
	"testing"
	"time"
)

func TestDeadlineExpiry(t *testing.T) {
	deadline := t0.Add(time.Hour)
	withDeadline := func(over map[string]any) map[string]any {
		c := map[string]any{"refund_remind_timeout": map[string]any{
			"exist_timeout": true, "remind_type": 1, "timeout": topTime(deadline)}}
		for k, v := range over {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name     string
		c        map[string]any
		wait     time.Duration
		status   string
		modified time.Time // zero: unchanged
		timeout  time.Time // zero: none
	}{
		{name: "before the deadline nothing moves", c: withDeadline(nil), wait: time.Hour - time.Second,
			status: topWaitSellerAgree, timeout: deadline},
		{name: "refund only is paid at the deadline", c: withDeadline(nil), wait: time.Hour,
			status: topSuccess, modified: deadline},
		{name: "moves at the deadline, seen later", c: withDeadline(nil), wait: 5 * time.Hour,
			status: topSuccess, modified: deadline},
		{name: "return is agreed at the deadline",
			c: withDeadline(map[string]any{"has_good_return": true, knobBuyerShips: false}), wait: 2 * time.Hour,
			status: topWaitBuyerReturn, modified: deadline, timeout: deadline.Add(7 * 24 * time.Hour)},
		{name: "unconfirmed returned goods are refunded",
			c: withDeadline(map[string]any{"has_good_return": true, "status": topWaitSellerConfirm}), wait: 2 * time.Hour,
			status: topSuccess, modified: deadline},
		{name: "buyer who never ships: closed",
			c:    withDeadline(map[string]any{"has_good_return": true, "status": topWaitBuyerReturn, knobBuyerShips: false}),
			wait: 2 * time.Hour, status: topClosed, modified: deadline},
		{name: "no deadline, no move", c: map[string]any{"refund_remind_timeout": map[string]any{"exist_timeout": false}},
			wait: 1000 * time.Hour, status: topWaitSellerAgree},
		{name: "refused stays refused", c: withDeadline(map[string]any{"status": topSellerRefused}), wait: 2 * time.Hour,
			status: topSellerRefused, timeout: deadline},
		{name: "whole chain in one read: agreed, shipped, confirmed",
			c:    withDeadline(map[string]any{"has_good_return": true, knobConfirmWindow: 60}),
			wait: 3 * time.Hour, status: topSuccess, modified: deadline.Add(20*time.Second + time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.put(testShop, refundCase("1", tt.c))
			before := e.stored("1")
			e.clock.Add(tt.wait)
			// Read through the TOP API: expiry is evaluated on every request.
			r := e.ok("taobao.refund.get", map[string]string{"refund_id": "1",
				"fields": "status,modified,refund_version,refund_remind_timeout"})["refund"].(map[string]any)
			if got := getString(r, "status"); got != tt.status {
				t.Fatalf("status %s, want %s", got, tt.status)
			}
			if tt.modified.IsZero() {
				if getString(r, "modified") != getString(before, "modified") ||
					getString(r, "refund_version") != getString(before, "refund_version") {
					t.Fatalf("case changed without a move: %v", r)
				}
			} else if getString(r, "modified") != topTime(tt.modified) {
				t.Fatalf("modified %s, want %s", getString(r, "modified"), topTime(tt.modified))
			}
			want := ""
			if !tt.timeout.IsZero() {
				want = topTime(tt.timeout)
			}
			if got := timeout(r); got != want {
				t.Fatalf("timeout %q, want %q", got, want)
			}
		})
	}
}

func TestBuyerShipsReturn(t *testing.T) {
	tests := []struct {
		name      string
		shipAfter time.Duration // Options.BuyerShipAfter; 0: default 20s
		knobs     map[string]any
		window    time.Duration // seller's confirm window
	}{
		{name: "defaults", window: 48 * time.Hour},
		{name: "short confirm window", knobs: map[string]any{knobConfirmWindow: 600}, window: 10 * time.Minute},
		{name: "quick buyer", shipAfter: 5 * time.Second, window: 48 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.BuyerShipAfter = tt.shipAfter })
			c := refundCase("1", map[string]any{"has_good_return": true, "good_status": "BUYER_RECEIVED"})
			for k, v := range tt.knobs {
				c[k] = v
			}
			e.put(testShop, c)
			if got := actOutcome(t, e, "taobao.rp.returngoods.agree", map[string]string{"refund_id": "1"}); got != "" {
				t.Fatal(got)
			}
			agreed := e.stored("1")
			if timeout(agreed) != topTime(t0.Add(7*24*time.Hour)) {
				t.Fatalf("buyer deadline %q", timeout(agreed))
			}
			shipAfter := tt.shipAfter
			if shipAfter == 0 {
				shipAfter = 20 * time.Second
			}
			e.clock.Add(shipAfter - time.Second)
			if got := getString(e.stored("1"), "status"); got != topWaitBuyerReturn {
				t.Fatalf("status %s before the buyer ships", got)
			}
			e.clock.Add(time.Second)
			shipped := e.stored("1")
			shipAt := t0.Add(shipAfter)
			if getString(shipped, "status") != topWaitSellerConfirm || getString(shipped, "good_status") != "BUYER_RETURNED_GOODS" {
				t.Fatalf("after shipping: %v", shipped)
			}
			if getString(shipped, "modified") != topTime(shipAt) || timeout(shipped) != topTime(shipAt.Add(tt.window)) {
				t.Fatalf("modified %s timeout %s, want %s and %s", getString(shipped, "modified"), timeout(shipped),
					topTime(shipAt), topTime(shipAt.Add(tt.window)))
			}
			if getString(shipped, "refund_version") <= getString(agreed, "refund_version") {
				t.Fatal("refund_version did not grow")
			}
			e.clock.Add(tt.window)
			if got := getString(e.stored("1"), "status"); got != topSuccess {
				t.Fatalf("status %s after the confirm window", got)
			}
		})
	}
}

func TestStoredReturnWaitingBuyerShips(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", map[string]any{"status": topWaitBuyerReturn, "has_good_return": true}))
	e.clock.Add(20 * time.Second)
	if got := getString(e.stored("1"), "status"); got != topWaitSellerConfirm {
		t.Fatalf("status %s, want the buyer to have shipped", got)
	}
}

func TestVersionsStrictlyIncrease(t *testing.T) {
	e := newEnv(t) // the clock stands still: moves share a millisecond
	var last string
	for _, id := range []string{"1", "2", "3"} {
		e.put(testShop, refundCase(id, map[string]any{"refund_version": nil}))
		e.ok("taobao.rp.refunds.agree", map[string]string{
			"refund_infos": id + "|10000|" + getString(e.stored(id), "refund_version")})
		v := getString(e.stored(id), "refund_version")
		if len(v) < len(last) || (len(v) == len(last) && v <= last) {
			t.Fatalf("version %s after %s", v, last)
		}
		last = v
	}
}

func TestClockVersion(t *testing.T) {
	c := &clock{now: time.Now}
	tests := []struct {
		at   time.Time
		want int64
	}{
		{t0, t0.UnixMilli()},
		{t0, t0.UnixMilli() + 1},
		{t0.Add(-time.Hour), t0.UnixMilli() + 2},
		{t0.Add(time.Second), t0.UnixMilli() + 1000},
	}
	for i, tt := range tests {
		if got := c.version(tt.at); got != tt.want {
			t.Fatalf("%d: version %d, want %d", i, got, tt.want)
		}
	}
}
