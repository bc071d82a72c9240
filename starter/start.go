package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

func cmdStart(ctx context.Context, g global, args []string, out, _ io.Writer) error {
	fs := newFlags("start")
	platform := fs.String("platform", "", "taobao, xiaoe, shopline or xportcn")
	shop := fs.String("shop", "", "shop name as configured in the worker")
	caseID := fs.String("case", "", "platform case id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in := workflows.CaseInput{Platform: platforms.Platform(*platform), Shop: *shop, CaseID: *caseID}
	if err := in.Validate(); err != nil {
		return errors.New("usage: start --platform P --shop S --case ID")
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	id := workflows.CaseWorkflowID(in.Platform, in.Shop, in.CaseID)
	// An empty snapshot asks a running workflow to re-read the case.
	run, err := c.SignalWithStartWorkflow(ctx, id, workflows.SignalSnapshot, platforms.Case{},
		client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}, workflows.CaseWorkflow, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s (run %s)\n", id, run.GetRunID())
	return nil
}
