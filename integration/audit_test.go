package integration

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAuditAndDeadlineLists runs cases to their decisions (rules and a
// person), then reads them back through `starter audit` and the list views.
func TestAuditAndDeadlineLists(t *testing.T) {
	shop := shopFor(t)
	now := time.Now()
	small := "2026112300000007351" // 99 yuan unshipped: agreed by the rules
	later := "2026112300000007352" // 5,499 yuan, deadline in 30h: escalated (big-ticket-senior)
	soon := "2026112300000007353"  // 2,399 yuan, deadline in 5h: escalated (big-ticket, on_deadline agree)
	human := "2026112300000007354" // 5,499 yuan: escalated, then agreed by a person
	putCase(t, shop, newRefund(small, "99.00", now.Add(48*time.Hour)))
	for id, c := range map[string]struct {
		fee string
		due time.Duration
	}{later: {"5499.00", 30 * time.Hour}, soon: {"2399.00", 5 * time.Hour}, human: {"5499.00", 50 * time.Hour}} {
		r := newRefund(id, c.fee, now.Add(c.due))
		r["order_status"], r["good_status"] = "WAIT_BUYER_CONFIRM_GOODS", "BUYER_RECEIVED"
		putCase(t, shop, r)
	}
	wid := func(id string) string { return "case/taobao/" + shop + "/" + id }
	for _, id := range []string{small, later, soon, human} {
		startCase(t, shop, id)
	}
	waitResult(t, wid(small), 60*time.Second)
	eventually(t, 30*time.Second, "three escalations", func() bool {
		for _, id := range []string{later, soon, human} {
			if query(t, wid(id)).Escalation == nil {
				return false
			}
		}
		return true
	})
	if out, err := starter(t, "decide", wid(human), "--action", "agree", "--by", "li.audit", "--note", "checked, VIP"); err != nil {
		t.Fatalf("decide: %v\n%s", err, out)
	}
	waitResult(t, wid(human), 30*time.Second)

	listed := func(args ...string) []string {
		t.Helper()
		out, errOut, code := starterRun(t, append([]string{"cases", "list", "--shop", shop, "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("cases list %v: exit %d\n%s\n%s", args, code, out, errOut)
		}
		var cases []struct {
			CaseID string `json:"case_id"`
		}
		if err := json.Unmarshal([]byte(out), &cases); err != nil {
			t.Fatalf("cases list %v: %v\n%s", args, err, out)
		}
		var ids []string
		for _, c := range cases {
			ids = append(ids, c.CaseID)
		}
		return ids
	}
	t.Run("due within and escalated, soonest first", func(t *testing.T) {
		// Visibility is updated asynchronously: wait for the finished cases to leave.
		eventually(t, 20*time.Second, "the escalated list", func() bool {
			return slices.Equal(listed("--escalated"), []string{soon, later})
		})
		if got := listed("--due-within", "6h"); !slices.Equal(got, []string{soon}) {
			t.Errorf("--due-within 6h = %v, want [%s]", got, soon)
		}
		if got := listed("--due-within", "2d"); !slices.Equal(got, []string{soon, later}) {
			t.Errorf("--due-within 2d = %v, want [%s %s] (the finished cases are not due)", got, soon, later)
		}
		if got := listed("--due-within", "1d", "--escalated"); !slices.Equal(got, []string{soon}) {
			t.Errorf("--due-within 1d --escalated = %v, want [%s]", got, soon)
		}
		if got := listed(); len(got) != 4 {
			t.Errorf("the whole shop lists %v, want 4 cases", got)
		}
		// The table shows the same order.
		out, errOut, code := starterRun(t, "cases", "list", "--shop", shop, "--escalated")
		t.Logf("cases list --escalated:\n%s", out)
		if code != 0 || strings.Index(out, wid(soon)) < 0 || strings.Index(out, wid(soon)) > strings.Index(out, wid(later)) {
			t.Errorf("cases list --escalated: exit %d\n%s\n%s", code, out, errOut)
		}
		if _, errOut, code := starterRun(t, "cases", "list", "--shop", "x' OR 'a' = 'a"); code == 0 || !strings.Contains(errOut, "cannot contain") {
			t.Errorf("a quote in --shop: exit %d, %s", code, errOut)
		}
	})

	hash := env.rules.Current().Hash
	type row = map[string]string
	want := []row{
		{"case_id": small, "action": "agree", "outcome": "done", "actor": "rules", "rule": "unshipped-small-refund",
			"ruleset_hash": hash, "amount": "9900", "mode": "enforce", "case_status": "awaiting_seller"},
		{"case_id": later, "action": "escalate", "outcome": "escalated", "actor": "rules", "rule": "big-ticket-senior",
			"ruleset_hash": hash, "amount": "0"},
		{"case_id": soon, "action": "escalate", "outcome": "escalated", "actor": "rules", "rule": "big-ticket", "ruleset_hash": hash},
		{"case_id": human, "action": "escalate", "outcome": "escalated", "actor": "rules", "rule": "big-ticket-senior", "ruleset_hash": hash},
		{"case_id": human, "action": "agree", "outcome": "done", "actor": "li.audit", "rule": "big-ticket-senior",
			"amount": "549900", "note": "checked, VIP", "mode": "enforce"},
	}
	check := func(t *testing.T, rows []row) {
		t.Helper()
		for _, w := range want {
			found := false
			for _, r := range rows {
				match := r["workflow_id"] == wid(w["case_id"]) && r["platform"] == "taobao" && r["shop"] == shop && r["currency"] == "CNY"
				for k, v := range w {
					match = match && r[k] == v
				}
				found = found || match
			}
			if !found {
				t.Errorf("no audit row %v in\n%v", w, rows)
			}
		}
		var last time.Time
		for _, r := range rows {
			at, err := time.Parse(time.RFC3339Nano, r["time"])
			if err != nil || r["seq"] == "" {
				t.Errorf("row %v: time %v", r, err)
			}
			if at.Before(last) {
				t.Errorf("rows not sorted by time: %s after %s", at, last)
			}
			last = at
		}
	}

	t.Run("csv", func(t *testing.T) {
		out, errOut, code := starterRun(t, "audit", "--since", "1h", "--format", "csv", "--shop", shop)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		t.Logf("audit csv:\n%s", out)
		records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(records) < 2 {
			t.Fatalf("not CSV with rows: %v\n%s", err, out)
		}
		header := []string{"time", "workflow_id", "platform", "shop", "case_id", "seq", "action", "outcome", "actor",
			"rule", "ruleset_hash", "mode", "amount", "currency", "case_status", "note", "error"}
		if !reflect.DeepEqual(records[0], header) {
			t.Fatalf("header = %v", records[0])
		}
		var rows []row
		for _, rec := range records[1:] {
			r := row{}
			for i, col := range header {
				r[col] = rec[i]
			}
			rows = append(rows, r)
		}
		check(t, rows)

		// --out writes the same export to a file; a window after the decisions is empty.
		path := filepath.Join(t.TempDir(), "audit.csv")
		if out, errOut, code := starterRun(t, "audit", "--since", "1h", "--shop", shop, "--out", path); code != 0 || out != "" {
			t.Fatalf("--out: exit %d\n%s\n%s", code, out, errOut)
		}
		if data, err := os.ReadFile(path); err != nil || !strings.HasPrefix(string(data), strings.Join(header, ",")+"\n") ||
			!strings.Contains(string(data), wid(small)) {
			t.Fatalf("--out file: %v\n%s", err, data)
		}
		at := time.Now().Add(time.Minute).Format(time.RFC3339)
		if out, errOut, code := starterRun(t, "audit", "--since", at, "--shop", shop); code != 0 || out != strings.Join(header, ",")+"\n" {
			t.Fatalf("empty window: exit %d\n%q\n%s", code, out, errOut)
		}
	})

	t.Run("json", func(t *testing.T) {
		out, errOut, code := starterRun(t, "audit", "--since", "1h", "--format", "json", "--shop", shop)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		dec.UseNumber() // amount and seq are numbers
		var objs []map[string]any
		if err := dec.Decode(&objs); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		var rows []row
		for _, o := range objs {
			r := row{}
			for k, v := range o {
				r[k] = fmt.Sprint(v)
			}
			rows = append(rows, r)
		}
		check(t, rows)
	})
}
