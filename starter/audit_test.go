package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/workflows"
)

func TestAuditRowsCSVAndJSON(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	since := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	view := func(wid string, currency string, ds ...workflows.Decision) workflows.CaseView {
		return workflows.CaseView{WorkflowID: wid, Case: platforms.Case{Currency: currency, Status: platforms.StatusSucceeded}, Decisions: ds}
	}
	a := view("case/taobao/tb-1/100", "CNY",
		workflows.Decision{Seq: 1, Action: "escalate", Rule: "big-ticket", RulesetHash: "abc123", Actor: "rules", Mode: "enforce",
			Status: "awaiting_seller", At: since.Add(-time.Minute), Outcome: "escalated"}, // before the window
		workflows.Decision{Seq: 2, Action: "agree", Rule: "big-ticket", Actor: "li.ops", Note: `photos ok, "VIP"`, Mode: "enforce",
			Amount: 239900, Status: "awaiting_seller", At: time.Date(2026, 11, 23, 10, 0, 0, 0, cst), Outcome: "done"},
	)
	b := view("case/shopline/store/return-7", "USD",
		workflows.Decision{Seq: 1, Action: "agree", Rule: "shopline-small-return-arrived", RulesetHash: "abc123", Actor: "rules",
			Mode: "enforce", Amount: 2500, Status: "awaiting_seller_receipt", At: since.Add(time.Hour), Outcome: "failed",
			Error: "refund failed,\nretry by hand"},
	)
	rows := append(auditRows(a, since), auditRows(b, since)...)
	sortAudit(rows)
	if len(rows) != 2 || rows[0].WorkflowID != b.WorkflowID || rows[1].Seq != 2 {
		t.Fatalf("rows = %+v, want b#1 then a#2", rows)
	}

	var buf bytes.Buffer
	if err := writeAuditCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(records[0], auditColumns) {
		t.Fatalf("header = %v", records[0])
	}
	want := [][]string{
		{"2026-11-23T01:00:00Z", "case/shopline/store/return-7", "shopline", "store", "return-7", "1", "agree", "failed", "rules",
			"shopline-small-return-arrived", "abc123", "enforce", "2500", "USD", "awaiting_seller_receipt", "", "refund failed,\nretry by hand"},
		{"2026-11-23T02:00:00Z", "case/taobao/tb-1/100", "taobao", "tb-1", "100", "2", "agree", "done", "li.ops",
			"big-ticket", "", "enforce", "239900", "CNY", "awaiting_seller", `photos ok, "VIP"`, ""},
	}
	if !reflect.DeepEqual(records[1:], want) {
		t.Fatalf("records =\n%q\nwant\n%q", records[1:], want)
	}

	// JSON has the same fields under the same names.
	buf.Reset()
	if err := writeJSON(&buf, rows); err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &objs); err != nil {
		t.Fatal(err)
	}
	for _, col := range auditColumns {
		if _, ok := objs[0][col]; !ok {
			t.Errorf("JSON lacks %q: %v", col, objs[0])
		}
	}
	if len(objs[0]) != len(auditColumns) || objs[1]["amount"] != float64(239900) || objs[1]["time"] != "2026-11-23T02:00:00Z" {
		t.Errorf("JSON row = %v", objs[1])
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.csv")
	writeFile(t, path, "old")
	if err := writeFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return errors.New("query failed")
	}); err == nil {
		t.Fatal("a failed write succeeded")
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Fatalf("a failed write left %q", data)
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Fatalf("file = %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}
