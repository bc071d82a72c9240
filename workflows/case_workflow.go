package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms"
)

// Defaults until the first rule evaluation says otherwise.
const (
	defaultMargin       = 2 * time.Hour
	defaultPollInterval = 30 * time.Minute
	// deadlineGrace is how long after a deadline we re-read to see what the
	// platform did on its own.
	deadlineGrace = 30 * time.Second
)

var a *activities.Activities // nil: only its method names are used

// CaseWorkflow owns one after-sale case from the moment we learn of it until
// the platform closes it. Every source starts it with SignalWithStart, so
// duplicates collapse onto one execution.
func CaseWorkflow(ctx workflow.Context, in CaseInput) (CaseView, error) {
	if err := in.Validate(); err != nil {
		return CaseView{}, err
	}
	w := &caseWorkflow{in: in}
	if err := w.setup(ctx); err != nil {
		return CaseView{}, err
	}
	return w.run(ctx)
}

type caseWorkflow struct {
	in    CaseInput
	state CaseState

	needRead  bool
	needEval  bool
	human     *DecideRequest
	humanDone *Decision
	nextWake  time.Time
	searched  *searchView
	readFails int
	notifying int // notices still being posted
}

func (w *caseWorkflow) setup(ctx workflow.Context) error {
	if w.in.State != nil {
		w.state = *w.in.State
		w.in.State = nil
	} else {
		w.state.Case = platforms.Case{Platform: w.in.Platform, Shop: w.in.Shop, ID: w.in.CaseID}
		w.state.Margin = defaultMargin
		w.state.PollInterval = defaultPollInterval
		w.needRead = true
	}
	w.needEval = true

	// Snapshots are hints: the newest one wins and triggers a re-read.
	snapshots := workflow.GetSignalChannel(ctx, SignalSnapshot)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var c platforms.Case
			snapshots.Receive(ctx, &c)
			w.state.Hint = &c
		}
	})

	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CaseView, error) {
		return w.view(ctx, false), nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide, w.decide, workflow.UpdateHandlerOptions{
		Validator: w.validateDecide,
	})
}

func (w *caseWorkflow) run(ctx workflow.Context) (CaseView, error) {
	logger := workflow.GetLogger(ctx)
	for {
		if w.state.Hint != nil {
			hint := *w.state.Hint
			w.state.Hint = nil
			w.state.LastNews = workflow.Now(ctx)
			// A hint that matches what we know changes nothing: no platform call.
			if hint.ID == "" || w.state.Case.Status == "" || w.state.Case.Changed(hint) {
				w.needRead = true
			}
		}
		if w.needRead {
			w.read(ctx)
		}
		if w.state.Case.Terminal() {
			w.state.Escalation = nil
			w.upsertSearch(ctx)
			logger.Info("case finished", "status", w.state.Case.Status)
			// A human decision may be waiting for its answer.
			w.answerHuman(nil)
			return w.view(ctx, true), nil
		}
		if w.human != nil {
			w.handleHuman(ctx)
			continue
		}
		if w.state.Case.Status != "" {
			if w.needEval {
				w.evaluate(ctx)
			}
			if w.handleMargin(ctx) {
				continue
			}
			w.remind(ctx)
		}
		w.upsertSearch(ctx)
		if w.needRead || (w.needEval && w.state.Case.Status != "") {
			continue // an action moved the case: look at it again before sleeping
		}

		if w.shouldContinueAsNew(ctx) {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && w.notifying == 0 }); err != nil {
				return CaseView{}, err
			}
			state := w.state
			return CaseView{}, workflow.NewContinueAsNewError(ctx, CaseWorkflow, CaseInput{
				Platform: w.in.Platform, Shop: w.in.Shop, CaseID: w.in.CaseID, State: &state,
			})
		}

		now := workflow.Now(ctx)
		w.nextWake = w.wakeAt(now)
		woken, err := workflow.AwaitWithTimeout(ctx, w.nextWake.Sub(now), func() bool {
			return w.state.Hint != nil || w.human != nil
		})
		if err != nil {
			return CaseView{}, err
		}
		if !woken {
			// A timer: the poll interval, deadline - margin, or just after the deadline.
			w.needRead = true
		}
	}
}

