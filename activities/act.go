package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/platforms"
)

// ActInput is one recorded decision to carry out.
type ActInput struct {
	Case   platforms.Case    `json:"case"` // the snapshot the decision was made on
	Key    string            `json:"key"`  // the decision's idempotency key
	Action platforms.Action  `json:"action"`
	Params map[string]string `json:"params,omitempty"`
	Amount int64             `json:"amount,omitempty"`
}

// Act outcomes.
const (
	ActDone  = "done"  // the platform accepted the action
	ActMoved = "moved" // the case moved on the platform first: nothing was sent
)

// ActOutput is the outcome and the case as the platform shows it afterwards.
type ActOutput struct {
	Outcome string         `json:"outcome"`
	Case    platforms.Case `json:"case"`
	Message string         `json:"message,omitempty"`
}

// Act carries out a decision exactly once. It re-reads the case first: if the
// platform's version or status moved since the decision (another agent, the
// platform's own timeout, or this very activity's earlier attempt whose answer
// was lost), it sends nothing. It never acts at or after the platform deadline.
func (a *Activities) Act(ctx context.Context, in ActInput) (ActOutput, error) {
	client, err := a.Clients.Client(in.Case.Platform, in.Case.Shop)
	if err != nil {
		return ActOutput{}, temporalError(err)
	}
	fresh, err := client.Get(ctx, in.Case.ID)
	if err != nil {
		return ActOutput{}, temporalError(err)
	}
	if fresh.Status != in.Case.Status || fresh.Version != in.Case.Version || fresh.PlatformStatus != in.Case.PlatformStatus {
		a.log().Info("case moved before acting; nothing sent", "case", in.Case.Key(), "key", in.Key,
			"status", fresh.Status, "version", fresh.Version)
		return ActOutput{Outcome: ActMoved, Case: fresh}, nil
	}
	if !fresh.Deadline.IsZero() && !a.now().Before(fresh.Deadline) {
		return ActOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("platform deadline %s has passed; not acting", fresh.Deadline.Format("2006-01-02 15:04:05 MST")),
			ErrTypeDeadlinePassed, nil)
	}
	if !fresh.Allows(in.Action) {
		return ActOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s does not allow %s in status %s", fresh.Platform, in.Action, fresh.PlatformStatus),
			ErrTypeNotAllowed, nil)
	}
	res, err := client.Act(ctx, fresh, platforms.ActRequest{Action: in.Action, Params: in.Params, Amount: in.Amount})
	if err != nil {
		a.log().Warn("action failed", "case", in.Case.Key(), "key", in.Key, "action", in.Action, "err", err)
		return ActOutput{}, temporalError(err)
	}
	a.log().Info("action sent", "case", in.Case.Key(), "key", in.Key, "action", in.Action)
	out := ActOutput{Outcome: ActDone, Case: fresh, Message: res.Message}
	// The answer to an action is thin; read the new state so the workflow
	// decides its next step on facts. A failed read is not a failed action.
	if after, err := client.Get(ctx, in.Case.ID); err == nil {
		out.Case = after
	} else if res.Case != nil {
		out.Case = *res.Case
	}
	return out, nil
}
