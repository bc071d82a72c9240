package inbox

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

// caseState is a case workflow as the case page shows it: the live state
// while it runs, its result once completed.
type caseState struct {
	View     workflows.CaseView
	Running  bool
	Workflow string // running, completed, terminated, ...
}

var errNoCase = errors.New("no such case workflow")

func (s *server) loadCase(ctx context.Context, id string) (caseState, error) {
	desc, err := s.c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		if _, ok := errors.AsType[*serviceerror.NotFound](err); ok {
			return caseState{}, errNoCase
		}
		return caseState{}, err
	}
	st := desc.GetWorkflowExecutionInfo().GetStatus()
	cs := caseState{Workflow: strings.ToLower(strings.TrimPrefix(st.String(), "WORKFLOW_EXECUTION_STATUS_"))}
	switch st {
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
		cs.Running = true
		cs.View, err = s.queryState(ctx, id)
	case enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		err = s.c.GetWorkflow(ctx, id, "").Get(ctx, &cs.View)
	}
	if err != nil {
		return caseState{}, err
	}
	if cs.View.WorkflowID == "" {
		cs.View.WorkflowID = id
	}
	return cs, nil
}

// decideForm is what the decision form holds, as typed.
type decideForm struct {
	Token, Action, By, Note, Amount, Params string
}

type flash struct {
	Class, Text string
}

type casePage struct {
	Title      string
	Now        time.Time
	ID         string
	Platform   string
	Shop       string
	CaseID     string
	State      caseState
	Case       platforms.Case
	Flash      *flash
	Error      string
	CanDecide  bool
	Actions    []platforms.Action
	Form       decideForm
	ByFromAuth bool
}

// byCookie remembers the last "by" typed in this browser when there is no
// basic-auth user to default to.
const byCookie = "aftersale_inbox_by"

func (s *server) casePage(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("id")
	if _, _, _, err := workflows.ParseCaseWorkflowID(id); err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	defer cancel()
	cs, err := s.loadCase(ctx, id)
	if err != nil {
		s.loadFailed(w, id, err)
		return
	}
	p := s.newCasePage(r, id, cs, decideForm{})
	if seq, err := strconv.Atoi(r.FormValue("decided")); err == nil {
		p.Flash = decidedFlash(cs.View, seq)
	}
	s.render(w, http.StatusOK, "case", p)
}

func (s *server) loadFailed(w http.ResponseWriter, id string, err error) {
	if errors.Is(err, errNoCase) {
		s.fail(w, http.StatusNotFound, "There is no case workflow "+id+".")
		return
	}
	s.log.Error("inbox: loading a case failed", "workflow_id", id, "err", err)
	s.fail(w, http.StatusBadGateway, "Temporal did not answer for "+id+": "+err.Error())
}

// newCasePage prepares the page; form carries what was typed when the page
// is shown again after a refused decision.
func (s *server) newCasePage(r *http.Request, id string, cs caseState, form decideForm) casePage {
	p, shop, caseID, _ := workflows.ParseCaseWorkflowID(id)
	c := cs.View.Case
	page := casePage{
		Title: string(p) + " / " + shop + " / " + caseID, Now: s.now(),
		ID: id, Platform: string(p), Shop: shop, CaseID: caseID,
		State: cs, Case: c, Form: form,
		CanDecide: cs.Running && c.Status != "" && !c.Terminal(),
	}
	for _, a := range c.Allowed {
		if a != platforms.ActionEscalate && a != platforms.ActionWait {
			page.Actions = append(page.Actions, a)
		}
	}
	page.Actions = append(page.Actions, platforms.ActionWait)
	if page.Form.Token == "" {
		page.Form.Token = newToken()
	}
	if u := s.authUser(r); u != "" {
		page.ByFromAuth = true
		if page.Form.By == "" {
			page.Form.By = u
		}
	} else if page.Form.By == "" {
		if ck, err := r.Cookie(byCookie); err == nil {
			if by, err := url.QueryUnescape(ck.Value); err == nil {
				page.Form.By = validBy(by)
			}
		}
	}
	return page
}

// decidedFlash reports the decision a form just carried out, read back from
// the case's own record so a crafted link cannot make one up.
func decidedFlash(v workflows.CaseView, seq int) *flash {
	for _, d := range v.Decisions {
		if d.Seq != seq || d.Actor == "rules" || d.Actor == "on_deadline" {
			continue
		}
		f := &flash{Class: "ok", Text: string(d.Action) + " → " + d.Outcome}
		switch d.Outcome {
		case workflows.OutcomeDone, workflows.OutcomeWaiting, workflows.OutcomePending:
		default:
			f.Class = "warn"
		}
		if d.Error != "" {
			f.Text += ": " + d.Error
		}
		f.Text += " (decision #" + strconv.Itoa(d.Seq) + " by " + d.Actor + ")"
		return f
	}
	return nil
}
