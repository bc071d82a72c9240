package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/aftersale/aftersale/internal/codec"
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
	dc, fc, err := g.converters()
	if err != nil {
		return nil, err
	}
	return client.Dial(client.Options{HostPort: g.Address, Namespace: g.Namespace, Logger: quietLogger{},
		DataConverter: dc, FailureConverter: fc})
}

// devKeysFile is where `worker --dev` (default --data-dir) keeps its payload key.
var devKeysFile = filepath.Join(".aftersale", "payload-keys")

// converters are the payload and failure converters of the worker: with
// payload keys, every argument the starter sends is encrypted and every
// answer, result and history payload it reads (`rules replay`) decrypted.
// Keys come from AFTERSALE_PAYLOAD_KEYS / AFTERSALE_PAYLOAD_KEY_ID, as the
// worker's do; without them, and only against a Temporal on this machine,
// from the key a dev worker keeps in .aftersale/payload-keys. Neither: no
// encryption (the SDK defaults).
func (g global) converters() (converter.DataConverter, converter.FailureConverter, error) {
	ring, err := codec.FromEnv()
	if err != nil {
		return nil, nil, err
	}
	if ring == nil && isLoopback(g.Address) {
		if spec, err := os.ReadFile(devKeysFile); err == nil {
			if ring, err = codec.ParseKeyring(strings.TrimSpace(string(spec)), ""); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", devKeysFile, err)
			}
		}
	}
	dc, fc := codec.ClientOptions(ring)
	return dc, fc, nil
}

func isLoopback(hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		host = hostPort
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
