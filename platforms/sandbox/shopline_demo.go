package sandbox

import (
	"fmt"
	"maps"
	"time"
)

// DemoShoplineShop is the demo SHOPLINE store (its handle: sl-demo.myshopline.com).
const DemoShoplineShop = "sl-demo"

// DemoShoplineCases returns the SHOPLINE demo cases for dev mode. Each
// comment says what the example rules (rules/examples/shopline.yaml) do.
// SHOPLINE cases are learned from webhooks (there is no list of changed
// cases): with ShoplineOptions.WebhookURL set, storing them announces them.
func DemoShoplineCases(now time.Time) []DemoCase {
	d := func(c map[string]any) DemoCase {
		return DemoCase{Platform: PlatformShopline, Shop: DemoShoplineShop, Case: c}
	}
	return []DemoCase{
		// A small return whose package arrived: rule shopline-small-return-arrived
		// refunds it (calculate, then one order/refund.json); the return closes.
		d(slDemoReturn(now, 1, 26*time.Hour, "CLOSED", []slDemoLine{{"Linen-blend T-shirt", "TS-LIN-M", "12.50", 2}}, "SIZE_TOO_SMALL", nil)),
		// A big return whose package arrived: escalated (default).
		d(slDemoReturn(now, 2, 50*time.Hour, "CLOSED", []slDemoLine{{"Merino wool overcoat", "OC-MER-L", "480.00", 1}}, "NOT_AS_DESCRIBED", nil)),
		// A small return still on its way back: waits; the package arrives
		// 45 seconds after the sandbox starts, then it is refunded.
		d(slDemoReturn(now, 3, 5*time.Hour, "OPEN", []slDemoLine{{"Canvas tote bag", "BAG-CNV", "18.00", 1}}, "UNWANTED",
			map[string]any{slKnobArriveAfter: 45})),
		// A return refunded and closed already: the workflow finishes at once.
		d(slDemoReturn(now, 4, 9*24*time.Hour, "CLOSED", []slDemoLine{{"Ceramic mug", "MUG-01", "9.90", 1}}, "DEFECTIVE",
			map[string]any{"status": slClosed})),
		// A refund whose transaction failed: rule shopline-refund-failed
		// escalates (nothing retries a refund automatically).
		d(slDemoRefund(now, 5, 3*time.Hour, "Running cap", "35.00", "failure")),
	}
}

type slDemoLine struct {
	title, sku, price string
	quantity          int
}

func slDemoOrderID(n int) string { return fmt.Sprintf("2106640%019d", n) }

// slDemoReturn builds an OPEN return created age ago, with its package in
// pkg status, then applies the overrides.
func slDemoReturn(now time.Time, n int, age time.Duration, pkg string, lines []slDemoLine, reason string, overrides map[string]any) map[string]any {
	created := now.Add(-age)
	var items []any
	for i, l := range lines {
		lineID := fmt.Sprintf("%d%02d100", 7700+n, i+1)
		items = append(items, map[string]any{
			"id":             fmt.Sprintf("RLI%d%02d", n, i+1),
			"fulfillment_id": fmt.Sprintf("2205%018d", n),
			"line_item_id":   lineID,
			"quantity":       l.quantity,
			"return_reason":  reason,
			"fulfillment_line_item": map[string]any{"line_item": map[string]any{
				"id": lineID, "title": l.title, "name": l.title, "sku": l.sku, "price": l.price,
				"price_set": map[string]any{
					"shop_money":        map[string]any{"amount": l.price, "currency_code": "USD"},
					"presentment_money": map[string]any{"amount": l.price, "currency_code": "USD"},
				},
			}},
		})
	}
	c := map[string]any{
		"id":                fmt.Sprintf("2606%018d", n),
		"order_id":          slDemoOrderID(n),
		"status":            slOpen,
		"return_reason":     reason,
		"created_at":        slTime(created),
		"updated_at":        slTime(created.Add(age / 2)),
		"return_line_items": items,
		slKnobPackage:       pkg,
	}
	maps.Copy(c, overrides)
	return c
}

// slDemoRefund builds a refund created age ago whose one transaction has
// status.
func slDemoRefund(now time.Time, n int, age time.Duration, title, amount, status string) map[string]any {
	at := slTime(now.Add(-age))
	order := slDemoOrderID(n)
	id := fmt.Sprintf("SL201AS%019d", n)
	return map[string]any{
		"id": id, "order_id": order, "created_at": at, "processed_at": at, "note": "Refund for a late delivery",
		"refund_line_items": []any{map[string]any{
			"id": id + "01", "line_item_id": fmt.Sprintf("%d01100", 7700+n), "quantity": 1, "restock_type": "no_restock",
			"subtotal":  jsonAmount(amount),
			"line_item": map[string]any{"id": fmt.Sprintf("%d01100", 7700+n), "title": title, "sku": "CAP-RUN", "price": amount},
		}},
		"transactions": []any{map[string]any{
			"id": id + "T", "order_id": order, "kind": "refund", "status": status, "gateway": "shopline_payments",
			"amount": amount, "currency": "USD", "created_at": at, "processed_at": at,
		}},
	}
}