// wakeAt is the earliest of: the fallback poll, deadline - margin (once per
// deadline), and a re-read just after the deadline to see what the platform did.
func (w *caseWorkflow) wakeAt(now time.Time) time.Time {
	poll := w.state.PollInterval
	if poll <= 0 {
		poll = defaultPollInterval
	}
	// Sync and push keep the case fresh; only a case without news for a
	// whole poll interval is re-read on its own.
	wake := w.state.LastRead.Add(poll)
	if news := w.state.LastNews.Add(poll); news.After(wake) {
		wake = news
	}
	if w.readFails > 0 {
		wake = now.Add(min(poll, time.Duration(w.readFails)*time.Minute))
	}
	if d := w.state.Case.Deadline; !d.IsZero() {
		if m := d.Add(-w.state.Margin); !w.state.MarginHandled.Equal(d) && m.Before(wake) {
			wake = m
		}
		if g := d.Add(min(deadlineGrace, poll)); g.After(now) && g.Before(wake) {
			wake = g
		}
		if r := w.reminderAt(); !r.IsZero() && r.Before(wake) {
			wake = r
		}
	}
	if !wake.After(now) {
		wake = now.Add(time.Second)
	}
	return wake
}

func (w *caseWorkflow) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return w.human == nil && info.GetContinueAsNewSuggested()
}

// read refreshes the case from the platform.
func (w *caseWorkflow) read(ctx workflow.Context) {
	w.needRead = false
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              activities.PlatformTaskQueue(w.in.Platform, w.in.Shop),
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
	var fresh platforms.Case
	err := workflow.ExecuteActivity(ctx, a.ReadCase, activities.CaseRef{
		Platform: w.in.Platform, Shop: w.in.Shop, CaseID: w.in.CaseID,
	}).Get(ctx, &fresh)
	now := workflow.Now(ctx)
	w.state.LastRead = now
	if err != nil {
		w.readFails++
		// Without a readable case nothing may act: hand it to a human once,
		// and keep trying.
		if w.state.Escalation == nil {
			w.escalate(ctx, notify.Escalated, "", fmt.Sprintf("cannot read the case from %s: %s", w.in.Platform, errMessage(err)), "")
			w.state.Escalation.Unreadable = true
		}
		return
	}
	w.readFails = 0
	if esc := w.state.Escalation; esc != nil && esc.Unreadable &&
		workflow.GetVersion(ctx, "unreadable-escalation-clears", workflow.DefaultVersion, 1) == 1 {
		// The case reads again: the rules decide, as if the failure never was.
		w.state.Escalation = nil
		w.state.LastEval = ""
		w.needEval = true
	}
	if w.state.Case.Status == "" || w.state.Case.Changed(fresh) {
		w.needEval = true
	}
	w.state.Case = fresh
}

// handleMargin fires once per deadline when deadline - margin is reached,
// and reports whether it did something the loop must look at again.
func (w *caseWorkflow) handleMargin(ctx workflow.Context) bool {
	d := w.state.Case.Deadline
	now := workflow.Now(ctx)
	if d.IsZero() || w.state.MarginHandled.Equal(d) || now.Before(d.Add(-w.state.Margin)) {
		return false
	}
	w.state.MarginHandled = d
	esc := w.state.Escalation
	if esc == nil {
		// Let the rules look again now that hours_left is small.
		w.needEval = true
		return true
	}
	if esc.Lapsed {
		return false
	}
	if esc.OnDeadline == "" {
		w.lapse(ctx, esc, "nobody decided before deadline - margin; no on_deadline action, tracking on")
		return false
	}
	dec := Decision{Action: esc.OnDeadline, Rule: esc.Rule, Actor: "on_deadline",
		Note: "nobody decided before deadline - margin: " + esc.Note}
	if ok, why := w.withinBudget(ctx, dec); !ok {
		w.lapse(ctx, esc, "nobody decided before deadline - margin and on_deadline "+string(esc.OnDeadline)+" is not allowed: "+why)
		return false
	}
	w.act(ctx, dec)
	return true
}

