package sandbox

import (
	"fmt"
	"maps"
	"strconv"
	"time"
)

// DemoXportcnShop is the demo Xportcn account: we are the buyer there.
const DemoXportcnShop = "xp-buyer"

// DemoXportcnCases returns our after-sale requests on Xportcn for dev mode,
// with deadlines relative to now. Each comment says what the example rules
// (rules/examples/xportcn.yaml) should do with the case.
func DemoXportcnCases(now time.Time) []DemoCase {
	const day = 24 * time.Hour
	d := func(c map[string]any) DemoCase {
		return DemoCase{Platform: PlatformXportcn, Shop: DemoXportcnShop, Case: c}
	}
	return []DemoCase{
		// Refund requested, waiting for the seller: the rules wait. The
		// seller agrees after 10 minutes and the refund succeeds.
		d(xpDemo(now, 1, xpWaitSellerAgree, 1, 3990, "无线蓝牙耳机替换耳塞套（3对装）", "我不想要了",
			xpTimeoutSellerAgree, 40*time.Hour, map[string]any{xpKnobSellerAfter: 600})),

		// The seller refused our refund: a person decides (modify or
		// appeal on Xportcn, or cancel here). Left alone it closes.
		d(xpDemo(now, 2, xpSellerRefused, 1, 8900, "316不锈钢保温杯 500ml", "商品破损",
			xpTimeoutBuyerModify, 5*day, map[string]any{
				"refundOrder": map[string]any{"sellerRefuseReason": xpRefuseReason}})),

		// The seller agreed our return: a person ships the parcel and enters
		// the waybill (decide ship_return with logistics_company and
		// logistics_no) before our deadline, or the request closes. No
		// on_deadline: a waybill cannot be invented.
		d(xpDemo(now, 3, xpWaitBuyerReturn, 2, 12900, "轻量缓震运动跑鞋 42码", "尺码拍错/不合适",
			xpTimeoutBuyerReturn, 3*day, nil)),

		// Return requested, waiting for the seller: the rules wait; the
		// seller agrees after 3 minutes and it becomes the case above.
		d(xpDemo(now, 4, xpWaitSellerAgree, 2, 16900, "北欧风护眼台灯", "质量问题",
			xpTimeoutSellerAgree, 2*day, map[string]any{xpKnobSellerAfter: 180})),

		// Closed (we cancelled it): the workflow finishes at once.
		d(xpDemo(now, 5, xpClosed, 1, 3990, "氨基酸洗发水 500ml", "拍错/多拍", "", 0, nil)),
	}
}

// xpDemo builds an aggregate like the seed's, created a day ago, with left
// until its deadline (0: none); overrides replace top-level keys, and the
// keys of a "refundOrder" override replace refundOrder's.
func xpDemo(now time.Time, n int, status string, refundType int, fen int64, title, reason, timeoutType string,
	left time.Duration, overrides map[string]any) map[string]any {
	created := now.Add(-24 * time.Hour)
	purchaseID := 200028600000 + int64(n)*10
	ro := map[string]any{
		"refundFee": fen, "payOrderId": fmt.Sprintf("35821338147053%05d", n), "timeoutType": nil,
		"sellerRefuseReason": nil, "refundStatus": status, "canEditFee": nil, "remainingTime": nil,
		"refundType": refundType, "feeTips": nil, "reasonDesc": reason, "goodsStatus": 1, "refundDesc": "",
		"reasonId": 150013, "timeoutDate": nil, "sellerRefuseReasonDescribe": nil,
		"refundId": strconv.FormatInt(110002690000+int64(n), 10),
	}
	if left > 0 {
		setXPTimeout(ro, timeoutType, now.Add(left))
	}
	c := map[string]any{
		"logistics": nil, "subUserId": nil, "refundOrder": ro,
		"purchaseOrderLine": map[string]any{
			"salesOrderId": fmt.Sprintf("500918-10344773118874%05d", n), "supplierId": 3937219703,
			"quantity": 1, "totalPrice": fen, "itemTitle": title, "postFee": 0, "productFee": fen,
			"salesMarket": "TAOBAO_BUYER", "purchaseOrderLineId": purchaseID + 1,
			"createTime": created.Add(-72 * time.Hour).UnixMilli(), "purchaseOrderId": purchaseID,
			"price": nil, "supplierNick": "天天特卖工厂店", "currency": "CNY", "properties": map[string]any{},
		},
		xpKnobCreated: created.UnixMilli(),
	}
	for k, v := range overrides {
		if sub, ok := v.(map[string]any); ok && k == "refundOrder" {
			maps.Copy(ro, sub)
			continue
		}
		c[k] = v
	}
	return c
}
