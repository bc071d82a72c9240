// Command starter is the operator CLI: start cases, list and show them,
// decide escalated ones, and check, test and explain rule files.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

const usage = `usage: starter [--address HOST:PORT] [--namespace NS] COMMAND

commands:
  start --platform P --shop S --case ID     start (or refresh) a case workflow
  cases list [--status S] [--escalated] [--platform P] [--shop S] [--json]
  cases show ID [--json]                    ID: workflow ID or platform/shop/case-id
  decide ID --action A --by NAME [--note TEXT] [--param k=v]... [--amount MINOR]
  rules check DIR                           load every rule file, report errors with file:line:col
  rules test DIR                            run the tests: entries of every rule file
  rules explain --rules DIR --case FILE     which rule matches a case (JSON) and why
  bench discovery [--cases 1000,10000] [--change-rate 0.05] [--hour 2m] [--sync-interval 10s] [--out FILE]
                                            benchmark change discovery against a naive per-case poller

Temporal is found through --address/--namespace or TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g, args, err := parseGlobal(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "cases" || cmd == "rules") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	handlers := map[string]func(context.Context, global, []string, io.Writer) error{
		"start":         cmdStart,
		"cases list":    cmdCasesList,
		"cases show":    cmdCasesShow,
		"decide":        cmdDecide,
		"rules check":   cmdRulesCheck,
		"rules test":    cmdRulesTest,
		"rules explain": cmdRulesExplain,
		"bench":         cmdBench,
	}
	h, ok := handlers[cmd]
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err := h(ctx, g, rest, stdout); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}