// evaluate asks the rules what to do and does it.
func (w *caseWorkflow) evaluate(ctx workflow.Context) {
	w.needEval = false
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
	})
	now := workflow.Now(ctx)
	var ev activities.Evaluation
	if err := workflow.ExecuteActivity(ctx, a.Evaluate, activities.EvaluateInput{Case: w.state.Case, Now: now}).Get(ctx, &ev); err != nil {
		w.escalate(ctx, notify.Escalated, "", "rules could not be evaluated: "+errMessage(err), "")
		return
	}
	if ev.Margin > 0 {
		w.state.Margin = ev.Margin
	}
	if ev.PollInterval > 0 {
		w.state.PollInterval = ev.PollInterval
	}
	w.state.ReminderBefore = ev.ReminderBefore
	key := fmt.Sprintf("%s|%s|%s|%s", ev.Rule, ev.Action, w.state.Case.Version, w.state.Case.Status)
	if key == w.state.LastEval {
		return
	}
	w.state.LastEval = key
	d := Decision{Action: ev.Action, Rule: ev.Rule, RulesetHash: ev.RulesetHash, Actor: "rules",
		Note: ev.Note, Params: ev.Params, Mode: ev.Mode}
	switch {
	case ev.Action == platforms.ActionEscalate:
		if esc := w.state.Escalation; esc != nil && esc.Rule == ev.Rule && !esc.Lapsed {
			return
		}
		w.escalate(ctx, notify.Escalated, ev.Rule, ev.Note, ev.OnDeadline)
		d.Outcome = OutcomeEscalated
		w.record(ctx, d)
	case ev.Action == platforms.ActionWait || ev.Action == "":
		w.state.Escalation = nil
		d.Action = platforms.ActionWait
		d.Outcome = OutcomeWaiting
		w.record(ctx, d)
	case ev.Mode == "shadow":
		d.Outcome = OutcomeShadow
		w.record(ctx, d)
	default:
		if ok, why := w.withinBudget(ctx, d); !ok {
			note := fmt.Sprintf("rule %s chose %s; %s", ev.Rule, ev.Action, why)
			w.escalate(ctx, notify.OverBudget, ev.Rule, note, "")
			d.Action, d.Note, d.Outcome = platforms.ActionEscalate, note, OutcomeEscalated
			w.record(ctx, d)
			return
		}
		w.act(ctx, d)
	}
}

// record appends a decision, filling what every decision carries.
func (w *caseWorkflow) record(ctx workflow.Context, d Decision) *Decision {
	d.Seq = len(w.state.Decisions) + 1
	d.Key = fmt.Sprintf("%s#%d", workflow.GetInfo(ctx).WorkflowExecution.ID, d.Seq)
	d.At = workflow.Now(ctx)
	d.Status = w.state.Case.Status
	d.Version = w.state.Case.Version
	if d.Amount == 0 && d.Action.Mutating() {
		d.Amount = w.state.Case.Amount
	}
	w.state.Decisions = append(w.state.Decisions, d)
	return &w.state.Decisions[len(w.state.Decisions)-1]
}

// act records the decision first, then carries it out through the Act
// activity, whose retries reuse the decision's key and re-read the case.
func (w *caseWorkflow) act(ctx workflow.Context, d Decision) Decision {
	c := w.state.Case
	now := workflow.Now(ctx)
	if !c.Deadline.IsZero() && !now.Before(c.Deadline) {
		d.Outcome = OutcomeFailed
		d.Error = "the platform deadline has passed"
		rec := *w.record(ctx, d)
		w.needRead = true
		return rec
	}
	d.Outcome = OutcomePending
	idx := w.record(ctx, d).Seq - 1
	rec := w.state.Decisions[idx]

	opts := workflow.ActivityOptions{
		TaskQueue:           activities.PlatformTaskQueue(w.in.Platform, w.in.Shop),
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
		},
		ScheduleToCloseTimeout: time.Hour,
	}
	// Retrying past the deadline would be acting after it.
	if !c.Deadline.IsZero() {
		opts.ScheduleToCloseTimeout = min(opts.ScheduleToCloseTimeout, c.Deadline.Sub(now))
	}
	actx := workflow.WithActivityOptions(ctx, opts)
	var out activities.ActOutput
	err := workflow.ExecuteActivity(actx, a.Act, activities.ActInput{
		Case: c, Key: rec.Key, Action: rec.Action, Params: rec.Params, Amount: rec.Amount,
	}).Get(actx, &out)
	rec = w.state.Decisions[idx]
	switch {
	case err != nil:
		rec.Outcome = OutcomeFailed
		rec.Error = errMessage(err)
		w.escalate(ctx, notify.Escalated, rec.Rule, fmt.Sprintf("%s failed: %s", rec.Action, rec.Error), "")
		w.needRead = true
	case out.Outcome == activities.ActMoved:
		rec.Outcome = OutcomeMoved
		rec.Note = joinNote(rec.Note, "the case moved on the platform before we acted; nothing was sent")
		w.state.Case = out.Case
		w.needEval = true
	default:
		rec.Outcome = OutcomeDone
		w.state.Escalation = nil
		if c.Changed(out.Case) {
			w.state.Case = out.Case
		} else {
			w.needRead = true // the read after acting failed; look again
		}
		w.needEval = true
	}
	w.state.Decisions[idx] = rec
	return rec
}

