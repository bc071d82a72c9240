package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
)

// ShopSyncInput names the shop a scheduled sync run covers.
type ShopSyncInput struct {
	Platform platforms.Platform `json:"platform"`
	Shop     string             `json:"shop"`
	// Overlap re-reads a little before the watermark: platforms stamp
	// "modified" before their list index shows the change.
	Overlap time.Duration `json:"overlap"`
	// Lookback is how far back the very first run of a shop looks.
	Lookback time.Duration `json:"lookback"`
}

// ShopSyncResult is kept in history; the next run reads its watermark from it.
type ShopSyncResult = activities.SyncResult

// ShopSyncWorkflow lists the cases modified since the previous run's
// watermark and hands each to its case workflow. A Temporal Schedule starts
// it per shop, so API calls follow changed cases, not open ones.
func ShopSyncWorkflow(ctx workflow.Context, in ShopSyncInput) (ShopSyncResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
	})
	var since time.Time
	err := workflow.ExecuteActivity(ctx, a.LastWatermark, activities.WatermarkQuery{
		ScheduleID: ShopSyncWorkflowID(in.Platform, in.Shop),
		Lookback:   in.Lookback,
	}).Get(ctx, &since)
	if err != nil {
		return ShopSyncResult{}, err
	}

	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           activities.PlatformTaskQueue(in.Platform, in.Shop),
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute, MaximumAttempts: 10},
	})
	res := ShopSyncResult{Watermark: workflow.Now(ctx)}
	r := activities.SyncRange{Platform: in.Platform, Shop: in.Shop, From: since.Add(-in.Overlap), To: res.Watermark}
	sync := func(page int) (activities.SyncPageResult, error) {
		var got activities.SyncPageResult
		err := workflow.ExecuteActivity(ctx, a.SyncShopPage, activities.SyncPage{SyncRange: r, Page: page}).Get(ctx, &got)
		if err == nil {
			res.Pages, res.Seen, res.Signalled = res.Pages+1, res.Seen+got.Seen, res.Signalled+got.Signalled
		}
		// On error the watermark does not move: the next run re-lists this window.
		return got, err
	}
	first, err := sync(1)
	if err != nil {
		return res, err
	}
	// Cases handed on from one page get acted on while later pages are read;
	// their modified time then leaves the window and every case behind them
	// moves up. Walking a counted window from its last page to its first
	// (page 1 again at the end) sees every case that stays in it: nothing
	// enters a window that ends in the past, so a case's page p(t) only
	// falls, and p <= n when page n is read. Reading pages n, n-1, ..., 1,
	// p(when k is read) - k starts <= 0, ends >= 0 and grows by at most 1
	// per step, so for some k it is 0: the case is on the page being read.
	if workflow.GetVersion(ctx, "sync-pages-backwards", workflow.DefaultVersion, 1) == 1 && first.Pages > 1 {
		for page := first.Pages; page >= 1; page-- {
			if _, err := sync(page); err != nil {
				return res, err
			}
		}
		return res, nil
	}
	// Uncounted lists can only be walked forwards.
	for page, got := 2, first; got.HasNext; page++ {
		if got, err = sync(page); err != nil {
			return res, err
		}
	}
	return res, nil
}
