package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
)

// Names shared with the workflows package (which imports this one).
const (
	TaskQueue          = "aftersale"
	CaseWorkflowName   = "CaseWorkflow"
	SignalSnapshotName = "snapshot"
)

// PlatformTaskQueue is the task queue of the activities that call one shop's
// platform API. Every worker polls it with the same
// TaskQueueActivitiesPerSecond, which the Temporal server enforces across all
// workers together: that is how no worker pushes a platform past its limit.
func PlatformTaskQueue(p platforms.Platform, shop string) string {
	return TaskQueue + "-" + string(p) + "-" + shop
}

// CallsPerActivity is the most platform calls one activity makes (Act reads,
// acts and reads again); activity rates are platform call rates divided by it.
const CallsPerActivity = 3

// SyncRange is one shop's modified-time window to list.
type SyncRange struct {
	Platform platforms.Platform `json:"platform"`
	Shop     string             `json:"shop"`
	From     time.Time          `json:"from"`
	To       time.Time          `json:"to"`
}

// SyncResult is what one sync run saw. Watermark is where the next run starts.
type SyncResult struct {
	Watermark time.Time `json:"watermark"`
	Pages     int       `json:"pages"`
	Seen      int       `json:"seen"`
	Signalled int       `json:"signalled"`
}

// SyncPage is one page of a sync run.
type SyncPage struct {
	SyncRange
	Page int `json:"page"` // 1-based
}

// SyncPageResult is what one page held.
type SyncPageResult struct {
	Seen      int  `json:"seen"`
	Signalled int  `json:"signalled"`
	HasNext   bool `json:"has_next"`
	Pages     int  `json:"pages,omitempty"` // pages in the window, when the platform counts them
}

// maxSyncPages stops a platform that always says "has next".
const maxSyncPages = 10_000

// SyncShopPage lists one page of the cases modified in the range and signals
// each case workflow, starting it when needed. One page is one platform call,
// so the shop's task-queue rate limit holds; the workflow keeps the page
// count, so a run that fails part-way resumes at the page it stopped on.
func (a *Activities) SyncShopPage(ctx context.Context, in SyncPage) (SyncPageResult, error) {
	client, err := a.Clients.Client(in.Platform, in.Shop)
	if err != nil {
		return SyncPageResult{}, temporalError(err)
	}
	got, err := client.List(ctx, platforms.ListQuery{ModifiedFrom: in.From, ModifiedTo: in.To, Page: in.Page, PageSize: 100})
	if err != nil {
		return SyncPageResult{}, temporalError(err)
	}
	var res SyncPageResult
	for _, c := range got.Cases {
		res.Seen++
		signalled, err := a.signalCase(ctx, c)
		if err != nil {
			return res, err
		}
		if signalled {
			res.Signalled++
		}
	}
	// A page can be empty while later ones are not (Xiaoe filters by whole
	// dates, the client trims to the exact window): follow HasNext.
	res.HasNext = got.HasNext && in.Page < maxSyncPages
	res.Pages = min(got.Pages, maxSyncPages)
	a.log().Debug("shop page synced", "platform", in.Platform, "shop", in.Shop, "page", in.Page,
		"seen", res.Seen, "signalled", res.Signalled)
	return res, nil
}

// signalCase hands a listed case to its workflow.
func (a *Activities) signalCase(ctx context.Context, c platforms.Case) (bool, error) {
	return SignalCase(ctx, a.Temporal, platforms.Hint{Platform: c.Platform, Shop: c.Shop, CaseID: c.ID, Case: &c})
}

// SignalCase hands a hint to the case's workflow; sync and push receivers
// both use it. Open cases (and hints without a snapshot) are
// SignalWithStart-ed, so every source collapses onto one execution; a case
// the platform already finished only signals a workflow that is still
// running. It reports whether a workflow got the signal.
func SignalCase(ctx context.Context, tc client.Client, h platforms.Hint) (bool, error) {
	id := fmt.Sprintf("case/%s/%s/%s", h.Platform, h.Shop, h.CaseID)
	var snapshot platforms.Case // zero: "re-read the case"
	if h.Case != nil {
		snapshot = *h.Case
	}
	if snapshot.Terminal() {
		err := tc.SignalWorkflow(ctx, id, "", SignalSnapshotName, snapshot)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return false, nil
		}
		return err == nil, err
	}
	_, err := tc.SignalWithStartWorkflow(ctx, id, SignalSnapshotName, snapshot, client.StartWorkflowOptions{
		ID:        id,
		TaskQueue: TaskQueue,
		// A case whose workflow completed is finished on the platform: a late
		// hint (TMC and callbacks are unordered) must not start it again.
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	}, CaseWorkflowName, map[string]any{"platform": h.Platform, "shop": h.Shop, "case_id": h.CaseID})
	var done *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &done) {
		return false, nil
	}
	return err == nil, err
}

// WatermarkQuery finds where a shop's sync left off.
type WatermarkQuery struct {
	ScheduleID string        `json:"schedule_id"`
	Lookback   time.Duration `json:"lookback"`
}

// LastWatermark returns the watermark of the newest completed sync run of
// the schedule, so it survives worker restarts without any store of ours.
func (a *Activities) LastWatermark(ctx context.Context, q WatermarkQuery) (time.Time, error) {
	fallback := a.now().Add(-q.Lookback)
	desc, err := a.Temporal.ScheduleClient().GetHandle(ctx, q.ScheduleID).Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fallback, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	recent := desc.Info.RecentActions
	for i := len(recent) - 1; i >= 0; i-- {
		run := recent[i].StartWorkflowResult
		if run == nil {
			continue
		}
		d, err := a.Temporal.DescribeWorkflowExecution(ctx, run.WorkflowID, run.FirstExecutionRunID)
		if err != nil || d.WorkflowExecutionInfo.GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			continue // still running (that is us), or failed: look further back
		}
		var res SyncResult
		if err := a.Temporal.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID).Get(ctx, &res); err != nil {
			continue
		}
		if !res.Watermark.IsZero() {
			return res.Watermark, nil
		}
	}
	return fallback, nil
}
