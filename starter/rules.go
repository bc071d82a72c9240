package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/rules"
)

func cmdRulesCheck(_ context.Context, _ global, args []string, out, _ io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: rules check DIR")
	}
	rs, err := loadRules(args[0])
	if err != nil {
		return err
	}
	n := 0
	for _, f := range rs.Files {
		n += len(f.Rules)
	}
	fmt.Fprintf(out, "%s: %d files, %d rules, hash %s: ok\n", args[0], len(rs.Files), n, rs.Hash)
	return nil
}

// loadRules loads a rules directory; its error lists every problem as file:line:col.
func loadRules(dir string, opts ...rules.Option) (*rules.Ruleset, error) {
	rs, err := rules.Load(dir, opts...)
	if err != nil {
		var lines []string
		for _, e := range rules.Errors(err) {
			lines = append(lines, e.Error())
		}
		if len(lines) == 0 {
			return nil, err
		}
		return nil, fmt.Errorf("%d problem(s) in %s:\n  %s", len(lines), dir, strings.Join(lines, "\n  "))
	}
	return rs, nil
}

func cmdRulesTest(_ context.Context, _ global, args []string, out, _ io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: rules test DIR")
	}
	rs, err := loadRules(args[0])
	if err != nil {
		return err
	}
	failed := 0
	results := rs.RunTests()
	for _, r := range results {
		mark := "ok  "
		if !r.Pass {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(out, "%s %s: %s", mark, r.File, r.Name)
		if !r.Pass {
			fmt.Fprintf(out, " — %s", r.Msg)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d rule tests failed", failed)
	}
	return nil
}

func cmdRulesExplain(_ context.Context, _ global, args []string, out, _ io.Writer) error {
	fs := newFlags("rules explain")
	dir := fs.String("rules", "rules/examples", "rules directory")
	casePath := fs.String("case", "", "JSON file with a case (as `cases show --json` prints .case, or the platforms.Case fields)")
	at := fs.String("now", "", "evaluate at this RFC 3339 time (default: now)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *casePath == "" {
		return errors.New("usage: rules explain --rules DIR --case FILE")
	}
	rs, err := loadRules(*dir)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*casePath)
	if err != nil {
		return err
	}
	// Either a platforms.Case or what `cases show --json` prints (which holds one under "case").
	var wrapped struct {
		Case *platforms.Case `json:"case"`
	}
	var c platforms.Case
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.Case != nil {
		c = *wrapped.Case
	} else if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("%s: %w", *casePath, err)
	}
	now := time.Now()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return err
		}
	}
	rs.Explain(c, now).Write(out)
	return nil
}
