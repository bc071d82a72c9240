package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aftersale/aftersale/workflows"
)

// auditColumns is the header of `audit --format csv`; JSON uses the same names.
var auditColumns = []string{
	"time", "workflow_id", "platform", "shop", "case_id", "seq", "action", "outcome", "actor",
	"rule", "ruleset_hash", "mode", "amount", "currency", "case_status", "note", "error",
}

// auditRow is one decision of one case.
type auditRow struct {
	Time        time.Time `json:"time"` // when it was decided (workflow time), UTC
	WorkflowID  string    `json:"workflow_id"`
	Platform    string    `json:"platform"`
	Shop        string    `json:"shop"`
	CaseID      string    `json:"case_id"`
	Seq         int       `json:"seq"`
	Action      string    `json:"action"`
	Outcome     string    `json:"outcome"`
	Actor       string    `json:"actor"` // "rules", "on_deadline" or the person
	Rule        string    `json:"rule"`
	RulesetHash string    `json:"ruleset_hash"`
	Mode        string    `json:"mode"`
	Amount      int64     `json:"amount"` // what the decision moves, minor units (0 for escalate and wait)
	Currency    string    `json:"currency"`
	CaseStatus  string    `json:"case_status"` // the case's status when it was decided
	Note        string    `json:"note"`
	Error       string    `json:"error"`
}

func (r auditRow) record() []string {
	return []string{
		r.Time.UTC().Format(time.RFC3339Nano), r.WorkflowID, r.Platform, r.Shop, r.CaseID, strconv.Itoa(r.Seq),
		r.Action, r.Outcome, r.Actor, r.Rule, r.RulesetHash, r.Mode, strconv.FormatInt(r.Amount, 10), r.Currency,
		r.CaseStatus, r.Note, r.Error,
	}
}

// auditRows turns a case view into its decisions made at or after since.
func auditRows(v workflows.CaseView, since time.Time) []auditRow {
	p, shop, caseID, _ := workflows.ParseCaseWorkflowID(v.WorkflowID)
	var rows []auditRow
	for _, d := range v.Decisions {
		if d.At.Before(since) {
			continue
		}
		rows = append(rows, auditRow{
			Time: d.At.UTC(), WorkflowID: v.WorkflowID, Platform: string(p), Shop: shop, CaseID: caseID, Seq: d.Seq,
			Action: string(d.Action), Outcome: d.Outcome, Actor: d.Actor, Rule: d.Rule, RulesetHash: d.RulesetHash,
			Mode: d.Mode, Amount: d.Amount, Currency: v.Case.Currency, CaseStatus: string(d.Status),
			Note: d.Note, Error: d.Error,
		})
	}
	return rows
}

// sortAudit orders rows by time, then case, then sequence number.
func sortAudit(rows []auditRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch {
		case !a.Time.Equal(b.Time):
			return a.Time.Before(b.Time)
		case a.WorkflowID != b.WorkflowID:
			return a.WorkflowID < b.WorkflowID
		}
		return a.Seq < b.Seq
	})
}

func writeAuditCSV(w io.Writer, rows []auditRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(auditColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.record()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cmdAudit(ctx context.Context, g global, args []string, out, errOut io.Writer) error {
	fs := newFlags("audit")
	sinceArg := fs.String("since", "", "decisions made since then: 7d, 36h, 90m or an RFC 3339 time")
	format := fs.String("format", "csv", "csv or json")
	platform := fs.String("platform", "", "only this platform")
	shop := fs.String("shop", "", "only this shop")
	outPath := fs.String("out", "", "write to this file (replaced only once complete) instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("--format %q: csv or json", *format)
	}
	since, err := parseSince(*sinceArg, time.Now())
	if err != nil {
		return err
	}
	// The latest run of every case that ran in the window: its view holds the
	// whole decision record (continue-as-new carries it over).
	query, err := caseFilter{Platform: *platform, Shop: *shop, ActiveSince: since}.query()
	if err != nil {
		return err
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ids, err := listIDs(ctx, c, query, errOut, "audit")
	if err != nil {
		return err
	}

	var (
		mu      sync.Mutex
		rows    []auditRow
		skipped int
	)
	readCases(ids, errOut, "audit", "cases read", func(_ int, id string) {
		// Terminated, failed or timed-out cases left no result: a worker
		// answers the state query from their history, or they are skipped.
		v, status, err := fetchView(ctx, c, id, true)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			skipped++
			how := ""
			if status != 0 {
				how = " (workflow " + statusWord(status) + ")"
			}
			warnf(errOut, "audit: %s%s: skipped, its decisions could not be read: %v", id, how, err)
			return
		}
		rows = append(rows, auditRows(v, since)...)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	sortAudit(rows)
	if rows == nil {
		rows = []auditRow{}
	}
	write := func(w io.Writer) error {
		if *format == "json" {
			return writeJSON(w, rows)
		}
		return writeAuditCSV(w, rows)
	}
	if *outPath == "" {
		err = write(out)
	} else {
		err = writeFileAtomic(*outPath, write)
	}
	if err != nil {
		return err
	}
	if skipped > 0 {
		return fmt.Errorf("%d case(s) skipped (see above): the audit lacks their decisions", skipped)
	}
	return nil
}

// writeFileAtomic writes a file through a temporary one renamed into place,
// so a failed run never leaves a partial export behind.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
