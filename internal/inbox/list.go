package inbox

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/aftersale/aftersale/workflows"
)

const (
	// maxRows caps one list page; the filters narrow it.
	maxRows = 500
	// queryParallelism bounds the concurrent "state" queries of a list.
	queryParallelism = 8
	queryTimeout     = 5 * time.Second
)

// row is one escalated case in the list.
type row struct {
	WorkflowID, Platform, Shop, CaseID string
	Kind, Status, PlatformStatus       string
	Amount                             string // formatted, with currency
	Rule, Note, OnDeadline             string
	Deadline, Since                    time.Time
	Err                                string // the state could not be read
	decided                            bool   // the state says it is no longer escalated
}

type listPage struct {
	Title          string
	Now            time.Time
	Platform, Shop string
	Rows           []row
	Truncated      bool
}

// filterValue keeps visibility query literals to what names look like.
var filterValue = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)

// escalatedQuery is the visibility query of the list, with optional filters.
func escalatedQuery(platform, shop string) (string, error) {
	q := "WorkflowType = 'CaseWorkflow' AND AfterSaleEscalated = true AND ExecutionStatus = 'Running'"
	for _, f := range []struct{ attr, v string }{{"AfterSalePlatform", platform}, {"AfterSaleShop", shop}} {
		if f.v == "" {
			continue
		}
		if !filterValue.MatchString(f.v) {
			return "", fmt.Errorf("%q is not a valid filter value", f.v)
		}
		q += fmt.Sprintf(" AND %s = '%s'", f.attr, f.v)
	}
	return q, nil
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	p := listPage{Title: "Escalated cases", Now: s.now(),
		Platform: strings.TrimSpace(r.FormValue("platform")), Shop: strings.TrimSpace(r.FormValue("shop"))}
	q, err := escalatedQuery(p.Platform, p.Shop)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	defer cancel()
	p.Rows, p.Truncated, err = s.listEscalated(ctx, q)
	if err != nil {
		s.log.Error("inbox: listing escalated cases failed", "err", err)
		s.fail(w, http.StatusBadGateway, "Temporal did not answer the list query: "+err.Error())
		return
	}
	sortRows(p.Rows)
	s.render(w, http.StatusOK, "list", p)
}

// listEscalated pages through visibility, then reads each case's state
// (kind, currency, escalation note) with bounded parallelism. A case whose
// state cannot be read still shows, from its search attributes.
func (s *server) listEscalated(ctx context.Context, query string) ([]row, bool, error) {
	var rows []row
	seen := map[string]bool{}
	var token []byte
	truncated := false
	for {
		resp, err := s.c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, NextPageToken: token, PageSize: 100,
		})
		if err != nil {
			return nil, false, err
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			if seen[id] {
				continue
			}
			if len(rows) == maxRows {
				truncated = true
				break
			}
			seen[id] = true
			rows = append(rows, rowFromSearch(id, e.GetSearchAttributes()))
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 || truncated {
			break
		}
	}

	var wg sync.WaitGroup
	sem := make(chan struct{}, queryParallelism)
	for i := range rows {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			qctx, cancel := context.WithTimeout(ctx, queryTimeout)
			defer cancel()
			v, err := s.queryState(qctx, rows[i].WorkflowID)
			if err != nil {
				rows[i].Err = err.Error()
				return
			}
			fillRow(&rows[i], v)
		})
	}
	wg.Wait()
	// Visibility lags a little: drop cases decided since it was written.
	rows = slices.DeleteFunc(rows, func(rw row) bool { return rw.decided })
	return rows, truncated, nil
}

func (s *server) queryState(ctx context.Context, id string) (workflows.CaseView, error) {
	var v workflows.CaseView
	res, err := s.c.QueryWorkflow(ctx, id, "", workflows.QueryState)
	if err == nil {
		err = res.Get(&v)
	}
	return v, err
}

// rowFromSearch fills what the search attributes tell; the state query
// adds the rest.
func rowFromSearch(id string, sa *commonpb.SearchAttributes) row {
	rw := row{WorkflowID: id}
	p, shop, caseID, err := workflows.ParseCaseWorkflowID(id)
	if err == nil {
		rw.Platform, rw.Shop, rw.CaseID = string(p), shop, caseID
	}
	fields := sa.GetIndexedFields()
	get := func(name string, into any) {
		if pl, ok := fields[name]; ok {
			_ = converter.GetDefaultDataConverter().FromPayload(pl, into)
		}
	}
	get(workflows.SAStatus.GetName(), &rw.Status)
	get(workflows.SARule.GetName(), &rw.Rule)
	get(workflows.SADeadline.GetName(), &rw.Deadline)
	var amount float64
	if _, ok := fields[workflows.SAAmount.GetName()]; ok {
		get(workflows.SAAmount.GetName(), &amount)
		rw.Amount = fmt.Sprintf("%.2f", amount)
	}
	return rw
}

func fillRow(rw *row, v workflows.CaseView) {
	if v.Escalation == nil || v.Finished {
		rw.decided = true
		return
	}
	c := v.Case
	rw.Kind, rw.Status, rw.PlatformStatus = string(c.Kind), string(c.Status), c.PlatformStatus
	rw.Amount = formatMoney(c.Amount, c.Currency)
	rw.Deadline = c.Deadline
	e := v.Escalation
	rw.Note, rw.Since, rw.OnDeadline = e.Note, e.Since, string(e.OnDeadline)
	if e.Rule != "" {
		rw.Rule = e.Rule
	}
}

// sortRows puts the soonest deadline first and cases without one last.
func sortRows(rows []row) {
	slices.SortStableFunc(rows, func(a, b row) int {
		switch az, bz := a.Deadline.IsZero(), b.Deadline.IsZero(); {
		case az && !bz:
			return 1
		case !az && bz:
			return -1
		}
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return cmp.Compare(a.WorkflowID, b.WorkflowID)
	})
}
