package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

func TestEvaluate(t *testing.T) {
	rs := mustLoad(t, map[string]string{
		// "*" files sort first by name but are evaluated after platform files.
		"0-all.yaml": `platform: "*"
default: wait
deadline_margin: 1d
rules:
  - id: all-tiny
    when: amount < 1
    then: agree
  - id: all-reason
    when: reason == "wrong size"
    then: resend
  - id: all-xiaoe
    when: platform == "xiaoe"
    then: escalate
    note: from all
`,
		"taobao.yaml": `platform: taobao
shops: ["shop-*", "vip"]
deadline_margin: 30m
rules:
  - id: small
    when: amount <= 200
    then: agree
  - id: also-small
    when: amount <= 100
    then: refuse
  - id: refuse-reason
    when: reason_id == 7
    then: refuse
    reason_id: 3
    params: {refuse_message: "see photos"}
  - id: big
    when: amount > 2000
    then: escalate
    note: needs a senior agent
    on_deadline: agree
default: escalate
`,
		"taobao-shadow.yaml": `platform: taobao
shops: [lab]
mode: shadow
rules:
  - id: lab-small
    when: amount <= 200
    then: agree
  - id: lab-enforced
    when: amount > 5000
    then: agree
    mode: enforce
default: wait
`,
	})
	tests := []struct {
		name   string
		edit   func(c *platforms.Case)
		action platforms.Action
		rule   string
		file   string
		mode   string
		margin time.Duration
	}{
		{"first match wins", func(c *platforms.Case) { c.Amount = 5000 }, platforms.ActionAgree, "small", "taobao.yaml", ModeEnforce, 30 * time.Minute},
		{"platform file before * file", func(c *platforms.Case) { c.Amount = 50 }, platforms.ActionAgree, "small", "taobao.yaml", ModeEnforce, 30 * time.Minute},
		{"rules of * files after", func(c *platforms.Case) { c.Amount = 100000; c.Reason = "wrong size" }, platforms.ActionResend, "all-reason", "0-all.yaml", ModeEnforce, 24 * time.Hour},
		{"only * applies", func(c *platforms.Case) { c.Shop = "other"; c.Amount = 50 }, platforms.ActionAgree, "all-tiny", "0-all.yaml", ModeEnforce, 24 * time.Hour},
		{"default of the first applicable file", func(c *platforms.Case) { c.Amount = 100000 }, platforms.ActionEscalate, "default", "taobao.yaml", ModeEnforce, 30 * time.Minute},
		{"on_deadline and note", func(c *platforms.Case) { c.Amount = 239900 }, platforms.ActionEscalate, "big", "taobao.yaml", ModeEnforce, 30 * time.Minute},
		{"shop glob", func(c *platforms.Case) { c.Shop = "vip"; c.Amount = 100 }, platforms.ActionAgree, "small", "taobao.yaml", ModeEnforce, 30 * time.Minute},
		{"only * applies: its default", func(c *platforms.Case) { c.Shop = "other"; c.Amount = 100000 }, platforms.ActionWait, "default", "0-all.yaml", ModeEnforce, 24 * time.Hour},
		{"other platform", func(c *platforms.Case) { c.Platform = platforms.Xiaoe; c.Amount = 500 }, platforms.ActionEscalate, "all-xiaoe", "0-all.yaml", ModeEnforce, 24 * time.Hour},
		{"shadow file", func(c *platforms.Case) { c.Shop = "lab"; c.Amount = 100 }, platforms.ActionAgree, "lab-small", "taobao-shadow.yaml", ModeShadow, 2 * time.Hour},
		{"shadow file default", func(c *platforms.Case) { c.Shop = "lab"; c.Amount = 100000 }, platforms.ActionWait, "default", "taobao-shadow.yaml", ModeShadow, 2 * time.Hour},
		{"rule enforces in a shadow file", func(c *platforms.Case) { c.Shop = "lab"; c.Amount = 600000 }, platforms.ActionAgree, "lab-enforced", "taobao-shadow.yaml", ModeEnforce, 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := refund(0)
			tt.edit(&c)
			d, err := rs.Evaluate(c, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != tt.action || d.RuleID != tt.rule || d.File != tt.file || d.Mode != tt.mode ||
				d.DeadlineMargin != tt.margin || d.RulesetHash != rs.Hash {
				t.Errorf("got %+v\nwant %s by %s in %s, %s, margin %v", d, tt.action, tt.rule, tt.file, tt.mode, tt.margin)
			}
			if d.Shadow() != (tt.mode == ModeShadow) {
				t.Errorf("Shadow() = %v", d.Shadow())
			}
		})
	}

	t.Run("note, on_deadline, params", func(t *testing.T) {
		d, _ := rs.Evaluate(refund(239900), testNow)
		if d.Note != "needs a senior agent" || d.OnDeadline != platforms.ActionAgree || d.Params != nil {
			t.Errorf("got %+v", d)
		}
		c := refund(300000)
		c.Amount, c.ReasonID = 100000, 7
		d, _ = rs.Evaluate(c, testNow)
		if d.RuleID != "refuse-reason" || d.Params["reason_id"] != "3" || d.Params["refuse_message"] != "see photos" {
			t.Errorf("got %+v", d)
		}
		// The decision's params are a copy.
		d.Params["reason_id"] = "x"
		if d, _ := rs.Evaluate(c, testNow); d.Params["reason_id"] != "3" {
			t.Error("params are shared with the rule")
		}
	})
}

