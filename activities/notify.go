package activities

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/notify"
)

// NotifyInput is one notice for one webhook. The workflow posts to each
// webhook in its own activity, so a retry never repeats a message another
// webhook already received.
type NotifyInput struct {
	Target string        `json:"target"`
	Notice notify.Notice `json:"notice"`
}

// NotifyTargets names the configured webhooks that want an event.
func (a *Activities) NotifyTargets(ctx context.Context, e notify.Event) ([]string, error) {
	var names []string
	for _, t := range a.Webhooks {
		if t.Wants(e) {
			names = append(names, t.Name)
		}
	}
	return names, nil
}

// Notify posts a notice to one webhook. Temporal retries what may pass
// later (timeouts, 5xx, rate limits); a refusal that will not change (a
// revoked robot token, a malformed URL) is logged and not retried.
func (a *Activities) Notify(ctx context.Context, in NotifyInput) error {
	var target *notify.Target
	for i := range a.Webhooks {
		if a.Webhooks[i].Name == in.Target {
			target = &a.Webhooks[i]
		}
	}
	if target == nil {
		a.log().Warn("notification dropped: webhook no longer configured", "webhook", in.Target, "case", in.Notice.WorkflowID)
		return nil
	}
	n := in.Notice
	if a.InboxURL != "" {
		n.InboxURL = InboxLink(a.InboxURL, n.WorkflowID)
	}
	sender := a.Notifier
	if sender == nil {
		sender = &notify.Sender{}
	}
	err := sender.Send(ctx, *target, n)
	var de *notify.DeliveryError
	if errors.As(err, &de) && de.Permanent {
		a.log().Error("webhook refused the notification", "webhook", target.Name, "case", n.WorkflowID, "err", de.Error())
		return temporal.NewNonRetryableApplicationError(de.Error(), "NotificationRefused", nil)
	}
	if err == nil {
		a.log().Info("notification sent", "webhook", target.Name, "event", n.Event, "case", n.WorkflowID)
	}
	return err
}

// InboxLink is the inbox page of one case.
func InboxLink(base, workflowID string) string {
	return strings.TrimRight(base, "/") + "/case?id=" + url.QueryEscape(workflowID)
}
