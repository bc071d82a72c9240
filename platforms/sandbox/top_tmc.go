package sandbox

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TMC, TOP's message service, over its HTTP API: taobao.tmc.messages.consume
// hands out up to `quantity` messages, taobao.tmc.messages.confirm removes
// them; a message handed out and not confirmed is handed out again after
// tmcRedeliverAfter, as TMC redelivers unconfirmed messages. The sandbox
// keeps one queue for every app (a simplification: real TMC queues are per
// app and group, holding the messages of the sellers who authorized it).
const tmcRedeliverAfter = 30 * time.Second

// Topics by the status a refund moved to (tmc.js types/taobao.d.ts).
var tmcRefundTopics = map[string]string{
	topWaitSellerAgree:   "taobao_refund_RefundCreated",
	topWaitBuyerReturn:   "taobao_refund_RefundSellerAgreeAgreement",
	topWaitSellerConfirm: "taobao_refund_RefundBuyerReturnGoods",
	topSellerRefused:     "taobao_refund_RefundSellerRefuseAgreement",
	topSuccess:           "taobao_refund_RefundSuccess",
	topClosed:            "taobao_refund_RefundClosed",
}

type tmcMessage struct {
	id       int64
	topic    string
	content  string
	pubTime  time.Time
	userNick string
	handedAt time.Time // zero: never handed out
}

type tmcQueue struct {
	mu     sync.Mutex
	nextID int64
	queue  []*tmcMessage
}

// publish queues the message TMC sends when a refund moves. Called with the
// store lock held; the queue has its own.
func (t *topSim) publishRefund(r *record, at time.Time) {
	topic, ok := tmcRefundTopics[getString(r.native, "status")]
	if !ok {
		return
	}
	body := map[string]any{
		"refund_id": r.native["refund_id"], "tid": r.native["tid"], "oid": r.native["oid"],
		"refund_fee": r.native["refund_fee"], "refund_phase": r.native["refund_phase"],
		"bill_type": "refund_bill", "seller_nick": r.shop, "buyer_nick": r.native["buyer_nick"],
		"modified": r.native["modified"],
	}
	if getBool(r.native, "has_good_return") {
		body["bill_type"] = "return_bill"
	}
	content, _ := json.Marshal(body)
	q := &t.tmc
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextID++
	q.queue = append(q.queue, &tmcMessage{id: q.nextID, topic: topic, content: string(content), pubTime: at, userNick: r.shop})
}

func (t *topSim) tmcConsume(c *topCall) (map[string]any, *topError) {
	n := 100
	if v := c.params.Get("quantity"); v != "" {
		q, err := strconv.Atoi(v)
		if err != nil || q < 10 || q > 200 {
			return nil, errInvalidArg("quantity", "quantity must be 10 to 200")
		}
		n = q
	}
	// The platform moves cases on its own (deadlines, buyers); the sandbox
	// applies those moves lazily, so apply them now: they publish messages.
	now := t.s.touch()
	t.s.mu.Unlock()
	q := &t.tmc
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []any
	for _, m := range q.queue {
		if len(out) == n {
			break
		}
		if !m.handedAt.IsZero() && now.Sub(m.handedAt) < tmcRedeliverAfter {
			continue
		}
		m.handedAt = now
		out = append(out, map[string]any{
			"id": json.Number(strconv.FormatInt(m.id, 10)), "topic": m.topic, "content": m.content,
			"pub_time": topTime(m.pubTime), "user_nick": m.userNick, "pub_app_key": "12497914",
		})
	}
	resp := map[string]any{}
	if len(out) > 0 {
		resp["messages"] = map[string]any{"tmc_message": out}
	}
	return resp, nil
}

func (t *topSim) tmcConfirm(c *topCall) (map[string]any, *topError) {
	ids := map[int64]bool{}
	for _, s := range strings.Split(c.params.Get("s_message_ids"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errInvalidArg("s_message_ids", "ids must be numbers")
		}
		ids[id] = true
	}
	if len(ids) == 0 || len(ids) > 200 {
		return nil, errInvalidArg("s_message_ids", "give 1 to 200 message ids")
	}
	q := &t.tmc
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.queue[:0]
	for _, m := range q.queue {
		if !ids[m.id] {
			kept = append(kept, m)
		}
	}
	q.queue = kept
	return map[string]any{"is_success": true}, nil
}

// TMCBacklog is how many messages wait to be consumed or confirmed.
func (s *Sandbox) TMCBacklog() int {
	t := s.sims[PlatformTaobao].(*topSim)
	t.tmc.mu.Lock()
	defer t.tmc.mu.Unlock()
	return len(t.tmc.queue)
}