// validateDecide rejects a human decision the case cannot take, before it
// enters history, so the CLI or UI gets a clear answer.
func (w *caseWorkflow) validateDecide(req DecideRequest) error {
	c := w.state.Case
	switch {
	case req.By == "":
		return errors.New("decide needs \"by\": who decides")
	case !req.Action.Valid():
		return fmt.Errorf("unknown action %q (one of %v)", req.Action, platforms.Actions)
	case req.Action == platforms.ActionEscalate:
		return errors.New("the case is already with humans; choose an action or wait")
	case w.human != nil:
		return errors.New("another decision for this case is being carried out")
	case c.Status == "":
		return errors.New("the case has not been read from the platform yet; try again shortly")
	case c.Terminal():
		return fmt.Errorf("the case is already %s", c.Status)
	case req.Action.Mutating() && !c.Allows(req.Action):
		return fmt.Errorf("%s does not allow %s in status %s (%s); allowed: %v",
			c.Platform, req.Action, c.Status, c.PlatformStatus, c.Allowed)
	case req.Amount < 0 || req.Amount > c.Amount:
		return fmt.Errorf("amount %d must be between 0 and the case amount %d (minor units)", req.Amount, c.Amount)
	}
	return nil
}

// decide hands the request to the main loop and answers with the outcome.
func (w *caseWorkflow) decide(ctx workflow.Context, req DecideRequest) (Decision, error) {
	if err := w.validateDecide(req); err != nil {
		return Decision{}, err
	}
	w.human = &req
	w.humanDone = nil
	if err := workflow.Await(ctx, func() bool { return w.humanDone != nil }); err != nil {
		return Decision{}, err
	}
	d := *w.humanDone
	w.humanDone = nil
	if d.Seq == 0 {
		return d, fmt.Errorf("the case finished (%s) before the decision was carried out", w.state.Case.Status)
	}
	return d, nil
}

func (w *caseWorkflow) handleHuman(ctx workflow.Context) {
	req := *w.human
	d := Decision{Action: req.Action, Actor: req.By, Note: req.Note, Params: req.Params, Amount: req.Amount, Mode: "enforce"}
	if esc := w.state.Escalation; esc != nil {
		d.Rule = esc.Rule
	}
	var rec Decision
	if req.Action == platforms.ActionWait {
		w.state.Escalation = nil
		d.Outcome = OutcomeWaiting
		rec = *w.record(ctx, d)
	} else {
		rec = w.act(ctx, d)
	}
	w.answerHuman(&rec)
}

func (w *caseWorkflow) answerHuman(d *Decision) {
	if w.human == nil {
		return
	}
	w.human = nil
	if d == nil {
		d = &Decision{}
	}
	w.humanDone = d
}

func (w *caseWorkflow) view(ctx workflow.Context, finished bool) CaseView {
	return CaseView{
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		Case:       w.state.Case,
		Decisions:  append([]Decision(nil), w.state.Decisions...),
		Escalation: w.state.Escalation,
		NextWake:   w.nextWake,
		Finished:   finished,
	}
}

// errMessage unwraps Temporal's activity error to the platform's message.
func errMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		return "timed out: " + timeoutErr.Error()
	}
	return err.Error()
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
