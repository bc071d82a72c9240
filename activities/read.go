package activities

import (
	"context"

	"github.com/aftersale/aftersale/platforms"
)

// CaseRef names one case on one platform.
type CaseRef struct {
	Platform platforms.Platform `json:"platform"`
	Shop     string             `json:"shop"`
	CaseID   string             `json:"case_id"`
}

// ReadCase reads a case fresh from its platform.
func (a *Activities) ReadCase(ctx context.Context, ref CaseRef) (platforms.Case, error) {
	c, err := a.Clients.Client(ref.Platform, ref.Shop)
	if err != nil {
		return platforms.Case{}, temporalError(err)
	}
	got, err := c.Get(ctx, ref.CaseID)
	if err != nil {
		a.log().Warn("read case failed", "platform", ref.Platform, "shop", ref.Shop, "case", ref.CaseID, "err", err)
		return platforms.Case{}, temporalError(err)
	}
	return got, nil
}
