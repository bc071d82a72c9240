package inbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

const (
	maxForm   = 64 << 10
	maxNote   = 2000
	maxBy     = 64
	maxParams = 20
	maxParam  = 500
)

// newToken is the per-render form token. The decision is sent with update ID
// "inbox-<token>", so Temporal carries out one form at most once, however
// often it is submitted (double click, reload, back and submit again).
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func validToken(t string) bool {
	if len(t) != 32 {
		return false
	}
	_, err := hex.DecodeString(t)
	return err == nil && strings.ToLower(t) == t
}

func (s *server) decide(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	id := r.PostFormValue("id")
	if _, _, _, err := workflows.ParseCaseWorkflowID(id); err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	form := decideForm{
		Token: r.PostFormValue("token"), Action: r.PostFormValue("action"), By: strings.TrimSpace(r.PostFormValue("by")),
		Note: r.PostFormValue("note"), Amount: strings.TrimSpace(r.PostFormValue("amount")), Params: r.PostFormValue("params"),
	}
	if !validToken(form.Token) {
		s.fail(w, http.StatusBadRequest, "The form has no valid token: open the case page again.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	cs, err := s.loadCase(ctx, id)
	cancel()
	if err != nil {
		s.loadFailed(w, id, err)
		return
	}
	req, err := parseDecision(form, cs.View.Case.Currency)
	if err != nil {
		s.refuse(w, r, id, cs, form, http.StatusUnprocessableEntity, err.Error())
		return
	}

	// Sent even when the workflow has finished: for a form already carried
	// out, Temporal answers with the recorded outcome.
	ctx, cancel = context.WithTimeout(r.Context(), s.decideTimeout)
	defer cancel()
	d, err := s.send(ctx, id, "inbox-"+form.Token, req)
	if err != nil {
		status, msg := s.classify(err)
		s.log.Warn("inbox: decision not carried out", "workflow_id", id, "action", req.Action, "by", req.By,
			"status", status, "err", err)
		rctx, rcancel := context.WithTimeout(r.Context(), readTimeout)
		if fresh, lerr := s.loadCase(rctx, id); lerr == nil {
			cs = fresh
		}
		rcancel()
		s.refuse(w, r, id, cs, form, status, msg)
		return
	}
	s.log.Info("inbox: decision", "workflow_id", id, "action", d.Action, "by", d.Actor, "outcome", d.Outcome,
		"seq", d.Seq, "update_id", "inbox-"+form.Token)
	if s.authUser(r) == "" {
		http.SetCookie(w, &http.Cookie{Name: byCookie, Value: url.QueryEscape(req.By), Path: "/",
			MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	}
	// Relative, so the inbox works mounted under a path prefix too.
	w.Header().Set("Location", "case?id="+url.QueryEscape(id)+"&decided="+strconv.Itoa(d.Seq))
	w.WriteHeader(http.StatusSeeOther)
}

func (s *server) send(ctx context.Context, id, updateID string, req workflows.DecideRequest) (workflows.Decision, error) {
	var d workflows.Decision
	h, err := s.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateID: updateID, UpdateName: workflows.UpdateDecide,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{req},
	})
	if err == nil {
		err = h.Get(ctx, &d)
	}
	return d, err
}

// classify turns an update error into the status and message the person sees.
func (s *server) classify(err error) (int, string) {
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		return http.StatusUnprocessableEntity, appErr.Message()
	}
	if _, ok := errors.AsType[*serviceerror.NotFound](err); ok {
		return http.StatusConflict, "The case workflow is no longer running: nothing was sent."
	}
	if _, ok := errors.AsType[*client.WorkflowUpdateServiceTimeoutOrCanceledError](err); ok || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout, fmt.Sprintf("No answer within %s: the decision may still be carried out. "+
			"Check the decision record before deciding again; sending this same form again is safe, it is carried out at most once.", s.decideTimeout)
	}
	return http.StatusBadGateway, "Temporal: " + err.Error()
}

// refuse shows the case again with the message and what was typed, keeping
// the form's token: if the first send did reach the workflow, sending the
// form again is still carried out at most once.
func (s *server) refuse(w http.ResponseWriter, r *http.Request, id string, cs caseState, form decideForm, status int, msg string) {
	p := s.newCasePage(r, id, cs, form)
	p.Error = msg
	s.render(w, status, "case", p)
}

// parseDecision checks the form and builds the decide request. The workflow
// validates it again against the case (allowed actions, amount bounds).
func parseDecision(f decideForm, currency string) (workflows.DecideRequest, error) {
	req := workflows.DecideRequest{Action: platforms.Action(f.Action), Note: strings.TrimSpace(f.Note)}
	switch {
	case !req.Action.Valid():
		return req, fmt.Errorf("unknown action %q", f.Action)
	case req.Action == platforms.ActionEscalate:
		return req, errors.New("the case is already with people: choose an action or wait")
	}
	req.By = validBy(f.By)
	if req.By == "" {
		return req, fmt.Errorf("say who decides (\"by\"): a name of up to %d characters", maxBy)
	}
	if utf8.RuneCountInString(req.Note) > maxNote {
		return req, fmt.Errorf("the note is longer than %d characters", maxNote)
	}
	if f.Amount != "" {
		if req.Action != platforms.ActionAgree {
			return req, fmt.Errorf("a partial amount applies to agree only; clear it to %s", req.Action)
		}
		amount, err := parseMajor(f.Amount, currency)
		if err != nil {
			return req, err
		}
		if amount == 0 {
			return req, errors.New("the amount must be more than 0; leave it empty for the full amount")
		}
		req.Amount = amount
	}
	params, err := parseParams(f.Params)
	if err != nil {
		return req, err
	}
	req.Params = params
	return req, nil
}

// validBy is the trimmed name, or "" when it is empty, too long or holds
// control characters.
func validBy(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > maxBy || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return ""
	}
	return s
}

var paramKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// parseParams reads key=value lines (reason_id=12, message=...). Blank lines
// and lines starting with # are skipped.
func parseParams(s string) (map[string]string, error) {
	var out map[string]string
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
			return nil, fmt.Errorf("params line %d: expected key=value, e.g. reason_id=12", i+1)
		case !paramKey.MatchString(k):
			return nil, fmt.Errorf("params line %d: %q is not a parameter name (lower case letters, digits, _)", i+1, k)
		case hasKey(out, k):
			return nil, fmt.Errorf("params line %d: %s is given twice", i+1, k)
		case utf8.RuneCountInString(v) > maxParam:
			return nil, fmt.Errorf("params line %d: the value of %s is longer than %d characters", i+1, k, maxParam)
		}
		if out == nil {
			out = map[string]string{}
		}
		if len(out) == maxParams {
			return nil, fmt.Errorf("at most %d params", maxParams)
		}
		out[k] = v
	}
	return out, nil
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
