package sandbox

import (
	"path/filepath"
	"testing"
	"time"
)

func TestSaveAndLoadFileKeepCasesAndActions(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "sandbox.json")

	fresh := New(Options{Now: func() time.Time { return now }})
	if ok, err := fresh.LoadFile(path); ok || err != nil {
		t.Fatalf("LoadFile on a missing file = %v, %v; want false, nil", ok, err)
	}
	if err := fresh.Seed(now); err != nil {
		t.Fatal(err)
	}
	fresh.logAction(Action{Platform: PlatformTaobao, Shop: "s", CaseID: "1", Action: "taobao.rp.refunds.agree", At: now, OK: true})
	if err := fresh.SaveFile(path); err != nil {
		t.Fatal(err)
	}

	restored := New(Options{Now: func() time.Time { return now }})
	if ok, err := restored.LoadFile(path); !ok || err != nil {
		t.Fatalf("LoadFile = %v, %v", ok, err)
	}
	if got, want := len(restored.Cases("", "")), len(fresh.Cases("", "")); got != want || got == 0 {
		t.Fatalf("restored %d cases, want %d", got, want)
	}
	for i, c := range restored.Cases("", "") {
		if c.Case["status"] != fresh.Cases("", "")[i].Case["status"] || c.Case["refund_version"] != fresh.Cases("", "")[i].Case["refund_version"] {
			t.Fatalf("case %d differs after restore: %v", i, c.Case)
		}
	}
	if a := restored.Actions(); len(a) != 1 || a[0].CaseID != "1" {
		t.Fatalf("actions after restore = %+v", a)
	}
}
