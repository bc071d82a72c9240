// Command starter is the operator CLI: start cases, list and show them,
// decide escalated ones, audit decisions, and check, test, explain and
// replay rule files.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

const usage = `usage: starter [--address HOST:PORT] [--namespace NS] COMMAND

commands:
  start --platform P --shop S --case ID     start (or refresh) a case workflow
  cases list [--status S] [--escalated] [--due-within 6h] [--platform P] [--shop S] [--json]
                                            open and recent cases; --escalated and --due-within
                                            list running cases only, soonest deadline first
  cases show ID [--json]                    ID: workflow ID or platform/shop/case-id
  decide ID --action A --by NAME [--note TEXT] [--param k=v]... [--amount MINOR]
  audit --since 7d [--format csv|json] [--platform P] [--shop S] [--out FILE]
                                            every decision taken since then, oldest first
  rules check DIR                           load every rule file, report errors with file:line:col
  rules test DIR                            run the tests: entries of every rule file
  rules explain --rules DIR --case FILE     which rule matches a case (JSON) and why
  rules replay --rules DIR --since 7d [--accept] [--json] [--platform P] [--shop S]
                                            re-decide every evaluation recorded since then with
                                            the rules in DIR; exit 1 if any decision would change
                                            (0 with --accept), 2 if the replay could not run
  bench discovery [--cases 1000,10000] [--change-rate 0.05] [--hour 2m] [--sync-interval 10s] [--out FILE]
                                            benchmark change discovery against a naive per-case poller
  bench throughput [--cases 500] [--rounds 3] [--open 2000] [--encrypt=true] [--out FILE]
                                            case throughput vs a trivial workflow, memory per open case
  bench soak [--cases 1000] [--kills 5] [--fault-rate 0.2] [--seed 1] [--out FILE]
                                            chaos soak: faults, pushes, worker kills; lost/duplicate/late/wrong counts

Durations: 90m, 36h, 7d (a day is 24h), 1d12h; --since also takes an RFC 3339 time.
Progress of long runs goes to stderr, results to stdout.
Temporal is found through --address/--namespace or TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE.
Payloads are encrypted and decrypted with the worker's keys, AFTERSALE_PAYLOAD_KEYS (and
AFTERSALE_PAYLOAD_KEY_ID); unset, against a Temporal on this machine, the key a dev worker
keeps in .aftersale/payload-keys is used if there is one.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// handler runs one command: results go to stdout, progress and warnings to stderr.
type handler func(ctx context.Context, g global, args []string, stdout, stderr io.Writer) error

// exitError makes a command exit with a code other than 1. Its message is
// printed as it is (no "error:" prefix), or not at all if empty.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

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
	handlers := map[string]handler{
		"start":         cmdStart,
		"cases list":    cmdCasesList,
		"cases show":    cmdCasesShow,
		"decide":        cmdDecide,
		"audit":         cmdAudit,
		"rules check":   cmdRulesCheck,
		"rules test":    cmdRulesTest,
		"rules explain": cmdRulesExplain,
		"rules replay":  cmdRulesReplay,
		"bench":         cmdBench,
	}
	h, ok := handlers[cmd]
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err := h(ctx, g, rest, stdout, stderr); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(stderr, ee.msg)
			}
			return ee.code
		}
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}
