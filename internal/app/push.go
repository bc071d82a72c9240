package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/shopline"
	"github.com/aftersale/aftersale/platforms/xiaoe"
	"github.com/aftersale/aftersale/platforms/xportcn"
)

// PushPath is where a shop's pushes are received: /push/<platform>/<shop>.
func PushPath(p platforms.Platform, shop string) string { return "/push/" + string(p) + "/" + shop }

// PushHandler routes platform pushes (SHOPLINE webhooks, Xiaoe pushes, Xportcn callbacks)
// to their verifying receivers, which hand hints to the case workflows.
func PushHandler(cfg config.Config, c client.Client, logger *slog.Logger) http.Handler {
	sink := func(ctx context.Context, h platforms.Hint) error {
		_, err := activities.SignalCase(ctx, c, h)
		return err
	}
	dedupe := platforms.NewDeduper(24*time.Hour, 100_000)
	mux := http.NewServeMux()
	for _, s := range cfg.Shops {
		path := PushPath(s.Platform, s.Shop)
		switch s.Platform {
		case platforms.Shopline:
			shop := s.Shop
			mux.Handle("POST "+path, shopline.NewWebhookHandler(s.Secret(),
				func(*http.Request) (string, bool) { return shop, true }, sink, dedupe, logger))
		case platforms.Xiaoe:
			mux.Handle("POST "+path, xiaoe.NewPushHandler(s.Shop, sink, dedupe, logger))
		case platforms.Xportcn:
			mux.Handle("POST "+path, xportcn.NewCallbackHandler(xportcn.FixedShop(s.Shop), sink, dedupe, logger))
		}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	return mux
}

// Serve listens on addr until ctx is done (the push receivers, the inbox).
// It returns the bound address.
func Serve(ctx context.Context, name, addr string, h http.Handler, logger *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("listener stopped", "listener", name, "err", err)
		}
	}()
	logger.Info("listening", "listener", name, "addr", ln.Addr().String())
	return ln.Addr().String(), nil
}