func TestEvaluateNoFileApplies(t *testing.T) {
	rs := mustLoad(t, map[string]string{"a.yaml": "platform: taobao\nshops: [a]\ndefault: agree\n"})
	c := refund(100)
	c.Platform, c.Shop = platforms.Shopline, "s1"
	d, err := rs.Evaluate(c, testNow)
	if err != nil || d.Action != platforms.ActionEscalate || d.Note != "no rules for shopline/s1" ||
		d.RuleID != DefaultRuleID || d.File != "" || d.Mode != ModeEnforce || d.DeadlineMargin != DefaultMargin {
		t.Errorf("got %+v, %v", d, err)
	}
}

func TestEvaluateNilRuleset(t *testing.T) {
	var rs *Ruleset
	d, err := rs.Evaluate(refund(100), testNow)
	if err == nil || d.Action != platforms.ActionEscalate {
		t.Errorf("got %+v, %v", d, err)
	}
}

func TestEvaluateRuntimeError(t *testing.T) {
	rs := mustLoad(t, map[string]string{"a.yaml": `platform: taobao
rules:
  - id: third-flag
    when: flags[2] == "x"
    then: agree
  - id: never-reached
    when: true
    then: agree
`})
	d, err := rs.Evaluate(refund(100), testNow)
	if err != nil || d.Action != platforms.ActionEscalate || d.RuleID != "third-flag" ||
		!strings.Contains(d.Note, "failed to evaluate") || !strings.Contains(d.Note, "index out of range") {
		t.Errorf("got %+v, %v", d, err)
	}
}

func TestSafetyGuards(t *testing.T) {
	rs := mustLoad(t, map[string]string{"a.yaml": `platform: taobao
rules:
  - id: refuse-7
    when: reason_id == 7
    then: refuse
  - id: big
    when: amount > 2000
    then: escalate
    on_deadline: agree
  - id: wait-big-return
    when: amount > 1000
    then: wait
  - id: agree-all
    when: true
    then: agree
`})
	tests := []struct {
		name       string
		edit       func(c *platforms.Case)
		action     platforms.Action
		onDeadline platforms.Action
		note       string
	}{
		{"ok", func(c *platforms.Case) {}, platforms.ActionAgree, "", ""},
		{"unknown status", func(c *platforms.Case) { c.Status, c.PlatformStatus = platforms.StatusUnknown, "NEW_THING" },
			platforms.ActionEscalate, "", `safety: status is unknown (platform status "NEW_THING"); rule agree-all wanted agree`},
		{"invalid status", func(c *platforms.Case) { c.Status = "" },
			platforms.ActionEscalate, "", "safety: status is unknown"},
		{"cs involved", func(c *platforms.Case) { c.Flags = []string{platforms.FlagCSInvolved} },
			platforms.ActionEscalate, "", "safety: platform customer service is involved (cs_involved)"},
		{"must handle on web", func(c *platforms.Case) { c.Flags = []string{"x", platforms.FlagMustHandleOnWeb} },
			platforms.ActionEscalate, "", "must_handle_on_web"},
		{"cannot refuse: refuse", func(c *platforms.Case) { c.Flags = []string{platforms.FlagCannotRefuse}; c.ReasonID = 7 },
			platforms.ActionEscalate, "", "cannot_refuse"},
		{"cannot refuse: agree is fine", func(c *platforms.Case) { c.Flags = []string{platforms.FlagCannotRefuse} },
			platforms.ActionAgree, "", ""},
		{"on_deadline kept", func(c *platforms.Case) { c.Amount = 300000 },
			platforms.ActionEscalate, platforms.ActionAgree, ""},
		{"on_deadline dropped", func(c *platforms.Case) { c.Amount = 300000; c.Flags = []string{platforms.FlagCSInvolved} },
			platforms.ActionEscalate, "", "no automatic agree at the deadline"},
		{"wait is never guarded", func(c *platforms.Case) { c.Amount = 150000; c.Status = platforms.StatusUnknown },
			platforms.ActionWait, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := refund(100)
			tt.edit(&c)
			d, _ := rs.Evaluate(c, testNow)
			if d.Action != tt.action || d.OnDeadline != tt.onDeadline || !strings.Contains(d.Note, tt.note) || (tt.note == "" && d.Note != "") {
				t.Errorf("got %+v\nwant %s, on_deadline %q, note containing %q", d, tt.action, tt.onDeadline, tt.note)
			}
		})
	}
}
