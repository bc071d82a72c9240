package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesCommands(t *testing.T) {
	broken := t.TempDir()
	writeFile(t, filepath.Join(broken, "taobao.yaml"), `platform: taobao
rules:
  - id: r1
    when: amount > 10 && colour == "red"
    then: agree
default: escalate
`)
	failing := t.TempDir()
	writeFile(t, filepath.Join(failing, "taobao.yaml"), `platform: taobao
rules:
  - id: small
    when: amount <= 100
    then: agree
default: escalate
tests:
  - name: wrong on purpose
    case: {kind: refund, status: awaiting_seller, amount: 50}
    expect: {action: refuse, rule: small}
`)
	caseFile := filepath.Join(t.TempDir(), "case.json")
	writeFile(t, caseFile, `{"platform":"taobao","shop":"s","id":"1","kind":"refund","status":"awaiting_seller",
		"goods_status":"not_shipped","amount":9900,"currency":"CNY","allowed":["agree","refuse"]}`)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"check examples", []string{"rules", "check", "../rules/examples"}, 0, "ok"},
		{"check broken names file line col", []string{"rules", "check", broken}, 1, "taobao.yaml:4:"},
		{"test examples", []string{"rules", "test", "../rules/examples"}, 0, " 0 failed"},
		{"test failing", []string{"rules", "test", failing}, 1, "1 failed"},
		{"explain", []string{"rules", "explain", "--rules", "../rules/examples", "--case", caseFile, "--now", "2026-11-23T10:00:00+08:00"}, 0, "unshipped-small-refund"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"no command", nil, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
			all := out.String() + errOut.String()
			if code != tc.code || !strings.Contains(all, tc.want) {
				t.Fatalf("exit %d (want %d), output:\n%s\nwant it to contain %q", code, tc.code, all, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
