package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/workflows"
)

func TestEscalationIsAnnouncedThenRemindedBeforeTheDeadline(t *testing.T) {
	shop := shopFor(t)
	const id = "2026112300000000901"
	// The example rules escalate this to a senior agent with no on_deadline
	// action and act 2h before the deadline; the harness reminds 2h10s before.
	deadline := time.Now().Add(2*time.Hour + 20*time.Second).Truncate(time.Second)
	r := newRefund(id, "5999.00", deadline)
	r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
	putCase(t, shop, r)
	wid := startCase(t, shop, id)

	eventually(t, 60*time.Second, "escalated, reminder and lapsed notices", func() bool {
		return len(env.hooks.genericFor(wid)) >= 3 && len(env.hooks.dingtalkFor(shop, id)) >= 3
	})
	time.Sleep(3 * time.Second) // a duplicate would arrive now
	got := env.hooks.genericFor(wid)
	var events []notify.Event
	for _, n := range got {
		events = append(events, n.Notice.Event)
	}
	want := []notify.Event{notify.Escalated, notify.Reminder, notify.Lapsed}
	if len(events) != 3 || events[0] != want[0] || events[1] != want[1] || events[2] != want[2] {
		t.Fatalf("generic notices = %v, want %v once each (the first delivery of each was refused with a 503 and retried)", events, want)
	}
	esc := got[0].Notice
	if esc.Rule != "big-ticket-senior" || esc.Amount != 599900 || esc.Currency != "CNY" || !esc.Deadline.Equal(deadline) ||
		!strings.Contains(esc.Reason, "senior agent") || esc.InboxURL != "http://inbox.test/case?id="+strings.ReplaceAll(wid, "/", "%2F") {
		t.Fatalf("escalation notice = %+v", esc)
	}
	if margin := deadline.Add(-2 * time.Hour); !got[1].At.Before(margin) {
		t.Fatalf("reminder arrived at %s, after deadline - margin %s", got[1].At, margin)
	}
	ding := env.hooks.dingtalkFor(shop, id)
	if len(ding) != 3 || !strings.Contains(ding[0].Text, "5999.00") {
		t.Fatalf("dingtalk messages = %+v, want 3 mentioning the amount", ding)
	}
	if rej := env.hooks.rejections(); len(rej) > 0 {
		t.Fatalf("the receiver rejected signatures: %v", rej)
	}
	if n := len(actions(t, shop)); n != 0 {
		t.Fatalf("%d platform actions; a lapsed escalation without on_deadline must not act", n)
	}
}

// budgetShop has an auto-approval budget of budgetCount agrees per hour in
// the harness.
const (
	budgetShop  = "budget-shop"
	budgetCount = 2
)

func TestBudgetTurnsTheNPlusFirstAutoAgreeIntoAnEscalation(t *testing.T) {
	addShop(t, topClient(budgetShop, sandbox.DefaultTOPAppSecret))
	ids := []string{"2026112300000000911", "2026112300000000912", "2026112300000000913"}
	for _, id := range ids {
		putCase(t, budgetShop, newRefund(id, "15.00", time.Now().Add(48*time.Hour)))
	}
	for _, id := range ids[:budgetCount] {
		v := waitResult(t, startCase(t, budgetShop, id), 30*time.Second)
		if last := v.Decisions[len(v.Decisions)-1]; last.Action != "agree" || last.Outcome != workflows.OutcomeDone {
			t.Fatalf("%s: decisions %+v, want an agree within budget", id, v.Decisions)
		}
	}
	wid := startCase(t, budgetShop, ids[budgetCount])
	eventually(t, 30*time.Second, "the third small refund escalated", func() bool { return query(t, wid).Escalation != nil })
	v := query(t, wid)
	if d := v.Decisions[len(v.Decisions)-1]; d.Action != "escalate" || !strings.Contains(d.Note, "2 of 2 approvals in the last hour") ||
		!strings.Contains(d.Note, "unshipped-small-refund chose agree") {
		t.Fatalf("decision = %+v, want an over-budget escalation saying why", d)
	}
	if got := actions(t, budgetShop); len(got) != budgetCount {
		t.Fatalf("sandbox actions = %+v, want exactly %d agrees", got, budgetCount)
	}
	eventually(t, 30*time.Second, "an over_budget notice", func() bool {
		for _, n := range env.hooks.genericFor(wid) {
			if n.Notice.Event == notify.OverBudget && strings.Contains(n.Notice.Reason, "budget") {
				return true
			}
		}
		return false
	})
	// A human may still approve it: the budget limits the rules, not people.
	d := taobaoExchangeDecide(t, wid, workflows.DecideRequest{Action: "agree", By: "li.lead", Note: "checked"})
	if d.Outcome != workflows.OutcomeDone {
		t.Fatalf("human agree = %+v", d)
	}
	if got := actions(t, budgetShop); len(got) != budgetCount+1 {
		t.Fatalf("sandbox actions = %+v, want %d", got, budgetCount+1)
	}
}
