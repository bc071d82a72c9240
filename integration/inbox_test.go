package integration

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aftersale/aftersale/internal/inbox"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

// TestInboxDecideInBrowser drives the escalation inbox with headless
// Chromium: the escalated cases are listed soonest deadline first, a person
// agrees to one from its page, the platform sees that agree once, even when
// the same form is submitted again.
func TestInboxDecideInBrowser(t *testing.T) {
	chrome := inboxChromium(t)
	shop := shopFor(t)
	now := time.Now()

	// What the example rules (rules/examples/taobao.yaml) hand to a person.
	received := func(r refund) { r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED" }
	returned := func(r refund) { received(r); r["has_good_return"] = true }
	flagged := func(r refund) { r["cs_status"] = 2 }
	cases := []struct {
		id, fee, rule string
		in            time.Duration // to the seller's deadline
		change        func(refund)
	}{
		{"2026112300000006101", "5499.00", "big-ticket-senior", 30 * time.Hour, received},
		{"2026112300000006102", "8999.00", "big-ticket-senior", 72 * time.Hour, received},
		{"2026112300000006103", "2399.00", "big-ticket", 5 * time.Hour, received}, // on_deadline agree, 3h away
		{"2026112300000006104", "3200.00", "big-ticket-return", 50 * time.Hour, returned},
		{"2026112300000006105", "128.00", "flagged", 20 * time.Hour, flagged},
	}
	wids := map[string]string{}
	for _, c := range cases {
		r := newRefund(c.id, c.fee, now.Add(c.in))
		c.change(r)
		putCase(t, shop, r)
		wids[c.id] = startCase(t, shop, c.id)
	}
	for _, c := range cases {
		var esc *workflows.Escalation
		eventually(t, 30*time.Second, c.id+" to escalate", func() bool { esc = query(t, wids[c.id]).Escalation; return esc != nil })
		if esc.Rule != c.rule {
			t.Fatalf("%s escalated by rule %q, want %q", c.id, esc.Rule, c.rule)
		}
	}
	// Soonest deadline first.
	wantOrder := []string{wids["2026112300000006103"], wids["2026112300000006105"], wids["2026112300000006101"],
		wids["2026112300000006104"], wids["2026112300000006102"]}

	srv := httptest.NewServer(inbox.New(inbox.Options{Client: env.client, Logger: env.logger}))
	defer srv.Close()
	listURL := srv.URL + "/?shop=" + url.QueryEscape(shop)
	// Visibility (the search attributes) trails the workflow state a little.
	eventually(t, 30*time.Second, "the list to show every escalated case", func() bool {
		body := inboxGet(t, listURL)
		for _, wid := range wantOrder {
			if !strings.Contains(body, `data-id="`+wid+`"`) {
				return false
			}
		}
		return true
	})

	// The whole browser session is bounded: the timeout stops the browser.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1366, 900))
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(browser, steps...); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}

	// The list, sorted by deadline.
	do("open the list", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(listURL),
		chromedp.WaitVisible(chromedp.CSS("table.cases")))
	rows, err := chromedp.Run(browser, chromedp.AttributesAll(chromedp.CSSAll("table.cases tbody tr")))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range rows {
		order = append(order, r["data-id"])
	}
	if !slices.Equal(order, wantOrder) {
		t.Fatalf("list order = %v, want soonest deadline first %v", order, wantOrder)
	}
	shotDir := inboxScreenshotDir(t)
	inboxScreenshot(t, browser, filepath.Join(shotDir, "inbox.png"))

	// Into the 5,499 yuan case: note, name, agree.
	target := wids["2026112300000006101"]
	do("open the case", chromedp.Click(chromedp.CSS(`tr[data-id="`+target+`"] a.case`)),
		chromedp.WaitVisible(chromedp.ID("decide")))
	token, err := chromedp.Run(browser, chromedp.AttributeValue(chromedp.CSS(`#decide input[name="token"]`), "value"))
	if err != nil || !token.Exists || token.Value == "" {
		t.Fatalf("form token: %+v %v", token, err)
	}
	by, err := chromedp.Run(browser, chromedp.Value(chromedp.ID("by")))
	if err != nil || by != "" {
		t.Fatalf("by = %q (%v), want empty: no basic auth and no remembered name", by, err)
	}
	const note, name = "photos checked: the screen is cracked, refund in full", "zhang.wei"
	do("fill in the form", chromedp.SendKeys(chromedp.ID("note"), note), chromedp.SendKeys(chromedp.ID("by"), name))
	inboxScreenshot(t, browser, filepath.Join(shotDir, "inbox-case.png"))

	// A double submit: the same form (same token) arrives from elsewhere
	// while the browser's click is carried out.
	form := url.Values{"id": {target}, "token": {token.Value}, "action": {"agree"}, "by": {name}, "note": {note}, "amount": {""}, "params": {""}}
	var wg sync.WaitGroup
	var concurrent inboxResponse
	var concurrentErr error
	wg.Go(func() { concurrent, concurrentErr = inboxPost(srv.URL+"/decide", form) })
	do("agree", chromedp.Click(chromedp.CSS(`#decide button[value="agree"]`)), chromedp.WaitVisible(chromedp.ID("flash")))
	wg.Wait()
	flash, err := chromedp.Run(browser, chromedp.Text(chromedp.ID("flash")))
	if err != nil || !strings.Contains(flash, "agree → done") || !strings.Contains(flash, name) {
		t.Fatalf("flash = %q (%v), want agree → done by %s", flash, err, name)
	}
	loc, err := chromedp.Run(browser, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	seq := u.Query().Get("decided")
	if u.Query().Get("id") != target || seq == "" {
		t.Fatalf("after deciding the browser is at %s", loc)
	}
	if concurrentErr != nil || concurrent.status != http.StatusSeeOther || !strings.HasSuffix(concurrent.location, "&decided="+seq) {
		t.Fatalf("the concurrent submit of the same form answered %d %q (%v), want 303 to decision %s",
			concurrent.status, concurrent.location, concurrentErr, seq)
	}

	// The platform saw one agree; the workflow recorded who decided and why.
	v := waitResult(t, target, 30*time.Second)
	var human []workflows.Decision
	for _, d := range v.Decisions {
		if d.Actor == name {
			human = append(human, d)
		}
	}
	if len(human) != 1 || human[0].Action != platforms.ActionAgree || human[0].Outcome != workflows.OutcomeDone || human[0].Note != note {
		t.Fatalf("decisions by %s = %+v, want one agree done with the note", name, human)
	}
	assertOneAgree := func(when string) {
		t.Helper()
		got := actions(t, shop)
		if len(got) != 1 || got[0].Action != "taobao.rp.refunds.agree" || got[0].CaseID != "2026112300000006101" || !got[0].OK {
			t.Fatalf("%s: sandbox actions = %+v, want exactly one agree of 2026112300000006101", when, got)
		}
	}
	assertOneAgree("after the decision")

	// The form submitted once more, after the case finished (back and submit
	// again, a retried request): Temporal answers with the recorded outcome.
	again, err := inboxPost(srv.URL+"/decide", form)
	if err != nil || again.status != http.StatusSeeOther || !strings.HasSuffix(again.location, "&decided="+seq) {
		t.Fatalf("resubmitted form answered %d %q (%v), want 303 to decision %s", again.status, again.location, err, seq)
	}
	// Back in the browser: the case page is loaded again (no-store), finished
	// and read-only; should the browser restore the filled-in form from its
	// cache instead, submitting it again is deduplicated too.
	do("go back", chromedp.NavigateBack())
	back, err := chromedp.Run(browser, chromedp.AttributesAll(chromedp.CSSAll("#decide, #readonly")))
	if err != nil {
		t.Fatal(err)
	}
	if back[0]["id"] == "decide" {
		do("submit the restored form again", chromedp.Click(chromedp.CSS(`#decide button[value="agree"]`)),
			chromedp.WaitVisible(chromedp.ID("flash")))
	}
	assertOneAgree("after resubmitting the same form")

	// A decision the platform cannot take is refused with the workflow's reason.
	other := wids["2026112300000006102"]
	refused, err := inboxPost(srv.URL+"/decide", url.Values{"id": {other}, "token": {strings.Repeat("ab", 16)},
		"action": {"confirm_receipt"}, "by": {name}})
	if err != nil || refused.status != http.StatusUnprocessableEntity || !strings.Contains(refused.body, "does not allow confirm_receipt") {
		t.Fatalf("confirm_receipt on a refund awaiting agreement answered %d (%v), want 422 with the reason:\n%s", refused.status, err, refused.body)
	}
	assertOneAgree("after a refused decision")

	// The decided case leaves the inbox; the others still wait.
	eventually(t, 30*time.Second, "the decided case to leave the list", func() bool {
		body := inboxGet(t, listURL)
		return !strings.Contains(body, `data-id="`+target+`"`) && strings.Contains(body, `data-id="`+other+`"`)
	})
}

// inboxChromium finds a Chromium or Chrome to drive, or skips the test
// (fails it when AFTERSALE_REQUIRE_BROWSER=1, as in CI).
func inboxChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium on PATH (chromium, chromium-browser or google-chrome): install one, e.g. apt-get install chromium, to run the inbox browser test"
	if os.Getenv("AFTERSALE_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " (AFTERSALE_REQUIRE_BROWSER=1)")
	}
	t.Skip(msg)
	return ""
}

// inboxScreenshotDir is AFTERSALE_SCREENSHOT_DIR, relative to the repository
// root (tests run in integration/), or a temporary directory.
func inboxScreenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("AFTERSALE_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func inboxScreenshot(t *testing.T, browser context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
}

func inboxGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

type inboxResponse struct {
	status         int
	location, body string
}

// inboxPost submits a form as a script would (no browser headers) and does
// not follow the redirect.
func inboxPost(u string, form url.Values) (inboxResponse, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(u, form)
	if err != nil {
		return inboxResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return inboxResponse{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}, err
}
