package main

import (
	"flag"
	"io"
	"os"

	"go.temporal.io/sdk/client"
)

// global holds the connection flags every Temporal command shares.
type global struct {
	Address   string
	Namespace string
}

func parseGlobal(args []string) (global, []string, error) {
	g := global{Address: envOr("TEMPORAL_ADDRESS", "127.0.0.1:7233"), Namespace: envOr("TEMPORAL_NAMESPACE", "default")}
	fs := flag.NewFlagSet("starter", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.Address, "address", g.Address, "Temporal frontend")
	fs.StringVar(&g.Namespace, "namespace", g.Namespace, "Temporal namespace")
	if err := fs.Parse(args); err != nil {
		return g, nil, err
	}
	return g, fs.Args(), nil
}

func (g global) dial() (client.Client, error) {
	return client.Dial(client.Options{HostPort: g.Address, Namespace: g.Namespace, Logger: quietLogger{}})
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// quietLogger keeps the SDK's chatter out of CLI output.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

// newFlags makes a subcommand flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseInterleaved lets flags follow positional arguments (cases show ID --json).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
