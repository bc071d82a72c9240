package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

// paramFlag collects repeated --param k=v.
type paramFlag map[string]string

func (p paramFlag) String() string { return fmt.Sprint(map[string]string(p)) }
func (p paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("--param wants key=value, got %q", s)
	}
	p[k] = v
	return nil
}

func cmdDecide(ctx context.Context, g global, args []string, out, _ io.Writer) error {
	fs := newFlags("decide")
	action := fs.String("action", "", "agree, refuse, agree_return, confirm_receipt, resend or wait")
	by := fs.String("by", "", "who decides (recorded)")
	note := fs.String("note", "", "why")
	amount := fs.Int64("amount", 0, "partial amount in minor units (default: the whole case)")
	params := paramFlag{}
	fs.Var(params, "param", "action parameter key=value (reason_id, message, address_id...), repeatable")
	asJSON := fs.Bool("json", false, "print the decision as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *action == "" || *by == "" {
		return errors.New("usage: decide ID --action A --by NAME [--note TEXT] [--param k=v]")
	}
	id, err := resolveID(pos[0])
	if err != nil {
		return err
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	req := workflows.DecideRequest{Action: platforms.Action(*action), By: *by, Note: *note, Amount: *amount}
	if len(params) > 0 {
		req.Params = params
	}
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateName:   workflows.UpdateDecide,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	var d workflows.Decision
	if err := handle.Get(ctx, &d); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, d)
	}
	fmt.Fprintf(out, "%s: %s by %s → %s", id, d.Action, d.Actor, d.Outcome)
	if d.Error != "" {
		fmt.Fprintf(out, " (%s)", d.Error)
	}
	fmt.Fprintln(out)
	if d.Outcome == workflows.OutcomeFailed {
		return fmt.Errorf("the platform did not take the decision: %s", d.Error)
	}
	return nil
}
