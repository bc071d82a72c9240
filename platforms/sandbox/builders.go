package sandbox

import "time"

// Builders of native cases for harnesses that seed many cases (the chaos
// soak in internal/soak): the demo's own builders, exported. n numbers the
// case; ids, orders and line items derive from it, so distinct n give
// distinct cases (SHOPLINE returns and refunds of one n share an order:
// give refunds other numbers).

// TOPRefundCase is an unshipped refund-only awaiting the seller (Taobao
// refund_id 2026112300000000000+n), created age ago with left until the
// seller's deadline (0: none), with overrides applied. TOPReturn and
// TOPShipped make the overrides of a return or of a shipped order.
func TOPRefundCase(now time.Time, n int, age, left time.Duration, title, fee, reason string, overrides map[string]any) map[string]any {
	return topDemo(now, n, age, left, title, fee, reason, overrides)
}

// TOPReturn turns a refund into a return-and-refund of received goods.
func TOPReturn(overrides map[string]any) map[string]any { return topDemoReturn(overrides) }

// TOPShipped makes a refund-only of shipped goods.
func TOPShipped(overrides map[string]any) map[string]any { return topDemoShipped(overrides) }

// TOPExchangeCase is a Tmall exchange awaiting the seller (dispute_id
// 2026112300000001000+n, case id "exchange-<dispute_id>") with left until
// its time_out.
func TOPExchangeCase(now time.Time, n int, age, left time.Duration, title, price, reason string, overrides map[string]any) map[string]any {
	return topExchangeDemo(now, n, age, left, title, price, reason, overrides)
}

// XiaoeCase is a refund-only application of a virtual good in state 0,
// with left until state_invalid_time.
func XiaoeCase(now time.Time, n int, age, left time.Duration, goods string, fen int, reason string, overrides map[string]any) map[string]any {
	return xiaoeDemo(now, n, age, left, goods, fen, reason, overrides)
}

// ShoplineLine is one returned line of a SHOPLINE return.
type ShoplineLine struct {
	Title, SKU, Price string
	Quantity          int
}

// ShoplineReturnCase is an OPEN SHOPLINE return whose package is in pkg
// status (OPEN on its way, CLOSED arrived).
func ShoplineReturnCase(now time.Time, n int, age time.Duration, pkg string, lines []ShoplineLine, reason string, overrides map[string]any) map[string]any {
	ls := make([]slDemoLine, len(lines))
	for i, l := range lines {
		ls[i] = slDemoLine{l.Title, l.SKU, l.Price, l.Quantity}
	}
	return slDemoReturn(now, n, age, pkg, ls, reason, overrides)
}

// ShoplineRefundCase is a SHOPLINE refund whose one transaction has status.
func ShoplineRefundCase(now time.Time, n int, age time.Duration, title, amount, status string) map[string]any {
	return slDemoRefund(now, n, age, title, amount, status)
}

// XportcnCase is one of our after-sale requests on Xportcn in status, of
// refundType (1 refund, 2 return), with left until a deadline of
// timeoutType (0: none).
func XportcnCase(now time.Time, n int, status string, refundType int, fen int64, title, reason, timeoutType string,
	left time.Duration, overrides map[string]any) map[string]any {
	return xpDemo(now, n, status, refundType, fen, title, reason, timeoutType, left, overrides)
}
