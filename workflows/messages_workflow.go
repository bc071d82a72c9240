package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
)

// TOPMessagesWorkflowID names the TMC consumer schedule of a TOP shop.
func TOPMessagesWorkflowID(shop string) string { return "tmc/taobao/" + shop }

// TOPMessagesWorkflow consumes one batch of TOP's TMC messages for a shop's
// app and turns them into hints for the case workflows. A Schedule runs it
// every few seconds, so changes arrive within seconds with no per-case
// polling.
func TOPMessagesWorkflow(ctx workflow.Context, in activities.TOPMessagesInput) (activities.TOPMessagesResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           activities.PlatformTaskQueue(platforms.Taobao, in.Shop),
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 10 * time.Second, MaximumAttempts: 3},
	})
	var res activities.TOPMessagesResult
	err := workflow.ExecuteActivity(ctx, a.ConsumeTOPMessages, in).Get(ctx, &res)
	return res, err
}
