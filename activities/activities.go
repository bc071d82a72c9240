// Package activities holds everything a workflow asks of the outside world:
// reading cases from platforms, evaluating rules, acting, and syncing shops.
// Workflows call these through a nil *Activities, as the Temporal samples do.
package activities

import (
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/budget"
	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/rules"
)

// Activities holds the dependencies of every activity.
type Activities struct {
	Clients  *platforms.Registry
	Rules    *rules.Engine
	Temporal client.Client // used by sync to SignalWithStart case workflows
	// PollInterval is how long a case may go without news before its workflow
	// re-reads it from the platform.
	PollInterval time.Duration
	// ReminderBefore is how long before the deadline an escalated case is
	// announced again; 0: no reminder.
	ReminderBefore time.Duration
	Logger         *slog.Logger
	// Budgets caps automatic approvals per shop ("platform/shop").
	Budgets map[string]budget.Limits
	// Webhooks receive escalation notices; InboxURL is the inbox as people
	// reach it, for links in them.
	Webhooks []notify.Target
	InboxURL string
	Notifier *notify.Sender
	// TOPSellers maps a TOP seller nick to our shop name where they differ.
	TOPSellers map[string]string
	// Now is the activity clock (tests inject one); time.Now by default.
	Now func() time.Time
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Activities) log() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}
