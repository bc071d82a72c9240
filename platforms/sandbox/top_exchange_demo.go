package sandbox

import (
	"fmt"
	"maps"
	"time"
)

// demoTOPExchanges are the Tmall exchanges of the demo shops, with
// deadlines relative to now. Each comment says what the example rules
// (rules/examples/taobao.yaml) do with the case.
func demoTOPExchanges(now time.Time) []DemoCase {
	d := func(shop string, c map[string]any) DemoCase {
		return DemoCase{Platform: PlatformTaobao, Shop: shop, Case: c}
	}
	return []DemoCase{
		// A size swap in the flagship shop: rule
		// taobao-exchange-flagship-size-swap agrees it with the shop's
		// return address id (params). The buyer then ships the goods back,
		// the rules confirm receipt, and the resend waits for a human.
		d(DemoTOPShopFlagship, topExchangeDemo(now, 1, 6*time.Hour, 40*time.Hour, "夏季纯棉短袖T恤 男女同款", "59.00", "尺码拍错/不合适",
			map[string]any{"bought_sku": "颜色分类:白色;尺码:L", "exchange_sku": "颜色分类:白色;尺码:XL"})),
		// Another exchange request: no rule gives this shop's address, so
		// rule taobao-exchange-needs-address escalates it. A human decides
		// agree with params address_id, or refuse with params reason_id.
		d(DemoTOPShopOutlet, topExchangeDemo(now, 2, 20*time.Hour, 30*time.Hour, "北欧风护眼台灯", "169.00", "颜色/款式与商品描述不符",
			map[string]any{"bought_sku": "颜色分类:白色", "exchange_sku": "颜色分类:木纹"})),
		// Returned goods arrived: rule taobao-exchange-goods-back confirms
		// receipt; the replacement then waits for a human resend.
		d(DemoTOPShopFlagship, topExchangeDemo(now, 3, 3*24*time.Hour, 36*time.Hour, "轻量缓震运动跑鞋", "299.00", "尺码拍错/不合适",
			map[string]any{"status": exWaitSellerReceipt, "good_status": "买家已退货",
				"bought_sku": "颜色分类:黑白;鞋码:42", "exchange_sku": "颜色分类:黑白;鞋码:41"})),
		// Waiting for the replacement to ship: rule taobao-exchange-resend
		// escalates; a human decides resend with params logistics_no,
		// logistics_type (200 快递) and logistics_company_name.
		d(DemoTOPShopOutlet, topExchangeDemo(now, 4, 4*24*time.Hour, 30*time.Hour, "羊毛混纺格纹围巾", "79.00", "颜色/图案/款式与商品描述不符",
			map[string]any{"status": exWaitSellerResend, "good_status": "卖家已收到退货",
				"bought_sku": "颜色分类:灰格", "exchange_sku": "颜色分类:红格"})),
	}
}

// topExchangeDemo builds a status-1 Tmall exchange created age ago with
// left until its time_out, then applies the overrides. The buyer fields
// are there as TOP sends them; the client never reads them.
func topExchangeDemo(now time.Time, n int, age, left time.Duration, title, price, reason string, overrides map[string]any) map[string]any {
	created := now.Add(-age)
	c := map[string]any{
		"dispute_id":   fmt.Sprint(int64(2026112300000001000) + int64(n)),
		"biz_order_id": fmt.Sprint(int64(3961024500000100000) + int64(n)*1000),
		"status":       exWaitSeller,
		"good_status":  "已发货",
		"payment":      price,
		"price":        price,
		"num":          1,
		"reason":       reason,
		"title":        title,
		"created":      topTime(created),
		"modified":     topTime(created.Add(time.Minute)),
		"time_out":     topTime(now.Add(left)),
		"refund_phase": "售后换货",
		"cs_status":    1,
		"buyer_nick":   fmt.Sprintf("sandbox买家%02d", 50+n),
		"seller_nick":  "sandbox旗舰店",
	}
	maps.Copy(c, overrides)
	return c
}
