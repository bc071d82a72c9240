// Command sandbox runs the platform sandbox standalone:
//
//	go run ./platforms/sandbox/cmd/sandbox --addr 127.0.0.1:8300 --seed
//
// SIGINT or SIGTERM stops it.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aftersale/aftersale/platforms/sandbox"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8300", "listen address")
	seed := flag.Bool("seed", false, "load the demo cases")
	buyerShipAfter := flag.Duration("buyer-ship-after", 20*time.Second, "how long simulated buyers take to ship a return")
	debug := flag.Bool("debug", false, "log every case stored and call rejected")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	sb := sandbox.New(sandbox.Options{Logger: log, BuyerShipAfter: *buyerShipAfter})
	if *seed {
		if err := sb.Seed(time.Now()); err != nil {
			log.Error("seed", "err", err)
			os.Exit(1)
		}
		log.Info("demo cases loaded", "taobao_shops", []string{sandbox.DemoTOPShopFlagship, sandbox.DemoTOPShopOutlet})
	}
	log.Info("TOP credentials", "app_key", sandbox.DefaultTOPAppKey, "app_secret", sandbox.DefaultTOPAppSecret,
		"session", sandbox.TOPSessionFor("<shop>"))
	if err := sb.ListenAndServe(ctx, *addr); err != nil {
		log.Error("sandbox", "err", err)
		os.Exit(1)
	}
}
