package inbox

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{"", nil, ""},
		{"\n  \n# a comment\n", nil, ""},
		{"reason_id=12", map[string]string{"reason_id": "12"}, ""},
		{"reason_id = 12\r\nmessage=请按退货地址寄回=好\n", map[string]string{"reason_id": "12", "message": "请按退货地址寄回=好"}, ""},
		{"address_id=", map[string]string{"address_id": ""}, ""},
		{"reason_id", nil, "line 1: expected key=value"},
		{"ok=1\nReason=2", nil, "line 2: \"Reason\" is not a parameter name"},
		{"a=1\na=2", nil, "line 2: a is given twice"},
		{"a=" + strings.Repeat("x", maxParam+1), nil, "longer than"},
	} {
		got, err := parseParams(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseParams(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseParams(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDecision(t *testing.T) {
	for _, tc := range []struct {
		name    string
		form    decideForm
		want    workflows.DecideRequest
		wantErr string
	}{
		{"agree in full", decideForm{Action: "agree", By: " li.ops ", Note: " photos ok "},
			workflows.DecideRequest{Action: "agree", By: "li.ops", Note: "photos ok"}, ""},
		{"partial agree", decideForm{Action: "agree", By: "li", Amount: "1999.90"},
			workflows.DecideRequest{Action: "agree", By: "li", Amount: 199990}, ""},
		{"refuse with params", decideForm{Action: "refuse", By: "li", Params: "reason_id=7"},
			workflows.DecideRequest{Action: "refuse", By: "li", Params: map[string]string{"reason_id": "7"}}, ""},
		{"wait", decideForm{Action: "wait", By: "li"}, workflows.DecideRequest{Action: "wait", By: "li"}, ""},
		{"no by", decideForm{Action: "agree", By: "  "}, workflows.DecideRequest{}, "who decides"},
		{"control characters in by", decideForm{Action: "agree", By: "li\x00"}, workflows.DecideRequest{}, "who decides"},
		{"unknown action", decideForm{Action: "delete", By: "li"}, workflows.DecideRequest{}, "unknown action"},
		{"escalate", decideForm{Action: "escalate", By: "li"}, workflows.DecideRequest{}, "already with people"},
		{"amount with refuse", decideForm{Action: "refuse", By: "li", Amount: "5"}, workflows.DecideRequest{}, "agree only"},
		{"zero amount", decideForm{Action: "agree", By: "li", Amount: "0.00"}, workflows.DecideRequest{}, "more than 0"},
		{"float amount", decideForm{Action: "agree", By: "li", Amount: "1.005"}, workflows.DecideRequest{}, "at most 2 decimals"},
		{"long note", decideForm{Action: "agree", By: "li", Note: strings.Repeat("长", maxNote+1)}, workflows.DecideRequest{}, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDecision(tc.form, "CNY")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	a, b := newToken(), newToken()
	if !validToken(a) || a == b {
		t.Fatalf("tokens %q %q", a, b)
	}
	for _, bad := range []string{"", "abc", strings.ToUpper(a), a + "0", strings.Repeat("g", 32)} {
		if validToken(bad) {
			t.Errorf("validToken(%q) = true", bad)
		}
	}
}

const testID = "case/taobao/tb-flagship/2026112300000000010"

func escalatedView() workflows.CaseView {
	return workflows.CaseView{
		WorkflowID: testID,
		Case: platforms.Case{Platform: platforms.Taobao, Shop: "tb-flagship", ID: "2026112300000000010",
			Kind: platforms.KindRefund, Role: platforms.RoleSeller, Status: platforms.StatusAwaitingSeller,
			PlatformStatus: "WAIT_SELLER_AGREE", Amount: 549900, Currency: "CNY",
			Deadline: time.Now().Add(30 * time.Hour), Allowed: []platforms.Action{platforms.ActionAgree, platforms.ActionRefuse}},
		Escalation: &workflows.Escalation{Since: time.Now(), Rule: "big-ticket-senior", Note: "over 5,000 yuan: a senior agent decides"},
		Decisions: []workflows.Decision{{Seq: 1, Action: platforms.ActionEscalate, Rule: "big-ticket-senior", Actor: "rules",
			Outcome: workflows.OutcomeEscalated, RulesetHash: "0123456789ab"}},
	}
}

func postDecide(t *testing.T, h http.Handler, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "http://inbox.local/decide", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://inbox.local")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestDecideCarriesOutOnceAndRedirects(t *testing.T) {
	f := &fakeClient{views: map[string]workflows.CaseView{testID: escalatedView()}}
	f.decide = func(o client.UpdateWorkflowOptions) (workflows.Decision, error) {
		req := o.Args[0].(workflows.DecideRequest)
		return workflows.Decision{Seq: 2, Action: req.Action, Actor: req.By, Note: req.Note, Amount: req.Amount, Outcome: workflows.OutcomeDone}, nil
	}
	h := New(Options{Client: f, Logger: discard()})
	token := newToken()
	w := postDecide(t, h, url.Values{"id": {testID}, "token": {token}, "action": {"agree"}, "by": {"李 wei"},
		"note": {"photos ok"}, "amount": {"5000"}, "params": {"message=ok"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status = %d: %s", w.Code, w.Body)
	}
	if loc := w.Header().Get("Location"); loc != "case?id="+url.QueryEscape(testID)+"&decided=2" {
		t.Fatalf("Location = %q", loc)
	}
	if len(f.updates) != 1 {
		t.Fatalf("%d updates", len(f.updates))
	}
	o := f.updates[0]
	want := workflows.DecideRequest{Action: "agree", By: "李 wei", Note: "photos ok", Amount: 500000, Params: map[string]string{"message": "ok"}}
	if o.UpdateID != "inbox-"+token || o.UpdateName != workflows.UpdateDecide || o.WorkflowID != testID ||
		o.WaitForStage != client.WorkflowUpdateStageCompleted || !reflect.DeepEqual(o.Args, []any{want}) {
		t.Fatalf("update = %+v", o)
	}
	var by *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == byCookie {
			by = c
		}
	}
	if by == nil || by.Value != url.QueryEscape("李 wei") || !by.HttpOnly {
		t.Fatalf("by cookie = %+v", by)
	}
	// The case page shows the form with the remembered name.
	r := httptest.NewRequest("GET", "/case?id="+url.QueryEscape(testID), nil)
	r.AddCookie(by)
	pw := httptest.NewRecorder()
	h.ServeHTTP(pw, r)
	if !strings.Contains(pw.Body.String(), `name="by" value="李 wei"`) {
		t.Fatalf("the case page does not remember the name:\n%s", pw.Body)
	}
}

func TestDecideRefusedShowsTheReasonAndKeepsTheForm(t *testing.T) {
	f := &fakeClient{views: map[string]workflows.CaseView{testID: escalatedView()}}
	f.decide = func(client.UpdateWorkflowOptions) (workflows.Decision, error) {
		return workflows.Decision{}, temporal.NewApplicationError("taobao does not allow confirm_receipt in status awaiting_seller", "")
	}
	h := New(Options{Client: f, Logger: discard()})
	token := newToken()
	w := postDecide(t, h, url.Values{"id": {testID}, "token": {token}, "action": {"confirm_receipt"}, "by": {"li"}, "note": {"my note"}})
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "does not allow confirm_receipt") {
		t.Fatalf("status = %d:\n%s", w.Code, body)
	}
	for _, want := range []string{`value="` + token + `"`, ">my note</textarea>", `name="by" value="li"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// A form error is refused before anything is sent.
	w = postDecide(t, h, url.Values{"id": {testID}, "token": {token}, "action": {"agree"}, "by": {""}})
	if w.Code != http.StatusUnprocessableEntity || len(f.updates) != 1 {
		t.Fatalf("status = %d, %d updates", w.Code, len(f.updates))
	}
}

func TestDecideErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"workflow gone", errNotRunning(), http.StatusConflict},
		{"no answer", client.NewWorkflowUpdateServiceTimeoutOrCanceledError(errors.New("deadline exceeded")), http.StatusGatewayTimeout},
		{"temporal down", errors.New("connection refused"), http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeClient{views: map[string]workflows.CaseView{testID: escalatedView()}}
			f.decide = func(client.UpdateWorkflowOptions) (workflows.Decision, error) { return workflows.Decision{}, tc.err }
			w := postDecide(t, New(Options{Client: f, Logger: discard()}),
				url.Values{"id": {testID}, "token": {newToken()}, "action": {"agree"}, "by": {"li"}})
			if w.Code != tc.want || !strings.Contains(w.Body.String(), `id="error"`) {
				t.Fatalf("status = %d, want %d:\n%s", w.Code, tc.want, w.Body)
			}
		})
	}
}

func TestDecideRejectsBadForms(t *testing.T) {
	f := &fakeClient{views: map[string]workflows.CaseView{testID: escalatedView()}}
	h := New(Options{Client: f, Logger: discard()})
	for name, form := range map[string]url.Values{
		"bad id":   {"id": {"taobao/x"}, "token": {newToken()}, "action": {"agree"}, "by": {"li"}},
		"no token": {"id": {testID}, "action": {"agree"}, "by": {"li"}},
	} {
		if w := postDecide(t, h, form); w.Code != http.StatusBadRequest {
			t.Errorf("%s: status = %d", name, w.Code)
		}
	}
	if len(f.updates) != 0 {
		t.Fatalf("%d updates sent", len(f.updates))
	}
}
