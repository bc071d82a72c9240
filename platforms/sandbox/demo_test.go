package sandbox

import (
	"strconv"
	"testing"
	"time"
)

func TestDemoTOPCases(t *testing.T) {
	e := newEnv(t)
	if err := e.sb.Seed(t0); err != nil {
		t.Fatal(err)
	}
	cases := e.sb.Cases(PlatformTaobao, "")
	if len(cases) != len(DemoTOPCases(t0)) {
		t.Fatalf("%d cases stored", len(cases))
	}

	count := map[string]int{}
	for _, sc := range cases {
		c := sc.Case
		if isTOPExchange(c) { // TestDemoTOPExchanges
			count["exchange"]++
			continue
		}
		id, err := strconv.ParseUint(getString(c, "refund_id"), 10, 64)
		if err != nil || id <= 1<<53 {
			t.Fatalf("refund_id %s should exceed 2^53", getString(c, "refund_id"))
		}
		fen, err := parseFen(getString(c, "refund_fee"))
		if err != nil {
			t.Fatal(err)
		}
		yuan := float64(fen) / 100
		status, ret := getString(c, "status"), getBool(c, "has_good_return")
		switch {
		case status == topClosed:
			count["closed"]++
		case getString(c, "operation_contraint") == "refund_onweb":
			count["onweb"]++
		case getString(c, "cs_status") == "2":
			count["cs"]++
		case yuan > 2000:
			count["big"]++
		case status == topWaitSellerConfirm && getString(c, "good_status") == "BUYER_RETURNED_GOODS":
			count["returned"]++
		case ret && getString(c, "good_status") == "BUYER_RECEIVED" && yuan >= 50 && yuan <= 300:
			count["return"]++
		case !ret && getString(c, "order_status") == "WAIT_SELLER_SEND_GOODS" && yuan >= 9.9 && yuan <= 150:
			count["small"]++
			if d, _ := parseTOPTime(timeout(c)); d.Sub(t0) < 10*time.Minute {
				count["near"]++
			}
		default:
			t.Errorf("unexpected demo case %v", c)
		}
		if getString(c, "title") == "" || getString(c, "reason") == "" || getString(c, "buyer_nick") == "" {
			t.Errorf("case %s lacks title, reason or buyer_nick", getString(c, "refund_id"))
		}
	}
	want := map[string][2]int{ // min, max
		"small": {5, 6}, "near": {1, 1}, "return": {2, 3}, "returned": {1, 1}, "big": {2, 2},
		"cs": {1, 1}, "onweb": {1, 1}, "closed": {1, 1}, "exchange": {4, 4},
	}
	for k, r := range want {
		if count[k] < r[0] || count[k] > r[1] {
			t.Errorf("%d %s cases, want %d..%d", count[k], k, r[0], r[1])
		}
	}

	// The demo shops answer through their default sessions.
	p := sign(t, e.params("taobao.refunds.receive.get", map[string]string{"fields": "refund_id", "page_size": "100"}), DefaultTOPAppSecret)
	p.Set("session", TOPSessionFor(DemoTOPShopFlagship))
	ans := e.send(sign(t, p, DefaultTOPAppSecret))
	if n, _ := strconv.Atoi(getString(ans["refunds_receive_get_response"].(map[string]any), "total_results")); n == 0 || n == len(cases) {
		t.Fatalf("flagship shop lists %d refunds", n)
	}

	// The case near its deadline is paid by the platform when it lapses.
	e.clock.Add(4 * time.Minute)
	paid := 0
	for _, sc := range e.sb.Cases(PlatformTaobao, "") {
		if getString(sc.Case, "status") == topSuccess {
			paid++
		}
	}
	if paid != 1 {
		t.Fatalf("%d cases paid 4 minutes in, want 1", paid)
	}
}
