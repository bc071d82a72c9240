package workflows

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
)

func TestShopSyncPagesOrder(t *testing.T) {
	for _, tt := range []struct {
		name  string
		pages int  // what the platform counts, 0: not counted
		more  bool // uncounted: page 1 and 2 say has_next
		want  []int
	}{
		{"one page", 1, false, []int{1}},
		// Counted: backwards, page 1 again last, so no case that stays in
		// the window can slip between pages while earlier ones are acted on.
		{"counted", 3, false, []int{1, 3, 2, 1}},
		{"uncounted", 0, true, []int{1, 2, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			env.RegisterWorkflow(ShopSyncWorkflow)
			env.OnActivity(a.LastWatermark, mock.Anything, mock.Anything).Return(env.Now().Add(-time.Hour), nil)
			var got []int
			env.OnActivity(a.SyncShopPage, mock.Anything, mock.Anything).Return(
				func(_ context.Context, in activities.SyncPage) (activities.SyncPageResult, error) {
					got = append(got, in.Page)
					return activities.SyncPageResult{Seen: 1, Pages: tt.pages, HasNext: tt.more && in.Page < 3}, nil
				})
			env.ExecuteWorkflow(ShopSyncWorkflow, ShopSyncInput{Platform: platforms.Taobao, Shop: "s1", Overlap: time.Minute})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var res ShopSyncResult
			env.GetWorkflowResult(&res)
			if !slices.Equal(got, tt.want) || res.Pages != len(tt.want) || res.Seen != len(tt.want) {
				t.Fatalf("pages read %v (result %+v), want %v", got, res, tt.want)
			}
		})
	}
}
