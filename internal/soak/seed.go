package soak

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/shopline"
	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// Deadline classes: where a seeded case's deadline falls relative to the
// chaos window (the first Options.Active of the run).
const (
	// DeadlineFar: days away; only the rules' ordinary decision matters.
	DeadlineFar = "far"
	// DeadlineExpiring: the deadline itself passes during the chaos window,
	// so the platform acts on its own at it and any action of ours must
	// come before it.
	DeadlineExpiring = "expiring"
	// DeadlineMargin: deadline − margin (the rules' deadline_margin) passes
	// during the chaos window: on_deadline acts, or the escalation lapses.
	DeadlineMargin = "margin"
	// DeadlineNone: the case has no deadline (SHOPLINE, finished cases).
	DeadlineNone = "none"
)

// Seeded is one case the soak stored in the sandbox.
type Seeded struct {
	Platform platforms.Platform
	Shop     string
	CaseID   string
	// Scenario names what the case is (e.g. "tb-small-refund") and so what
	// the example rules should do with it.
	Scenario string
	Deadline time.Time // zero: none
	Class    string    // DeadlineFar, ...
	// Native is the case as stored.
	Native map[string]any
	// Move is a platform-side move the soak makes during the run: MoveShip
	// (the TOP buyer ships the return) or MoveArrive (a SHOPLINE package
	// arrives); "" none.
	Move string
	// Pushable: pushes may be sent for it (SHOPLINE, Xportcn, Xiaoe).
	Pushable bool
	// OrderID and SKU name a Xiaoe application in xe.order.refund calls.
	OrderID, SKU string
	// Finished: the case was already closed when seeded; no workflow is
	// needed (sync and pushes start none for a finished case).
	Finished bool
}

// WorkflowID is the case's workflow.
func (s Seeded) WorkflowID() string {
	return fmt.Sprintf("case/%s/%s/%s", s.Platform, s.Shop, s.CaseID)
}

// Platform-side moves the soak makes.
const (
	MoveShip   = "ship"
	MoveArrive = "arrive"
)

// Shops of one platform and what the worker may call them at.
type shopSet struct {
	platform platforms.Platform
	shops    []string
	rate     float64 // worker rate_limit per shop, calls/s
}

// Platform shares of the seeded cases, and how many cases one shop takes
// (SHOPLINE and Xiaoe document tight per-shop limits the sandbox enforces:
// 4 calls/s, 300/min; more shops keep a large run within them).
var platformPlan = []struct {
	platform     platforms.Platform
	share        float64
	casesPerShop int
	rate         float64
}{
	{platforms.Taobao, 0.40, 1 << 30, 60},
	{platforms.Xiaoe, 0.20, 40, 5},
	{platforms.Shopline, 0.15, 30, 4},
	{platforms.Xportcn, 0.25, 100, 15},
}

// split divides n cases among the platforms, every platform getting at
// least one when n >= 4.
func split(n int) map[platforms.Platform]int {
	out := map[platforms.Platform]int{}
	left := n
	for i, p := range platformPlan {
		k := int(math.Round(float64(n) * p.share))
		if n >= len(platformPlan) {
			k = min(max(k, 1), left-(len(platformPlan)-1-i)) // one left for each platform after
		}
		if i == len(platformPlan)-1 || k > left {
			k = left
		}
		out[p.platform] = k
		left -= k
	}
	return out
}

// shopsFor names the shops of every platform for counts of cases. Taobao
// always has tb-flagship (the example rules agree its size-swap exchanges)
// and tb-outlet.
func shopsFor(counts map[platforms.Platform]int) []shopSet {
	var out []shopSet
	for _, p := range platformPlan {
		set := shopSet{platform: p.platform, rate: p.rate}
		switch p.platform {
		case platforms.Taobao:
			set.shops = []string{sandbox.DemoTOPShopFlagship, sandbox.DemoTOPShopOutlet}
		default:
			k := max(1, (counts[p.platform]+p.casesPerShop-1)/p.casesPerShop)
			prefix := map[platforms.Platform]string{platforms.Xiaoe: "xe-soak", platforms.Shopline: "sl-soak", platforms.Xportcn: "xp-soak"}[p.platform]
			for i := range k {
				set.shops = append(set.shops, fmt.Sprintf("%s-%d", prefix, i+1))
			}
		}
		out = append(out, set)
	}
	return out
}

// planner draws the seeded cases.
type planner struct {
	now    time.Time
	rng    *rand.Rand
	active time.Duration
	n      int // case counter: distinct ids
}

