package inbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

func errNotRunning() error { return serviceerror.NewNotFound("workflow execution already completed") }

func get(t *testing.T, h http.Handler, target string, auth ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	if len(auth) == 2 {
		r.SetBasicAuth(auth[0], auth[1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestListPage(t *testing.T) {
	now := time.Now()
	views := map[string]workflows.CaseView{}
	add := func(id string, deadline time.Time, note string, amount int64, currency string) {
		v := escalatedView()
		v.WorkflowID = "case/taobao/tb-flagship/" + id
		v.Case.ID, v.Case.Deadline, v.Case.Amount, v.Case.Currency = id, deadline, amount, currency
		v.Escalation.Note = note
		views[v.WorkflowID] = v
	}
	add("later", now.Add(50*time.Hour), "later note", 549900, "CNY")
	add("sooner", now.Add(3*time.Hour+10*time.Minute+30*time.Second), "sooner <note>", 398000, "JPY")
	add("none", time.Time{}, "no deadline", 100, "CNY")
	decided := escalatedView()
	decided.WorkflowID, decided.Escalation = "case/taobao/tb-flagship/decided", nil
	views[decided.WorkflowID] = decided

	f := &fakeClient{views: views}
	h := New(Options{Client: f, Logger: discard(), Now: func() time.Time { return now }})
	w := get(t, h, "/")
	body := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("status %d:\n%s", w.Code, body)
	}
	iSooner, iLater, iNone := strings.Index(body, `data-id="case/taobao/tb-flagship/sooner"`),
		strings.Index(body, `data-id="case/taobao/tb-flagship/later"`), strings.Index(body, `data-id="case/taobao/tb-flagship/none"`)
	if iSooner < 0 || iLater < 0 || iNone < 0 || !(iSooner < iLater && iLater < iNone) {
		t.Fatalf("rows not sorted by deadline (%d %d %d):\n%s", iSooner, iLater, iNone, body)
	}
	for _, want := range []string{"in 3h10m", "5,499.00 CNY", "398,000 JPY", "sooner &lt;note&gt;", "big-ticket-senior",
		`href="case?id=case%2ftaobao%2ftb-flagship%2fsooner"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %s", want)
		}
	}
	if strings.Contains(body, "tb-flagship/decided") {
		t.Error("a case no longer escalated is listed")
	}

	f.views = map[string]workflows.CaseView{}
	if body := get(t, h, "/?platform=xiaoe").Body.String(); !strings.Contains(body, `id="empty"`) {
		t.Fatalf("no empty state:\n%s", body)
	}
	if w := get(t, h, "/?shop="+url.QueryEscape("x' OR 1=1")); w.Code != 400 {
		t.Fatalf("bad filter: %d", w.Code)
	}
}

func TestCasePage(t *testing.T) {
	v := escalatedView()
	v.Decisions = append(v.Decisions, workflows.Decision{Seq: 2, Action: platforms.ActionWait, Actor: "li.ops", Outcome: workflows.OutcomeWaiting})
	f := &fakeClient{views: map[string]workflows.CaseView{testID: v}}
	h := New(Options{Client: f, Logger: discard(), User: "wang", Password: "pw"})

	body := get(t, h, "/case?id="+url.QueryEscape(testID)+"&decided=2", "wang", "pw").Body.String()
	for _, want := range []string{`id="flash"`, "wait → waiting", `value="agree"`, `value="refuse"`, `value="wait"`,
		`name="by" value="wang"`, "over 5,000 yuan: a senior agent decides", "01234567", "WAIT_SELLER_AGREE"} {
		if !strings.Contains(body, want) {
			t.Errorf("the case page lacks %s", want)
		}
	}
	if strings.Contains(body, `value="escalate"`) {
		t.Error("escalate offered as a decision")
	}
	// A rules decision is never presented as the form's outcome.
	if body := get(t, h, "/case?id="+url.QueryEscape(testID)+"&decided=1", "wang", "pw").Body.String(); strings.Contains(body, `id="flash"`) {
		t.Error("flash for a rules decision")
	}

	f.finished = map[string]bool{testID: true}
	body = get(t, h, "/case?id="+url.QueryEscape(testID), "wang", "pw").Body.String()
	if !strings.Contains(body, `id="readonly"`) || strings.Contains(body, `id="decide"`) || !strings.Contains(body, "completed") {
		t.Fatalf("a finished case is not read-only:\n%s", body)
	}
	if w := get(t, h, "/case?id="+url.QueryEscape("case/taobao/x/404"), "wang", "pw"); w.Code != 404 {
		t.Fatalf("unknown case: %d", w.Code)
	}
	if w := get(t, h, "/case?id=nope", "wang", "pw"); w.Code != 400 {
		t.Fatalf("bad id: %d", w.Code)
	}
}

func TestHandlerGuards(t *testing.T) {
	f := &fakeClient{views: map[string]workflows.CaseView{testID: escalatedView()}}
	h := New(Options{Client: f, Logger: discard(), User: "wang", Password: "pw"})
	if w := get(t, h, "/healthz"); w.Code != 200 || w.Body.String() != "ok" {
		t.Fatalf("healthz: %d %q", w.Code, w.Body)
	}
	if w := get(t, h, "/"); w.Code != 401 {
		t.Fatalf("no auth: %d", w.Code)
	}
	w := get(t, h, "/", "wang", "pw")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("list: %d %v", w.Code, w.Header())
	}
	r := httptest.NewRequest("POST", "http://inbox.local/decide", strings.NewReader("id="+url.QueryEscape(testID)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.SetBasicAuth("wang", "pw")
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, r)
	if rw.Code != 403 || len(f.updates) != 0 {
		t.Fatalf("cross-site POST: %d, %d updates", rw.Code, len(f.updates))
	}
	if w := get(t, h, "/decide", "wang", "pw"); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /decide: %d", w.Code)
	}
}
