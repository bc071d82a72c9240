package sandbox

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTMCMessagesAreConsumedConfirmedAndRedelivered(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", map[string]any{"order_status": "WAIT_SELLER_SEND_GOODS"}))
	if got := actOutcome(t, e, "taobao.rp.refunds.agree", map[string]string{"refund_infos": "1|" + fenOf(e, "1") + "|" + getString(e.stored("1"), "refund_version") + "|onsale"}); got != "" {
		t.Fatal(got)
	}

	consume := func() []map[string]any {
		resp := e.ok("taobao.tmc.messages.consume", map[string]string{"quantity": "10"})
		var out []map[string]any
		if msgs, ok := resp["messages"].(map[string]any); ok {
			for _, m := range msgs["tmc_message"].([]any) {
				out = append(out, m.(map[string]any))
			}
		}
		return out
	}
	msgs := consume()
	if len(msgs) != 1 || msgs[0]["topic"] != "taobao_refund_RefundSuccess" || msgs[0]["user_nick"] != testShop ||
		!strings.Contains(msgs[0]["content"].(string), `"refund_id":1`) {
		t.Fatalf("messages = %v", msgs)
	}
	if again := consume(); len(again) != 0 {
		t.Fatalf("a handed-out message came back at once: %v", again)
	}
	e.clock.Add(tmcRedeliverAfter)
	redelivered := consume()
	if len(redelivered) != 1 {
		t.Fatalf("an unconfirmed message was not redelivered: %v", redelivered)
	}
	e.ok("taobao.tmc.messages.confirm", map[string]string{"s_message_ids": getString(redelivered[0], "id")})
	e.clock.Add(time.Hour)
	if left := consume(); len(left) != 0 || e.sb.TMCBacklog() != 0 {
		t.Fatalf("a confirmed message came back: %v", left)
	}
	if resp := e.call("taobao.tmc.messages.consume", map[string]string{"quantity": "500"}); resp["error_response"] == nil {
		t.Fatalf("quantity 500 accepted: %v", resp)
	}
}

func fenOf(e *env, id string) string {
	fen, err := parseFen(getString(e.stored(id), "refund_fee"))
	if err != nil {
		e.t.Fatal(err)
	}
	return strconv.FormatInt(fen, 10)
}
