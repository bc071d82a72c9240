package rules

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// twentyRules is a realistic 20-rule file: string, number, list and flag
// tests like the example rules use. The benchmark case matches none of
// them, so every rule is evaluated before the default: the worst case.
func twentyRules(tests string) string {
	var b strings.Builder
	b.WriteString("platform: taobao\nshops: [\"*\"]\nmode: enforce\ndeadline_margin: 2h\nrules:\n")
	conds := []string{
		`len(flags) > 0 && has_flag("cs_involved")`,
		`status in ["refused", "awaiting_buyer", "awaiting_buyer_return"]`,
		`amount > 5000`,
		`amount > 2000 && kind == "return" && status == "awaiting_seller"`,
		`amount > 2000 && kind != "exchange"`,
		`kind == "exchange" && status == "awaiting_seller" && reason contains "尺码"`,
		`kind == "exchange" && status == "awaiting_seller_receipt"`,
		`kind == "refund" && goods_status == "not_shipped" && amount <= 200`,
		`kind == "return" && amount <= 100 && !has_flag("cs_involved")`,
		`status == "awaiting_seller_receipt" && goods_status == "returned" && amount <= 500`,
		`reason_id in [1001, 1002, 1003] && goods_status == "received"`,
		`shop == "tb-outlet" && amount < 50`,
		`hours_left < 1 && amount < 30`,
		`platform_status == "WAIT_SELLER_CONFIRM_GOODS" && amount < 20`,
		`currency != "CNY"`,
		`order_id == "" && kind == "refund"`,
		`amount_minor % 100 == 1 && amount < 10`,
		`reason contains "质量" && amount < 80`,
		`items > 5`,
		`goods_status == "shipped" && amount < 60 && reason contains "不想要"`,
	}
	for i, c := range conds {
		fmt.Fprintf(&b, "  - id: r%02d\n    when: %s\n    then: %s\n", i+1, c, []string{"agree", "escalate", "wait"}[i%3])
	}
	b.WriteString("default: escalate\n")
	b.WriteString(tests)
	return b.String()
}

// typicalCase is a shipped refund of 350 yuan waiting for the seller.
func typicalCase() platforms.Case {
	return platforms.Case{
		Platform: platforms.Taobao, Shop: "tb-flagship", ID: "2026112300000000001", OrderID: "3001",
		Kind: platforms.KindRefund, Status: platforms.StatusAwaitingSeller, PlatformStatus: "WAIT_SELLER_AGREE",
		Amount: 35000, Currency: "CNY", Reason: "拍错了/不想要", ReasonID: 1200, GoodsStatus: platforms.GoodsShipped,
		Deadline: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Version: "1",
	}
}

func benchRuleset(b *testing.B, content string) *Ruleset {
	b.Helper()
	rs, err := LoadFS(fstest.MapFS{"taobao.yaml": {Data: []byte(content)}})
	if err != nil {
		b.Fatal(err)
	}
	return rs
}

func BenchmarkEvaluate20Rules(b *testing.B) {
	rs := benchRuleset(b, twentyRules(""))
	c, now := typicalCase(), time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if d, err := rs.Evaluate(c, now); err != nil || d.RuleID != DefaultRuleID {
		b.Fatalf("the typical case must fall through all 20 rules: %+v %v", d, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rs.Evaluate(c, now)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20, "ns/rule")
}

func BenchmarkRulesTest1000Cases(b *testing.B) {
	var tests strings.Builder
	tests.WriteString("tests:\n")
	for i := range 1000 {
		fmt.Fprintf(&tests, "  - name: case %d\n    case: {order_id: \"3001\", kind: refund, status: awaiting_seller, goods_status: shipped, amount: %d.%02d, reason: \"拍错了/不想要\"}\n",
			i, 100+i, i%100)
		want := "escalate"
		if 100+i < 60 {
			want = "agree"
		}
		fmt.Fprintf(&tests, "    expect: {action: %s}\n", want)
	}
	rs := benchRuleset(b, twentyRules(tests.String()))
	if res := rs.RunTests(); len(res) != 1000 || !res[0].Pass || !res[999].Pass {
		b.Fatalf("%d results, first %v", len(res), res[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		rs.RunTests()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/case")
}
