package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

// managedPrefixes are the schedule IDs this worker owns; others are left alone.
var managedPrefixes = []string{"sync/", "tmc/"}

type schedule struct {
	every    time.Duration
	workflow any
	input    any
}

// wantedSchedules is one sync schedule per configured shop, plus a TMC
// consumer for each TOP shop that receives messages.
func wantedSchedules(cfg config.Config) map[string]schedule {
	want := map[string]schedule{}
	for _, s := range cfg.Shops {
		want[workflows.ShopSyncWorkflowID(s.Platform, s.Shop)] = schedule{cfg.Sync.Interval, workflows.ShopSyncWorkflow,
			workflows.ShopSyncInput{Platform: s.Platform, Shop: s.Shop, Overlap: cfg.Sync.Overlap, Lookback: cfg.Sync.Lookback}}
		if s.Platform == platforms.Taobao && s.Messages {
			want[workflows.TOPMessagesWorkflowID(s.Shop)] = schedule{cfg.Sync.MessagesInterval, workflows.TOPMessagesWorkflow,
				activities.TOPMessagesInput{Shop: s.Shop}}
		}
	}
	return want
}

// EnsureSchedules creates or updates the schedules the config asks for and
// deletes the ones of shops no longer configured.
func EnsureSchedules(ctx context.Context, c client.Client, cfg config.Config) error {
	want := wantedSchedules(cfg)
	sc := c.ScheduleClient()
	for id, s := range want {
		spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.every}}}
		action := &client.ScheduleWorkflowAction{
			ID:        id,
			Workflow:  s.workflow,
			Args:      []any{s.input},
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
		if _, ok := want[entry.ID]; ok || !managed(entry.ID) {
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

func managed(id string) bool {
	for _, p := range managedPrefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}
