package sandbox

import (
	"fmt"
	"maps"
	"time"
)

// Demo TOP shops.
const (
	DemoTOPShopFlagship = "tb-flagship"
	DemoTOPShopOutlet   = "tb-outlet"
)

// DemoTOPCases returns a realistic mix of Taobao refunds and Tmall
// exchanges for dev mode, with deadlines relative to now. Each comment says
// what the example rules (DESIGN §5) should do with the case.
func DemoTOPCases(now time.Time) []DemoCase {
	const day = 24 * time.Hour
	d := func(shop string, c map[string]any) DemoCase {
		return DemoCase{Platform: PlatformTaobao, Shop: shop, Case: c}
	}
	return append([]DemoCase{
		// Small unshipped refunds only: rule unshipped-small-refund agrees.
		d(DemoTOPShopFlagship, topDemo(now, 1, 3*time.Hour, 2*day, "无线蓝牙耳机替换耳塞套（3对装）", "9.90", "不想要了", nil)),
		d(DemoTOPShopFlagship, topDemo(now, 2, 5*time.Hour, 60*time.Hour, "夏季纯棉短袖T恤 男女同款", "59.00", "拍错/多拍/不喜欢",
			map[string]any{"sku": "颜色分类:白色;尺码:L", "total_fee": "118.00", "payment": "118.00", "num": 2})),
		d(DemoTOPShopFlagship, topDemo(now, 3, 2*time.Hour, 3*day, "316不锈钢保温杯 500ml", "89.00", "协商一致退款", nil)),
		d(DemoTOPShopFlagship, topDemo(now, 4, 26*time.Hour, 2*day, "儿童启蒙绘本套装（全10册）", "128.00", "未按约定时间发货", nil)),
		d(DemoTOPShopOutlet, topDemo(now, 5, 7*time.Hour, 3*day, "厨房多层收纳置物架", "150.00", "地址/电话信息填写错误", nil)),

		// Returns awaiting the seller's agreement (goods received): a return
		// rule agrees the return; with none, the default escalates. Once
		// agreed the sandbox buyer ships after BuyerShipAfter.
		d(DemoTOPShopFlagship, topDemo(now, 6, 20*time.Hour, 2*day, "轻量缓震运动跑鞋", "299.00", "尺码拍错/不合适", topDemoReturn(map[string]any{
			"sku": "颜色分类:黑白;鞋码:42", "desc": "平时穿41.5，42码偏大一号"}))),
		d(DemoTOPShopFlagship, topDemo(now, 7, 30*time.Hour, 50*time.Hour, "羊毛混纺格纹围巾", "79.00", "颜色/图案/款式与商品描述不符", topDemoReturn(nil))),
		d(DemoTOPShopOutlet, topDemo(now, 8, 3*day, 2*day, "北欧风护眼台灯", "169.00", "质量问题", topDemoReturn(map[string]any{
			"order_status": "TRADE_FINISHED", "refund_phase": "aftersale", "desc": "开关接触不良，时亮时不亮"}))),

		// Return with the goods back at the seller: confirm_receipt (agree
		// pays the refund).
		d(DemoTOPShopFlagship, topDemo(now, 9, 4*day, 36*time.Hour, "真丝印花睡衣套装", "239.00", "七天无理由退换货", topDemoReturn(map[string]any{
			"status": topWaitSellerConfirm, "good_status": "BUYER_RETURNED_GOODS",
			"refund_remind_timeout": map[string]any{"exist_timeout": true, "remind_type": remindSellerConfirm,
				"timeout": topTime(now.Add(36 * time.Hour))}}))),

		// Big tickets, shipped: rule big-ticket escalates (on_deadline agree).
		d(DemoTOPShopFlagship, topDemo(now, 10, 10*time.Hour, 2*day, "智能手表 Pro 46mm GPS版", "2399.00", "快递一直未送达", topDemoShipped(nil))),
		// Above the ¥6,000 per-call cap: agreeing needs an SMS code, so even
		// a human "agree" through the API answers OP_FAILURE_UE.
		d(DemoTOPShopFlagship, topDemo(now, 11, 18*time.Hour, 3*day, "轻薄笔记本电脑 14英寸 32G+1T", "8999.00", "商品与页面描述不符", topDemoShipped(map[string]any{
			"good_status": "BUYER_RECEIVED", "desc": "收到后发现是16G内存，与页面标注不一致"}))),

		// Platform customer service involved (cs_status 2): escalate.
		d(DemoTOPShopOutlet, topDemo(now, 12, 2*day, 2*day, "便携蓝牙音箱 防水款", "199.00", "质量问题", topDemoShipped(map[string]any{
			"good_status": "BUYER_RECEIVED", "cs_status": 2, "desc": "音箱有破音，已申请小二介入"}))),

		// Small unshipped refund that must be handled on the web console:
		// escalate (must_handle_on_web); the API refuses any action.
		d(DemoTOPShopOutlet, topDemo(now, 13, 4*time.Hour, 2*day, "定制刻字金属签字笔", "45.00", "不想要了",
			map[string]any{"operation_contraint": "refund_onweb"})),

		// Small unshipped refund about to lapse (about 3 minutes left): the
		// rules agree at once; left alone, the sandbox pays it at the
		// deadline (SUCCESS).
		d(DemoTOPShopFlagship, topDemo(now, 14, 47*time.Hour, 3*time.Minute, "磁吸手机壳 适用iPhone 16", "29.90", "拍错/多拍/不喜欢", nil)),

		// Closed by the buyer: the workflow finishes at once, no action.
		d(DemoTOPShopOutlet, topDemo(now, 15, 3*day, 0, "氨基酸洗发水 500ml", "39.90", "不想要了", map[string]any{
			"status": topClosed, "modified": topTime(now.Add(-2 * day))})),
	}, demoTOPExchanges(now)...) // Tmall exchanges: top_exchange_demo.go
}

