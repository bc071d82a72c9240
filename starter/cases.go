package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/enums/v1"
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
	v, status, err := fetchView(ctx, c, id, false)
	if err != nil {
		return caseJSON{}, err
	}
	return toJSON(v, status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING), nil
}

// fetchView reads the view of a case workflow's latest run: the state query
// while it runs, its result once completed. A run that ended otherwise
// (terminated, failed, timed out, canceled) has no result: with
// queryClosed, a worker is asked to answer the query from its history
// (that fails if no worker polls); without, the view is empty but for a
// platform status saying how the workflow ended.
func fetchView(ctx context.Context, c client.Client, id string, queryClosed bool) (workflows.CaseView, enums.WorkflowExecutionStatus, error) {
	var v workflows.CaseView
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return v, 0, err
	}
	status := desc.WorkflowExecutionInfo.GetStatus()
	switch {
	case status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING || (queryClosed && status != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED):
		qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		res, err := c.QueryWorkflow(qctx, id, desc.WorkflowExecutionInfo.GetExecution().GetRunId(), workflows.QueryState)
		if err != nil {
			return v, status, err
		}
		if err := res.Get(&v); err != nil {
			return v, status, err
		}
	case status == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, &v); err != nil {
			return v, status, err
		}
	default:
		v.Case.PlatformStatus = "workflow " + statusWord(status)
	}
	if v.WorkflowID == "" {
		v.WorkflowID = id
	}
	return v, status, nil
}

// statusWord is "terminated" for WORKFLOW_EXECUTION_STATUS_TERMINATED.
func statusWord(s enums.WorkflowExecutionStatus) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_"))
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

func cmdCasesShow(ctx context.Context, g global, args []string, out, _ io.Writer) error {
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

func cmdCasesList(ctx context.Context, g global, args []string, out, errOut io.Writer) error {
	fs := newFlags("cases list")
	status := fs.String("status", "", "only this normalized status")
	escalated := fs.Bool("escalated", false, "only running escalated cases, soonest deadline first")
	dueWithin := fs.String("due-within", "", "only running cases whose deadline is within this duration (6h, 1d) or past, soonest first")
	platform := fs.String("platform", "", "only this platform")
	shop := fs.String("shop", "", "only this shop")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	filter := caseFilter{Platform: *platform, Shop: *shop, Status: *status, Escalated: *escalated}
	if *dueWithin != "" {
		d, err := parseDuration(*dueWithin)
		if err != nil {
			return fmt.Errorf("--due-within: %w", err)
		}
		filter.DueBefore = time.Now().Add(d)
	}
	query, err := filter.query()
	if err != nil {
		return err
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ids, err := listIDs(ctx, c, query, errOut, "cases")
	if err != nil {
		return err
	}
	cases := make([]caseJSON, len(ids))
	errs := make([]error, len(ids))
	readCases(ids, errOut, "cases", "read", func(i int, id string) { cases[i], errs[i] = caseView(ctx, c, id) })
	if err := errors.Join(errs...); err != nil {
		return err
	}
	sortCases(cases, *escalated || *dueWithin != "")
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

// sortCases orders by workflow ID, or byDeadline: soonest deadline first,
// cases without one last.
func sortCases(cases []caseJSON, byDeadline bool) {
	sort.SliceStable(cases, func(i, j int) bool {
		a, b := cases[i], cases[j]
		if byDeadline {
			switch {
			case a.Deadline != nil && b.Deadline != nil && !a.Deadline.Equal(*b.Deadline):
				return a.Deadline.Before(*b.Deadline)
			case a.Deadline != nil && b.Deadline == nil:
				return true
			case a.Deadline == nil && b.Deadline != nil:
				return false
			}
		}
		return a.WorkflowID < b.WorkflowID
	})
}

// listIDs lists the workflow IDs the query matches, once each (continue-as-new
// leaves several runs of one case).
func listIDs(ctx context.Context, c client.Client, query string, progress io.Writer, label string) ([]string, error) {
	runs, err := listRuns(ctx, c, query, progress, label)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.WorkflowID] {
			seen[r.WorkflowID] = true
			ids = append(ids, r.WorkflowID)
		}
	}
	return ids, nil
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func formatDeadline(d *time.Time) string {
	if d == nil {
		return "-"
	}
	return d.Local().Format("2006-01-02 15:04")
}