// deadline picks a deadline class among the given weights (far, expiring,
// margin) and the deadline's distance from now; margin is the rules'
// deadline_margin of the platform.
func (p *planner) deadline(margin time.Duration, far, expiring, atMargin int) (string, time.Duration) {
	switch p.pick(far, expiring, atMargin) {
	case 1:
		if p.rng.IntN(10) < 3 {
			// Tight: the deadline comes while the worker is discovering
			// and first acting on the case.
			return DeadlineExpiring, 5*time.Second + time.Duration(p.rng.Int64N(int64(12*time.Second)))
		}
		return DeadlineExpiring, p.within()
	case 2:
		return DeadlineMargin, margin + p.within()
	}
	return DeadlineFar, 50*time.Hour + time.Duration(p.rng.Int64N(int64(72*time.Hour)))
}

// within is a moment inside the chaos window, after the first 20 s.
func (p *planner) within() time.Duration {
	lo := 20 * time.Second
	return lo + time.Duration(p.rng.Int64N(int64(max(p.active-lo, time.Second))))
}

// pick returns the index of a weighted choice.
func (p *planner) pick(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := p.rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

func (p *planner) yuan(lo, hi float64) string {
	v := lo + p.rng.Float64()*(hi-lo)
	return fmt.Sprintf("%.2f", math.Floor(v*100)/100)
}

func (p *planner) next() int { p.n++; return 100000 + p.n }

// Rules' deadline margins (rules/examples): taobao, xiaoe 2h; xportcn 24h.
const (
	marginTOP     = 2 * time.Hour
	marginXiaoe   = 2 * time.Hour
	marginXportcn = 24 * time.Hour
)

// plan draws n cases over the shops: a mix the example rules agree,
// escalate (with and without on_deadline) and wait on, with deadlines far,
// expiring during the chaos window, or reaching deadline − margin in it.
func plan(n int, now time.Time, active time.Duration, seed uint64) ([]Seeded, []shopSet) {
	counts := split(n)
	sets := shopsFor(counts)
	p := &planner{now: now, rng: rand.New(rand.NewPCG(seed, 0x50a4)), active: active}
	var out []Seeded
	for _, set := range sets {
		for i := range counts[set.platform] {
			shop := set.shops[i%len(set.shops)]
			var s Seeded
			switch set.platform {
			case platforms.Taobao:
				s = p.taobao(shop)
			case platforms.Xiaoe:
				s = p.xiaoe(shop)
			case platforms.Shopline:
				s = p.shopline(shop)
			case platforms.Xportcn:
				s = p.xportcn(shop)
			}
			s.Platform, s.Shop = set.platform, shop
			out = append(out, s)
		}
	}
	p.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, sets
}

func (p *planner) taobao(shop string) Seeded {
	n := p.next()
	now := p.now
	age := time.Hour + time.Duration(p.rng.Int64N(int64(48*time.Hour)))
	refund := func(scenario string, class string, left time.Duration, fee string, over map[string]any) Seeded {
		c := sandbox.TOPRefundCase(now, n, age, left, "混沌测试商品", fee, "不想要了", over)
		return Seeded{Scenario: scenario, CaseID: getID(c, "refund_id"), Deadline: now.Add(left), Class: class, Native: c}
	}
	switch p.pick(24, 14, 12, 10, 6, 5, 8, 4, 5, 12) {
	case 0: // small unshipped refund: rule unshipped-small-refund agrees
		class, left := p.deadline(marginTOP, 6, 3, 1)
		return refund("tb-small-refund", class, left, p.yuan(9.9, 200), nil)
	case 1: // small return request: agree_return, the buyer ships, confirm_receipt
		class, left := p.deadline(marginTOP, 7, 2, 1)
		return refund("tb-small-return", class, left, p.yuan(50, 480), sandbox.TOPReturn(nil))
	case 2: // return waiting for the buyer, who ships only when the soak says so
		class, left := p.deadline(marginTOP, 8, 2, 0)
		fee := p.yuan(60, 480)
		if p.rng.IntN(4) == 0 {
			fee = p.yuan(600, 1500) // back at the seller, too big to confirm: escalates
		}
		s := refund("tb-return-buyer-turn", class, left, fee, sandbox.TOPReturn(map[string]any{
			"status": "WAIT_BUYER_RETURN_GOODS", "sandbox_buyer_ships": false,
			"refund_remind_timeout": map[string]any{"exist_timeout": true, "remind_type": 2, "timeout": topTime(now.Add(left))},
		}))
		if p.rng.IntN(10) < 6 {
			s.Move = MoveShip
		}
		return s
	case 3: // big ticket: escalates, on_deadline agree
		class, left := p.deadline(marginTOP, 4, 2, 4)
		return refund("tb-big-ticket", class, left, p.yuan(2000.01, 5000), sandbox.TOPShipped(nil))
	case 4: // big return request: escalates, on_deadline agree_return
		class, left := p.deadline(marginTOP, 4, 2, 4)
		return refund("tb-big-return", class, left, p.yuan(2000.01, 5000), sandbox.TOPReturn(nil))
	case 5: // over 5,000: escalates, no on_deadline (lapses at the margin)
		class, left := p.deadline(marginTOP, 5, 2, 3)
		return refund("tb-senior", class, left, p.yuan(5000.01, 5999), sandbox.TOPShipped(nil))
	case 6: // shipped mid-size refund: default escalate
		class, left := p.deadline(marginTOP, 5, 3, 2)
		return refund("tb-mid-shipped", class, left, p.yuan(300, 1500), sandbox.TOPShipped(nil))
	case 7: // platform customer service involved: escalate
		class, left := p.deadline(marginTOP, 8, 1, 1)
		return refund("tb-flagged", class, left, p.yuan(20, 150), map[string]any{"cs_status": 2})
	case 8: // returned goods back at the seller: confirm_receipt
		class, left := p.deadline(marginTOP, 7, 2, 1)
		return refund("tb-goods-back", class, left, p.yuan(30, 480), sandbox.TOPReturn(map[string]any{
			"status": "WAIT_SELLER_CONFIRM_GOODS", "good_status": "BUYER_RETURNED_GOODS",
			"refund_remind_timeout": map[string]any{"exist_timeout": true, "remind_type": 3, "timeout": topTime(now.Add(left))},
		}))
	default: // a Tmall exchange
		class, left := p.deadline(marginTOP, 7, 3, 0)
		var s Seeded
		ex := func(scenario, reason string, over map[string]any) Seeded {
			c := sandbox.TOPExchangeCase(now, n, age, left, "混沌测试换货", p.yuan(30, 400), reason, over)
			return Seeded{Scenario: scenario, CaseID: "exchange-" + getID(c, "dispute_id"), Deadline: now.Add(left), Class: class, Native: c}
		}
		switch p.pick(4, 3, 3, 2) {
		case 0: // size swap: agreed in tb-flagship, escalated elsewhere
			s = ex("tb-exchange-size", "尺码拍错/不合适", nil)
		case 1:
			s = ex("tb-exchange-other", "颜色/款式与商品描述不符", nil)
		case 2: // goods back: confirm_receipt
			s = ex("tb-exchange-goods-back", "尺码拍错/不合适", map[string]any{"status": "3", "good_status": "买家已退货"})
		default: // the replacement waits for a person
			s = ex("tb-exchange-resend", "尺码拍错/不合适", map[string]any{"status": "12", "good_status": "卖家已收到退货"})
		}
		return s
	}
}

func (p *planner) xiaoe(shop string) Seeded {
	n := p.next()
	now := p.now
	age := time.Hour + time.Duration(p.rng.Int64N(int64(24*time.Hour)))
	app := func(scenario, class string, left time.Duration, fen int, over map[string]any) Seeded {
		if over == nil {
			over = map[string]any{}
		}
		// The application's own expiry stays beyond its state deadline.
		over["invalid_time"] = xiaoe.FormatTime(now.Add(left + 72*time.Hour))
		c := sandbox.XiaoeCase(now, n, age, left, "混沌测试课程", fen, "不想学了", over)
		return Seeded{Scenario: scenario, CaseID: getString(c, "aftersale_id"), Deadline: now.Add(left), Class: class, Native: c,
			Pushable: true, OrderID: getString(c, "order_id"), SKU: getString(c, "sku_id")}
	}
	switch p.pick(45, 25, 15, 15) {
	case 0: // small refund: xiaoe-small-refund agrees (a merchant refund)
		class, left := p.deadline(marginXiaoe, 6, 3, 1)
		return app("xe-small-refund", class, left, 100+p.rng.IntN(19900), nil)
	case 1: // big refund: escalates (lapses at the margin, flagged when the deadline passes)
		class, left := p.deadline(marginXiaoe, 5, 3, 2)
		return app("xe-big-refund", class, left, 20001+p.rng.IntN(80000), nil)
	case 2: // a return: escalates (the API cannot act on it)
		class, left := p.deadline(marginXiaoe, 7, 2, 1)
		return app("xe-return", class, left, 1000+p.rng.IntN(9000), map[string]any{
			"sale_type": 2, "sale_type_name": "退货退款", "ship_state_str": "已签收", "resource_type_str": "实物商品"})
	default: // accepted by the merchant already (state 2), small: agreed
		class, left := p.deadline(marginXiaoe, 6, 3, 1)
		return app("xe-accepted-refund", class, left, 100+p.rng.IntN(19900), map[string]any{"state": 2, "state_reason": "商家已受理"})
	}
}

func (p *planner) shopline(shop string) Seeded {
	n := p.next()
	now := p.now
	age := time.Hour + time.Duration(p.rng.Int64N(int64(72*time.Hour)))
	price := func(lo, hi float64) string { return p.yuan(lo, hi) }
	ret := func(scenario, pkg, amount string, over map[string]any) Seeded {
		c := sandbox.ShoplineReturnCase(now, n, age, pkg, []sandbox.ShoplineLine{{Title: "Soak tee", SKU: "SOAK-TEE", Price: amount, Quantity: 1}}, "UNWANTED", over)
		return Seeded{Scenario: scenario, CaseID: shopline.ReturnCaseID(getString(c, "id")), Class: DeadlineNone, Native: c, Pushable: true}
	}
	switch p.pick(35, 20, 20, 15, 10) {
	case 0: // a small return whose package arrived: refunded
		return ret("sl-small-arrived", "CLOSED", price(5, 50), nil)
	case 1: // a big one: escalated
		return ret("sl-big-arrived", "CLOSED", price(50.01, 400), nil)
	case 2: // on its way, arrives by itself during the chaos window: waits, then refunded
		return ret("sl-small-on-its-way", "OPEN", price(5, 50), map[string]any{"sandbox_arrive_after": int(p.within().Seconds())})
	case 3: // on its way; the soak makes it arrive
		s := ret("sl-small-soak-arrives", "OPEN", price(5, 50), nil)
		s.Move = MoveArrive
		return s
	default: // a refund whose transaction failed: escalated
		c := sandbox.ShoplineRefundCase(now, 500000+n, age, "Soak cap", price(5, 80), "failure")
		return Seeded{Scenario: "sl-refund-failed", CaseID: shopline.RefundCaseID(getString(c, "order_id"), getString(c, "id")),
			Class: DeadlineNone, Native: c, Pushable: true}
	}
}

func (p *planner) xportcn(shop string) Seeded {
	n := p.next()
	now := p.now
	req := func(scenario, class, status string, refundType int, timeoutType string, left time.Duration, over map[string]any) Seeded {
		c := sandbox.XportcnCase(now, n, status, refundType, int64(990+p.rng.IntN(20000)), "混沌测试采购", "不想要了", timeoutType, left, over)
		ro := c["refundOrder"].(map[string]any)
		s := Seeded{Scenario: scenario, CaseID: getString(ro, "refundId"), Class: class, Native: c, Pushable: true}
		if left > 0 {
			s.Deadline = now.Add(left)
		}
		return s
	}
	sellerAfter := func() int { return int(p.within().Seconds()) }
	switch p.pick(28, 18, 15, 14, 10, 15) {
	case 0: // refund waiting for the seller, who agrees during the run: succeeded
		return req("xp-seller-agrees", DeadlineFar, "100", 1, "sAgreeRefundT", 40*time.Hour,
			map[string]any{"sandbox_seller_after": sellerAfter()})
	case 1: // return the seller agrees: we must ship it back, escalated
		return req("xp-return-agreed", DeadlineFar, "100", 2, "sAgreeRefundT", 40*time.Hour,
			map[string]any{"sandbox_seller_after": sellerAfter()})
	case 2: // refused by the seller: escalated; some reach deadline − margin (lapse)
		class, left := p.deadline(marginXportcn, 6, 0, 4)
		return req("xp-refused", class, "400", 1, "bModifyRefundT", left,
			map[string]any{"refundOrder": map[string]any{"sellerRefuseReason": "商品已发出"}})
	case 3: // the seller never answers and its deadline passes during the run: succeeded
		return req("xp-seller-lapses", DeadlineExpiring, "100", 1, "sAgreeRefundT", p.within(),
			map[string]any{"sandbox_seller": "none"})
	case 4: // closed already: finishes at once
		s := req("xp-closed", DeadlineNone, "600", 1, "", 0, nil)
		s.Finished = true
		return s
	default: // waiting for a silent seller: waits
		return req("xp-seller-silent", DeadlineFar, "100", 1, "sAgreeRefundT", 60*time.Hour,
			map[string]any{"sandbox_seller": "none"})
	}
}

func getString(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// getID reads a numeric id the builders store as int64.
func getID(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	default:
		return getString(m, k)
	}
}

var cst = time.FixedZone("CST", 8*3600)

func topTime(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04:05") }
