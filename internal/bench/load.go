package bench

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/aftersale/aftersale/platforms/sandbox"
)

// What a simulated change does to a case.
const (
	// ChangeEdit: the buyer is granted more time to send the return back
	// (new deadline, modified and refund_version), written with the admin
	// API; the refund stays WAIT_BUYER_RETURN_GOODS, so the rules say
	// "wait" again. TOP announces no TMC message for it (the sandbox
	// publishes messages on status moves only): only the sync finds it.
	ChangeEdit = "edit"
	// ChangeShip: the buyer ships the return. The sandbox makes the move
	// itself (WAIT_SELLER_CONFIRM_GOODS, BUYER_RETURNED_GOODS, new version)
	// and publishes TOP's TMC message taobao_refund_RefundBuyerReturnGoods,
	// so a worker consuming TMC is pushed the change; the example rules
	// then confirm receipt of these small amounts and the case finishes.
	ChangeShip = "ship"
	// ChangeMixed alternates ship and edit: pushed and unannounced changes
	// in the same hour, their latencies reported apart.
	ChangeMixed = "mixed"
)

// changeKind is the kind of change i of a schedule in mode.
func changeKind(mode string, i int) string {
	if mode == ChangeMixed {
		if i%2 == 0 {
			return ChangeShip
		}
		return ChangeEdit
	}
	return mode
}

// cst is GMT+8, as TOP reads and writes timestamps.
var cst = time.FixedZone("CST", 8*3600)

const topLayout = "2006-01-02 15:04:05"

func topTime(t time.Time) string { return t.In(cst).Format(topLayout) }

// Shop is the TOP shop every scenario uses.
const Shop = "bench-shop"

// caseID is the TOP refund_id of seeded case i: 19 digits, beyond 2^53
// like real ones.
func caseID(i int) string { return fmt.Sprintf("2027%015d", i) }

// seedCase is the native TOP refund of open case i as taobao.refund.get
// returns it: a small return the seller agreed, waiting for the buyer to
// send the goods back. The example rules say "wait" (rule buyer-turn).
// The sandbox knob sandbox_buyer_ships=false keeps the simulated buyer
// from shipping on its own: only the benchmark changes cases.
func seedCase(i int, now time.Time, rng *rand.Rand) map[string]any {
	created := now.Add(-time.Hour - time.Duration(rng.Int64N(int64(71*time.Hour))))
	fen := 1990 + rng.Int64N(48000) // ¥19.90 .. ¥499.89: confirm_receipt needs <= 500
	fee := fmt.Sprintf("%d.%02d", fen/100, fen%100)
	tid := 3961024600000000000 + int64(i)*1000
	return map[string]any{
		"refund_id":       json.Number(caseID(i)),
		"tid":             json.Number(strconv.FormatInt(tid, 10)),
		"oid":             json.Number(strconv.FormatInt(tid+1, 10)),
		"status":          "WAIT_BUYER_RETURN_GOODS",
		"good_status":     "BUYER_RECEIVED",
		"has_good_return": true,
		"order_status":    "WAIT_BUYER_CONFIRM_GOODS",
		"dispute_type":    "REFUND_AND_RETURN",
		"refund_fee":      fee,
		"total_fee":       fee,
		"payment":         fee,
		"reason":          "七天无理由退换货",
		"desc":            "",
		"title":           "基准测试商品",
		"num":             1,
		"sku":             "",
		"created":         topTime(created),
		"modified":        topTime(created.Add(30 * time.Minute)),
		"refund_version":  json.Number(strconv.FormatInt(created.Add(30*time.Minute).UnixMilli()+int64(i), 10)),
		"refund_phase":    "aftersale",
		"cs_status":       1,
		"buyer_nick":      fmt.Sprintf("bench买家%05d", i),
		"refund_remind_timeout": map[string]any{
			"exist_timeout": true, "remind_type": 2,
			"timeout": topTime(now.Add(72*time.Hour + time.Duration(rng.Int64N(int64(96*time.Hour))))),
		},
		"sandbox_buyer_ships": false,
	}
}

// changed returns what the benchmark writes to a sandbox for a change of
// kind made at at: for an edit the changed case (with the given
// refund_version); for a ship the unchanged case with the knob that lets
// the simulated buyer ship, which the sandbox then moves (see applyChange).
func changed(seed map[string]any, kind string, at time.Time, version int64) map[string]any {
	c := maps.Clone(seed)
	if kind == ChangeShip {
		c["sandbox_buyer_ships"] = true
		return c
	}
	c["modified"] = topTime(at)
	c["refund_version"] = json.Number(strconv.FormatInt(version, 10))
	c["refund_remind_timeout"] = map[string]any{
		"exist_timeout": true, "remind_type": 2, "timeout": topTime(at.Add(7 * 24 * time.Hour)),
	}
	return c
}

// buyerShipAfter is the sandboxes' BuyerShipAfter: a buyer allowed to ship
// ships at once.
const buyerShipAfter = time.Millisecond

// tickShop is a shop with no cases: listing it makes a sandbox apply every
// move due by now (moves are evaluated lazily, on requests) and costs no
// platform call.
const tickShop = "bench-tick"

// applyChange writes a change to sb. A ship is made by the sandbox itself:
// the buyer may ship from now, and once buyerShipAfter has passed the
// sandbox is ticked, so the move (and its TMC message) happens now rather
// than at the next request that happens to arrive.
func applyChange(sb *sandbox.Sandbox, kind string, native map[string]any) error {
	if err := sb.PutCase(sandbox.PlatformTaobao, Shop, native); err != nil {
		return err
	}
	if kind == ChangeShip {
		time.Sleep(2 * buyerShipAfter)
		sb.Cases(sandbox.PlatformTaobao, tickShop)
	}
	return nil
}

// Change is one scheduled change: case Case changes At after the start of
// the simulated hour.
type Change struct {
	At   time.Duration
	Case int
}

// ChangeCount is how many of n open cases change in one simulated hour.
func ChangeCount(n int, rate float64) int {
	return min(n, int(math.Round(float64(n)*rate)))
}

// Schedule picks ChangeCount(n, rate) distinct cases at random and spreads
// their changes uniformly over hour: change i falls at a random point of
// the i-th of equal slots. The result is sorted by At and depends only on
// its arguments.
func Schedule(n int, rate float64, hour time.Duration, seed uint64) []Change {
	k := ChangeCount(n, rate)
	if k <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0xc4a93))
	cases := rng.Perm(n)[:k]
	slot := float64(hour) / float64(k)
	out := make([]Change, k)
	for i := range k {
		out[i] = Change{At: time.Duration(slot * (float64(i) + rng.Float64())), Case: cases[i]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// sample picks k of n case indexes at random (all of them when k >= n),
// in index order.
func sample(n, k int, seed uint64) []int {
	if k >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a3b1e))
	out := rng.Perm(n)[:k]
	sort.Ints(out)
	return out
}
