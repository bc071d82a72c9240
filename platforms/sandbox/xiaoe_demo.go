package sandbox

import (
	"fmt"
	"maps"
	"time"

	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// DemoXiaoeShop is the Xiaoe demo shop: an online academy selling courses
// and a few books.
const DemoXiaoeShop = "xe-academy"

// DemoXiaoeCases returns the Xiaoe after-sale applications for dev mode,
// with deadlines relative to now. Each comment says what the example rules
// (rules/examples/xiaoe.yaml) should do with it.
func DemoXiaoeCases(now time.Time) []DemoCase {
	d := func(c map[string]any) DemoCase {
		return DemoCase{Platform: PlatformXiaoe, Shop: DemoXiaoeShop, Case: c}
	}
	return []DemoCase{
		// Small refund-only of a course awaiting the merchant: the rules
		// agree, the client sends xe.order.refund, the application goes to
		// 11 商家退款中 and then 13 退款完成.
		d(xiaoeDemo(now, 1, 2*time.Hour, 46*time.Hour, "Python 入门训练营（录播课）", 990, "不想学了", nil)),

		// Return of a paper book: the rules escalate, since Xiaoe's API
		// cannot accept a return; a person handles it in the Xiaoe admin.
		d(xiaoeDemo(now, 2, 8*time.Hour, 40*time.Hour, "《深度工作》纸质书", 5900, "商品破损", map[string]any{
			"sale_type": 2, "sale_type_name": "退货退款", "ship_state_str": "已签收", "resource_type_str": "实物商品",
		})),

		// Small refund-only about to lapse (3 minutes left): the rules agree
		// at once; left alone, it becomes 3 商家逾期未处理 and waits for a person.
		d(xiaoeDemo(now, 3, 47*time.Hour, 3*time.Minute, "职场写作 21 天打卡营", 2990, "课程内容与描述不符", map[string]any{
			"state": 2, "state_reason": "商家已受理",
		})),

		// A year of membership: over the small-refund limit, the rules
		// escalate; a person may decide agree, which refunds through the API.
		d(xiaoeDemo(now, 4, 5*time.Hour, 44*time.Hour, "年度 VIP 会员", 89900, "重复购买", nil)),
	}
}

// xiaoeDemo builds a refund-only application (state 0 未受理) of a virtual
// good, created age ago with left until the merchant's deadline, then
// applies the overrides.
func xiaoeDemo(now time.Time, n int, age, left time.Duration, goods string, fen int, reason string, overrides map[string]any) map[string]any {
	created := now.Add(-age)
	c := map[string]any{
		"aftersale_id":       fmt.Sprintf("A1763863200_6922c1a0d2b4e_%08d", 10000000+n),
		"order_id":           fmt.Sprintf("o_1763800000_6921c5e7a8f3b_%08d", 20000000+n),
		"sku_id":             fmt.Sprintf("SKU_%06d", 100000+n),
		"state":              0,
		"state_reason":       "",
		"sale_type":          1,
		"sale_type_name":     "退款",
		"submit_type":        1,
		"apply_refund_money": fen,
		"refund_money":       0,
		"actual_fee":         fen,
		"original_price":     fen,
		"reason":             reason,
		"goods_name":         goods,
		"goods_list": []any{map[string]any{
			"buy_num": 1, "goods_name": goods, "goods_price": fen, "goods_tag": "课程", "single_type": 0, "sku_info": nil,
		}},
		"resource_type_str":  "课程",
		"ship_state_str":     "无需发货",
		"sku_info":           "--",
		"created_at":         xiaoe.FormatTime(created),
		"updated_at":         xiaoe.FormatTime(created.Add(time.Minute)),
		"invalid_time":       xiaoe.FormatTime(created.Add(7 * 24 * time.Hour)),
		"state_invalid_time": xiaoe.FormatTime(now.Add(left)),
		"nick_name":          fmt.Sprintf("sandbox学员%02d", n),
		"user_id":            fmt.Sprintf("u_sandbox_%04d", n),
		"use_collection":     0,
	}
	maps.Copy(c, overrides)
	return c
}
