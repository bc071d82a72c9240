// Command worker runs the aftersale Temporal worker. With --dev it also runs
// an embedded Temporal server with its Web UI and the platform sandbox seeded
// with demo cases, all in one process.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/sdk/worker"

	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/internal/config"
)

func main() {
	var (
		dev        = flag.Bool("dev", false, "run everything in one process: Temporal, UI, sandbox with demo cases, worker")
		configPath = flag.String("config", os.Getenv("AFTERSALE_CONFIG"), "config file (production mode)")
		devFlags   devOptions
	)
	flag.StringVar(&devFlags.DataDir, "data-dir", ".aftersale", "dev: where Temporal's SQLite file, the sandbox state and the editable rules live")
	flag.IntVar(&devFlags.TemporalPort, "temporal-port", 7233, "dev: Temporal frontend port")
	flag.IntVar(&devFlags.UIPort, "ui-port", 8233, "dev: Temporal Web UI port")
	flag.StringVar(&devFlags.SandboxAddr, "sandbox-addr", "127.0.0.1:8300", "dev: platform sandbox address")
	flag.StringVar(&devFlags.PushAddr, "push-addr", "127.0.0.1:8400", "dev: where the worker receives platform pushes")
	flag.StringVar(&devFlags.InboxAddr, "inbox-addr", "127.0.0.1:8240", "dev: escalation inbox address")
	flag.StringVar(&devFlags.CodecAddr, "codec-addr", "127.0.0.1:8241", "dev: payload codec endpoint the UI decodes with")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	if *dev {
		err = runDev(ctx, devFlags, logger)
	} else {
		err = runProduction(ctx, *configPath, logger)
	}
	if err != nil {
		logger.Error("worker stopped", "err", err)
		os.Exit(1)
	}
}

func runProduction(ctx context.Context, configPath string, logger *slog.Logger) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if cfg.WorkflowCacheSize > 0 {
		// Process-wide; must be set before any worker is created.
		worker.SetStickyWorkflowCacheSize(cfg.WorkflowCacheSize)
	}
	ring, err := codec.FromEnv()
	if err != nil {
		return err
	}
	if ring == nil {
		logger.Warn("payloads are stored unencrypted: set " + codec.EnvKeys + " to encrypt them")
	}
	c, err := app.Dial(cfg.Temporal, ring, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	w, err := app.Start(ctx, cfg, c, logger)
	if err != nil {
		return err
	}
	if _, err := app.ServeCodec(ctx, cfg.CodecServer, ring, logger); err != nil {
		w.Stop()
		return fmt.Errorf("codec server: %w", err)
	}
	<-ctx.Done()
	logger.Info("shutting down")
	w.Stop()
	return nil
}
