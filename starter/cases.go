package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

// caseJSON is the CLI's JSON contract (DESIGN §9).
type caseJSON struct {
	WorkflowID     string         `json:"workflow_id"`
	Platform       string         `json:"platform"`
	Shop           string         `json:"shop"`
	CaseID         string         `json:"case_id"`
	Status         string         `json:"status"`
	PlatformStatus string         `json:"platform_status"`
	Amount         int64          `json:"amount"` // minor units
	Currency       string         `json:"currency"`
	Deadline       *time.Time     `json:"deadline"`
	Escalated      bool           `json:"escalated"`
	Escalation     string         `json:"escalation_note,omitempty"`
	Running        bool           `json:"running"`
	Decisions      []decisionJSON `json:"decisions"`
	// Case is the full normalized case, in `cases show --json` only; `rules
	// explain --case` reads it back.
	Case *platforms.Case `json:"case,omitempty"`
}

type decisionJSON struct {
	Rule    string    `json:"rule"`
	Action  string    `json:"action"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Note    string    `json:"note,omitempty"`
	Error   string    `json:"error,omitempty"`
}

func toJSON(v workflows.CaseView, running bool) caseJSON {
	p, shop, id, _ := workflows.ParseCaseWorkflowID(v.WorkflowID)
	out := caseJSON{
		WorkflowID: v.WorkflowID, Platform: string(p), Shop: shop, CaseID: id,
		Status: string(v.Case.Status), PlatformStatus: v.Case.PlatformStatus,
		Amount: v.Case.Amount, Currency: v.Case.Currency,
		Escalated: v.Escalation != nil, Running: running, Decisions: []decisionJSON{},
	}
	if v.Case.Status != "" {
		c := v.Case
		out.Case = &c
	}
	if v.Escalation != nil {
		out.Escalation = v.Escalation.Note
	}
	if !v.Case.Deadline.IsZero() {
		d := v.Case.Deadline
		out.Deadline = &d
	}
	for _, d := range v.Decisions {
		out.Decisions = append(out.Decisions, decisionJSON{Rule: d.Rule, Action: string(d.Action), Actor: d.Actor,
			At: d.At, Outcome: d.Outcome, Note: d.Note, Error: d.Error})
	}
	return out
}

// caseView reads a case workflow's view: the query while it runs, the result once closed.
func caseView(ctx context.Context, c client.Client, id string) (caseJSON, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return caseJSON{}, err
	}
	var v workflows.CaseView
	status := desc.WorkflowExecutionInfo.GetStatus()
	switch status {
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
		res, err := c.QueryWorkflow(ctx, id, "", workflows.QueryState)
		if err != nil {
			return caseJSON{}, err
		}
		if err := res.Get(&v); err != nil {
			return caseJSON{}, err
		}
	case enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, &v); err != nil {
			return caseJSON{}, err
		}
	default:
		v.WorkflowID = id
		v.Case.PlatformStatus = "workflow " + strings.ToLower(strings.TrimPrefix(status.String(), "WORKFLOW_EXECUTION_STATUS_"))
	}
	if v.WorkflowID == "" {
		v.WorkflowID = id
	}
	return toJSON(v, status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING), nil
}

// resolveID accepts a workflow ID or platform/shop/case-id.
func resolveID(arg string) (string, error) {
	if _, _, _, err := workflows.ParseCaseWorkflowID(arg); err == nil {
		return arg, nil
	}
	parts := strings.SplitN(arg, "/", 3)
	if len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "" {
		return workflows.CaseWorkflowID(platforms.Platform(parts[0]), parts[1], parts[2]), nil
	}
	return "", fmt.Errorf("%q: give a workflow ID (case/<platform>/<shop>/<id>) or <platform>/<shop>/<id>", arg)
}

func cmdCasesShow(ctx context.Context, g global, args []string, out io.Writer) error {
	fs := newFlags("cases show")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: cases show ID [--json]")
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
	v, err := caseView(ctx, c, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, v)
	}
	fmt.Fprintf(out, "%s\n  status     %s (%s)\n  amount     %s %s\n  deadline   %s\n  escalated  %v %s\n  decisions:\n",
		v.WorkflowID, v.Status, v.PlatformStatus, formatMinor(v.Amount, v.Currency), v.Currency,
		formatDeadline(v.Deadline), v.Escalated, v.Escalation)
	for _, d := range v.Decisions {
		fmt.Fprintf(out, "    %s  %-15s %-9s by %-12s rule %s", d.At.Format(time.DateTime), d.Action, d.Outcome, d.Actor, d.Rule)
		if d.Note != "" {
			fmt.Fprintf(out, "  — %s", d.Note)
		}
		if d.Error != "" {
			fmt.Fprintf(out, "  error: %s", d.Error)
		}
		fmt.Fprintln(out)
	}
	return nil
}

func cmdCasesList(ctx context.Context, g global, args []string, out io.Writer) error {
	fs := newFlags("cases list")
	status := fs.String("status", "", "only this normalized status")
	escalated := fs.Bool("escalated", false, "only escalated cases")
	platform := fs.String("platform", "", "only this platform")
	shop := fs.String("shop", "", "only this shop")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q := []string{"WorkflowType = 'CaseWorkflow'"}
	for name, v := range map[string]string{"AfterSaleStatus": *status, "AfterSalePlatform": *platform, "AfterSaleShop": *shop} {
		if v != "" {
			q = append(q, fmt.Sprintf("%s = '%s'", name, strings.ReplaceAll(v, "'", "")))
		}
	}
	if *escalated {
		q = append(q, "AfterSaleEscalated = true")
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ids, err := listIDs(ctx, c, strings.Join(q, " AND "))
	if err != nil {
		return err
	}
	cases := make([]caseJSON, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cases[i], errs[i] = caseView(ctx, c, id)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].WorkflowID < cases[j].WorkflowID })
	for i := range cases {
		cases[i].Case = nil // the list stays a list; `cases show --json` has the whole case
	}
	if *asJSON {
		return writeJSON(out, cases)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKFLOW\tSTATUS\tAMOUNT\tDEADLINE\tESCALATED\tLAST DECISION")
	for _, v := range cases {
		last := "-"
		if n := len(v.Decisions); n > 0 {
			d := v.Decisions[n-1]
			last = fmt.Sprintf("%s %s (%s)", d.Action, d.Outcome, d.Rule)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%v\t%s\n", v.WorkflowID, v.Status, formatMinor(v.Amount, v.Currency), v.Currency,
			formatDeadline(v.Deadline), v.Escalated, last)
	}
	return tw.Flush()
}

func listIDs(ctx context.Context, c client.Client, query string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 500})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.Executions {
			id := e.GetExecution().GetWorkflowId()
			if !seen[id] { // continue-as-new leaves several runs of one case
				seen[id] = true
				ids = append(ids, id)
			}
		}
		token = resp.NextPageToken
		if len(token) == 0 {
			return ids, nil
		}
	}
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func formatMinor(minor int64, currency string) string {
	if currency == "JPY" || currency == "KRW" {
		return fmt.Sprint(minor)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

func formatDeadline(d *time.Time) string {
	if d == nil {
		return "-"
	}
	return d.Local().Format("2006-01-02 15:04")
}
