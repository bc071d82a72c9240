package platforms

import (
	"context"
	"time"
)

// ListQuery selects the cases modified in [ModifiedFrom, ModifiedTo).
type ListQuery struct {
	ModifiedFrom time.Time
	ModifiedTo   time.Time
	Page         int // 1-based
	PageSize     int
}

// ListPage is one page of cases.
type ListPage struct {
	Cases   []Case
	HasNext bool
	// Pages is how many pages the whole window holds at this page size,
	// when the platform says (0: it does not). Sync walks a counted window
	// from the last page to the first: cases that leave the window while it
	// pages (acted on, so modified moves past it) then shift only pages
	// already read, and none is skipped.
	Pages int
}

// PagesOf is the number of pages of size holding total items; an empty
// window is one (empty) page.
func PagesOf(total, size int) int {
	if size <= 0 || total < 0 {
		return 0
	}
	return max(1, (total+size-1)/size)
}

// ActRequest asks the platform to take one action on one case.
type ActRequest struct {
	Action Action `json:"action"`
	// Params carries action parameters: reason_id, message, address_id,
	// logistics_no… Platform packages document which they read.
	Params map[string]string `json:"params,omitempty"`
	// Amount is the amount to refund in minor units; zero means the case amount.
	Amount int64 `json:"amount,omitempty"`
}

// ActResult is what the platform answered to an action.
type ActResult struct {
	// Case is the state after the action, when the platform returns it.
	Case    *Case  `json:"case,omitempty"`
	Message string `json:"message,omitempty"`
}

// Client talks to one platform on behalf of one shop (one set of credentials).
type Client interface {
	Platform() Platform
	Shop() string
	// List returns the cases modified in the query window, one page at a time.
	List(ctx context.Context, q ListQuery) (ListPage, error)
	// Get reads one case fresh from the platform, including its deadline and
	// the actions the platform allows now.
	Get(ctx context.Context, id string) (Case, error)
	// Act performs a mutating action. It must not be retried blindly by the
	// caller: re-read with Get first, the platform may have applied it.
	Act(ctx context.Context, c Case, req ActRequest) (ActResult, error)
}
