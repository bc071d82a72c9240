package app

import (
	"context"
	"errors"
	"strings"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/workflows"
)

const syncSchedulePrefix = "sync/"

// EnsureSchedules creates or updates one sync schedule per configured shop
// and deletes the schedules of shops no longer configured.
func EnsureSchedules(ctx context.Context, c client.Client, cfg config.Config) error {
	want := map[string]workflows.ShopSyncInput{}
	for _, s := range cfg.Shops {
		want[workflows.ShopSyncWorkflowID(s.Platform, s.Shop)] = workflows.ShopSyncInput{
			Platform: s.Platform, Shop: s.Shop, Overlap: cfg.Sync.Overlap, Lookback: cfg.Sync.Lookback,
		}
	}
	sc := c.ScheduleClient()
	for id, in := range want {
		spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: cfg.Sync.Interval}}}
		action := &client.ScheduleWorkflowAction{
			ID:        id,
			Workflow:  workflows.ShopSyncWorkflow,
			Args:      []any{in},
			TaskQueue: workflows.TaskQueue,
		}
		_, err := sc.Create(ctx, client.ScheduleOptions{
			ID:                 id,
			Spec:               spec,
			Action:             action,
			Overlap:            enums.SCHEDULE_OVERLAP_POLICY_SKIP,
			TriggerImmediately: true,
		})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			err = sc.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
				DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
					s := in.Description.Schedule
					s.Spec = &spec
					s.Action = action
					return &client.ScheduleUpdate{Schedule: &s}, nil
				},
			})
		}
		if err != nil {
			return err
		}
	}
	iter, err := sc.List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return err
	}
	for iter.HasNext() {
		entry, err := iter.Next()
		if err != nil {
			return err
		}
		if _, ok := want[entry.ID]; ok || !strings.HasPrefix(entry.ID, syncSchedulePrefix) {
			continue
		}
		err = sc.GetHandle(ctx, entry.ID).Delete(ctx)
		var notFound *serviceerror.NotFound
		if err != nil && !errors.As(err, &notFound) {
			return err
		}
	}
	return nil
}