// topDemo builds an unshipped refund-only case (the most common kind),
// created age ago with left until the seller's deadline (0: none), then
// applies the overrides.
func topDemo(now time.Time, n int, age, left time.Duration, title, fee, reason string, overrides map[string]any) map[string]any {
	created := now.Add(-age)
	tid := int64(3961024500000000000) + int64(n)*1000
	c := map[string]any{
		"refund_id":           int64(2026112300000000000) + int64(n), // 2026112300000000001, ...: beyond 2^53
		"tid":                 tid,
		"oid":                 tid + 1,
		"status":              topWaitSellerAgree,
		"good_status":         "BUYER_NOT_RECEIVED",
		"has_good_return":     false,
		"order_status":        "WAIT_SELLER_SEND_GOODS",
		"refund_fee":          fee,
		"total_fee":           fee,
		"payment":             fee,
		"reason":              reason,
		"desc":                "",
		"title":               title,
		"num":                 1,
		"sku":                 "",
		"created":             topTime(created),
		"modified":            topTime(created.Add(time.Minute)),
		"refund_phase":        "onsale",
		"cs_status":           1,
		"operation_contraint": "",
		"dispute_type":        "REFUND",
		"buyer_nick":          fmt.Sprintf("sandbox买家%02d", n),
	}
	if left > 0 {
		c["refund_remind_timeout"] = map[string]any{
			"exist_timeout": true, "remind_type": remindSellerAgree, "timeout": topTime(now.Add(left)),
		}
	}
	maps.Copy(c, overrides)
	return c
}

// topDemoReturn makes a return-and-refund of received goods.
func topDemoReturn(overrides map[string]any) map[string]any {
	c := map[string]any{
		"has_good_return": true,
		"good_status":     "BUYER_RECEIVED",
		"order_status":    "WAIT_BUYER_CONFIRM_GOODS",
		"dispute_type":    "REFUND_AND_RETURN",
	}
	maps.Copy(c, overrides)
	return c
}

// topDemoShipped makes a refund-only of shipped goods.
func topDemoShipped(overrides map[string]any) map[string]any {
	c := map[string]any{"order_status": "WAIT_BUYER_CONFIRM_GOODS"}
	maps.Copy(c, overrides)
	return c
}
