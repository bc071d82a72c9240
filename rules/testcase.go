package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"gopkg.in/yaml.v3"
)

// DefaultTestNow is the evaluation time of a rule-file test without `now:`,
// fixed so that tests do not depend on the wall clock.
const DefaultTestNow = "2026-01-01T12:00:00+08:00"

// caseKeys are the keys a test's `case:` may set, named as in expressions.
var caseKeys = []string{
	"platform", "shop", "case_id", "order_id", "kind", "role", "status", "platform_status",
	"amount", "amount_minor", "currency", "reason", "reason_id", "goods_status", "flags",
	"items", "deadline", "hours_left",
}

// maxTestItems bounds a test case's items: rules only see their number.
const maxTestItems = 10000

func (d *decoder) test(n *yaml.Node, f *File) *Test {
	t := &Test{Line: n.Line}
	var caseNode *yaml.Node
	d.mapping(n, "a test", testKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			t.Name, _ = d.str(v, key)
		case "case":
			caseNode = v
		case "now":
			t.Now = d.time(v, key)
		case "expect":
			d.mapping(v, "expect", wantKeys, func(key string, k, v *yaml.Node) {
				switch key {
				case "action":
					t.Expect.Action = d.action(v, "expect.action")
				case "rule":
					t.Expect.Rule, _ = d.str(v, "expect.rule")
					if id := t.Expect.Rule; id != DefaultRuleID && !slices.ContainsFunc(f.Rules, func(r *Rule) bool { return r.ID == id }) {
						d.errorf(v, "expect.rule: no rule %q in this file (nor %q)", id, DefaultRuleID)
					}
				}
			})
		}
	})
	if n.Kind != yaml.MappingNode {
		return nil
	}
	if t.Name == "" {
		t.Name = fmt.Sprintf("test at line %d", n.Line)
	}
	if t.Expect == (Expect{}) {
		d.errorf(n, "test %q needs expect: {action: ..., rule: ...}", t.Name)
	}
	if t.Now.IsZero() {
		t.Now, _ = time.Parse(time.RFC3339, DefaultTestNow)
	}
	t.Case = d.testCase(firstNode(caseNode, n), f, t.Now)
	return t
}

// testCase builds the Case a test describes with env names and major-unit
// amounts, filling what it leaves out from the file.
func (d *decoder) testCase(n *yaml.Node, f *File, now time.Time) platforms.Case {
	c := platforms.Case{
		Platform: platforms.Platform(f.Platform),
		Shop:     testShop(f),
		ID:       "test",
		Role:     platforms.RoleSeller,
		Currency: "CNY",
	}
	if f.Platform == AnyPlatform || f.Platform == "" {
		c.Platform = platforms.Taobao
	}
	var amount, amountMinor, hoursLeft, deadline *yaml.Node
	d.mapping(n, "case", caseKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "platform":
			c.Platform = platforms.Platform(d.platform(v))
		case "shop":
			c.Shop, _ = d.str(v, key)
		case "case_id":
			c.ID, _ = d.str(v, key)
		case "order_id":
			c.OrderID, _ = d.str(v, key)
		case "kind":
			c.Kind = platforms.Kind(d.oneOf(v, key, "refund", "return", "exchange"))
		case "role":
			c.Role = platforms.Role(d.oneOf(v, key, "seller", "buyer", "platform"))
		case "status":
			c.Status = platforms.Status(d.oneOf(v, key, statusNames()...))
		case "platform_status":
			c.PlatformStatus, _ = d.str(v, key)
		case "amount":
			amount = v
		case "amount_minor":
			amountMinor = v
			c.Amount = int64(d.int(v, key))
		case "currency":
			c.Currency, _ = d.str(v, key)
		case "reason":
			c.Reason, _ = d.str(v, key)
		case "reason_id":
			c.ReasonID = int64(d.int(v, key))
		case "goods_status":
			c.GoodsStatus = platforms.GoodsStatus(d.oneOf(v, key, "not_shipped", "shipped", "received", "returned", "unknown"))
		case "flags":
			c.Flags = []string{}
			d.sequence(v, key, func(v *yaml.Node) {
				s, _ := d.str(v, key)
				c.Flags = append(c.Flags, s)
			})
		case "items":
			n := d.int(v, key)
			if n > maxTestItems { // a typo must not make Load allocate without bound
				d.errorf(v, "items must be at most %d, not %d", maxTestItems, n)
				n = 0
			}
			for range n {
				c.Items = append(c.Items, platforms.Item{Quantity: 1})
			}
		case "deadline":
			deadline = v
			c.Deadline = d.time(v, key)
		case "hours_left":
			hoursLeft = v
			if s, ok := d.str(v, key); ok {
				h, err := strconv.ParseFloat(s, 64)
				if err != nil {
					d.errorf(v, "hours_left must be a number, not %q", s)
				}
				c.Deadline = now.Add(time.Duration(h * float64(time.Hour)))
			}
		}
	})
	if amount != nil {
		if amountMinor != nil {
			d.errorf(amount, "set amount or amount_minor, not both")
		}
		if s, ok := d.str(amount, "amount"); ok {
			m, err := Minor(s, c.Currency)
			if err != nil {
				d.errorf(amount, "%v", err)
			}
			c.Amount = m
		}
	}
	if hoursLeft != nil && deadline != nil {
		d.errorf(hoursLeft, "set deadline or hours_left, not both")
	}
	return c
}

// testShop is the shop of a test case that names none: the file's first shop
// if it is a plain name, else "test".
func testShop(f *File) string {
	if len(f.Shops) > 0 && !strings.ContainsAny(f.Shops[0], `*?[\`) {
		return f.Shops[0]
	}
	return "test"
}

func (d *decoder) oneOf(n *yaml.Node, what string, values ...string) string {
	s, ok := d.str(n, what)
	if ok && !slices.Contains(values, s) {
		d.errorf(n, "unknown %s %q (want one of %s)", what, s, strings.Join(values, ", "))
	}
	return s
}

func (d *decoder) int(n *yaml.Node, what string) int {
	s, ok := d.str(n, what)
	if !ok {
		return 0
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		d.errorf(n, "%s must be an integer, not %q", what, s)
	}
	return i
}

func (d *decoder) time(n *yaml.Node, what string) time.Time {
	s, ok := d.str(n, what)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d.errorf(n, "%s must be an RFC 3339 time like %s, not %q", what, DefaultTestNow, s)
	}
	return t
}

func statusNames() []string {
	var s []string
	for _, st := range platforms.Statuses {
		s = append(s, string(st))
	}
	return s
}
