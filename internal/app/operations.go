package app

import (
	"cmp"
	"fmt"

	"github.com/aftersale/aftersale/budget"
	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/notify"
)

// Budgets maps "platform/shop" to the shop's auto-approval limits.
func Budgets(cfg config.Config) map[string]budget.Limits {
	out := map[string]budget.Limits{}
	for _, s := range cfg.Shops {
		if !s.Budget.Set() {
			continue
		}
		out[string(s.Platform)+"/"+s.Shop] = budget.Limits{
			HourCount: s.Budget.Hour.Count, HourAmount: int64(s.Budget.Hour.Amount),
			DayCount: s.Budget.Day.Count, DayAmount: int64(s.Budget.Day.Amount),
		}
	}
	return out
}

// Webhooks turns the configured webhooks into notification targets; an
// unnamed one is named after its format and place in the list.
func Webhooks(cfg config.Config) []notify.Target {
	var out []notify.Target
	for i, w := range cfg.Notifications.Webhooks {
		t := notify.Target{Name: w.Name, URL: w.Endpoint(), Format: w.Format, Secret: w.SigningSecret()}
		if t.Name == "" {
			t.Name = fmt.Sprintf("%s-%d", cmp.Or(w.Format, config.FormatGeneric), i+1)
		}
		for _, e := range w.Events {
			t.Events = append(t.Events, notify.Event(e))
		}
		out = append(out, t)
	}
	return out
}
