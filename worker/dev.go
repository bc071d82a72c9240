package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/internal/devserver"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/xportcn"
	"github.com/aftersale/aftersale/rules"
)

type devOptions struct {
	DataDir      string
	TemporalPort int
	UIPort       int
	SandboxAddr  string
	PushAddr     string
	InboxAddr    string
	CodecAddr    string
	Banner       io.Writer // where the addresses are printed; stderr by default
}

// runDev starts the embedded Temporal server and UI, the sandbox with demo
// cases, and the worker, and stops them in reverse order.
func runDev(ctx context.Context, o devOptions, logger *slog.Logger) error {
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return err
	}
	rulesDir := filepath.Join(o.DataDir, "rules")
	if err := writeExampleRules(rulesDir); err != nil {
		return err
	}

	// The sandbox pushes SHOPLINE webhooks to the worker's push listener,
	// signed like SHOPLINE does.
	sb := sandbox.New(sandbox.Options{
		Logger:   logger.With("component", "sandbox"),
		Shopline: sandbox.ShoplineOptions{WebhookURL: "http://" + o.PushAddr + app.PushPath(platforms.Shopline, sandbox.DemoShoplineShop)},
	})
	statePath := filepath.Join(o.DataDir, "sandbox.json")
	restored, err := sb.LoadFile(statePath)
	if err != nil {
		return fmt.Errorf("sandbox state %s: %w", statePath, err)
	}
	if !restored {
		if err := sb.Seed(time.Now()); err != nil {
			return err
		}
	}
	sandboxAddr, err := sb.Start(ctx, o.SandboxAddr)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer func() {
		if err := sb.SaveFile(statePath); err != nil {
			logger.Error("saving sandbox state", "err", err)
		}
	}()

	ring, err := devKeyring(o.DataDir)
	if err != nil {
		return err
	}
	codecURL := ""
	if o.CodecAddr != "" {
		codecURL = "http://" + o.CodecAddr
	}
	srv, err := devserver.Start(ctx, devserver.Options{
		DataDir:       o.DataDir,
		Port:          o.TemporalPort,
		UIPort:        o.UIPort,
		Logger:        logger.With("component", "temporal"),
		CodecEndpoint: codecURL,
	})
	if err != nil {
		return fmt.Errorf("temporal dev server: %w", err)
	}
	defer srv.Stop()

	c, err := app.Dial(config.Temporal{Address: srv.HostPort(), Namespace: srv.Namespace()}, ring, logger.With("component", "sdk"))
	if err != nil {
		return err
	}
	defer c.Close()
	if o.CodecAddr != "" {
		origins := []string{fmt.Sprintf("http://127.0.0.1:%d", o.UIPort), fmt.Sprintf("http://localhost:%d", o.UIPort)}
		if _, err := app.ServeCodec(ctx, config.CodecServer{Addr: o.CodecAddr, AllowedOrigins: origins}, ring, logger); err != nil {
			return fmt.Errorf("codec server: %w", err)
		}
	}

	cfg := devConfig(rulesDir, "http://"+sandboxAddr)
	cfg.PushAddr = o.PushAddr
	cfg.Inbox.Addr = o.InboxAddr
	cfg.Notifications.InboxURL = "http://" + o.InboxAddr
	w, err := app.Start(ctx, cfg, c, logger)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting up
		}
		return err
	}
	defer w.Stop()

	banner := o.Banner
	if banner == nil {
		banner = os.Stderr
	}
	fmt.Fprintf(banner, `
aftersale dev mode is up
  Temporal        %s (namespace %s)
  Temporal UI     http://%s
  Sandbox         http://%s   (admin: /_sandbox/cases, /_sandbox/actions)
  Push receivers  http://%s/push/<platform>/<shop>
  Inbox           http://%s   (escalated cases: decide them here)
  Payloads        encrypted with %s; the UI decodes them through %s
  Notifications   http://%s%s   (what the ops webhook received)
  Rules           %s   (edit them: they reload on save)
  Try             go run ./starter cases list
Stop with Ctrl-C; a restart on the same --data-dir resumes every open case.

`, srv.HostPort(), srv.Namespace(), srv.UIAddress(), sandboxAddr, o.PushAddr, o.InboxAddr, ring, codecURL, sandboxAddr, sandbox.NotificationsPath, rulesDir)
	<-ctx.Done()
	logger.Info("shutting down")
	return nil
}

// devConfig is the worker config for the sandbox's demo shops.
func devConfig(rulesDir, sandboxURL string) config.Config {
	cfg := config.Defaults()
	cfg.RulesDir = rulesDir
	cfg.PollInterval = time.Minute
	cfg.Sync = config.Sync{Interval: 10 * time.Second, Overlap: 30 * time.Second, Lookback: 30 * 24 * time.Hour, MessagesInterval: 2 * time.Second}
	// The sandbox stands in for the ops chat room.
	cfg.Notifications = config.Notifications{
		ReminderBefore: 4 * time.Hour,
		Webhooks:       []config.Webhook{{Name: "sandbox", URL: sandboxURL + sandbox.NotificationsPath, Format: config.FormatGeneric}},
	}
	seen := map[string]bool{}
	for _, d := range sandbox.DemoCases(time.Now()) {
		if seen[d.Platform+"/"+d.Shop] {
			continue
		}
		seen[d.Platform+"/"+d.Shop] = true
		shop := config.Shop{Platform: platforms.Platform(d.Platform), Shop: d.Shop,
			Budget: &config.Budget{Hour: config.Limit{Count: 20, Amount: 500000}, Day: config.Limit{Count: 100, Amount: 2000000}}}
		switch shop.Platform {
		case platforms.Taobao:
			shop.Gateway = sandboxURL + "/router/rest"
			shop.AppKey, shop.AppSecret = sandbox.DefaultTOPAppKey, sandbox.DefaultTOPAppSecret
			shop.Session = sandbox.TOPSessionFor(d.Shop)
			shop.SignMethod = "hmac-sha256"
			shop.Exchanges, shop.Messages = true, true
		case platforms.Xiaoe:
			shop.Gateway = sandboxURL
			shop.AppID, shop.ClientID = sandbox.XiaoeAppIDFor(d.Shop), sandbox.DefaultXiaoeClientID
			shop.AppSecret = sandbox.DefaultXiaoeSecretKey
		case platforms.Shopline:
			shop.Gateway = sandboxURL
			shop.Token = sandbox.ShoplineTokenFor(d.Shop)
			shop.AppSecret = sandbox.DefaultShoplineAppSecret
		case platforms.Xportcn:
			shop.Gateway = sandboxURL + "/api"
			shop.AppKey, shop.AppSecret = sandbox.XportcnAccessKeyFor(d.Shop), sandbox.DefaultXportcnAccessSecret
			// The sandbox's own codes; a real account lists only what Xportcn confirmed.
			shop.Statuses, shop.TimeoutTypes = xportcn.SandboxStatuses, xportcn.SandboxTimeoutTypes
		}
		cfg.Shops = append(cfg.Shops, shop)
	}
	return cfg
}

// writeExampleRules copies the embedded example rules into dir once, so ops
// can edit them; an existing dir is left as it is.
func writeExampleRules(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	sub, err := fs.Sub(rules.Examples, "examples")
	if err != nil {
		return err
	}
	return os.CopyFS(dir, sub)
}

// devKeyring is the payload keyring of dev mode: AFTERSALE_PAYLOAD_KEYS when
// set, else a key made once and kept in the data dir, so dev histories are
// encrypted as production ones should be and survive restarts.
func devKeyring(dataDir string) (*codec.Keyring, error) {
	if ring, err := codec.FromEnv(); ring != nil || err != nil {
		return ring, err
	}
	path := filepath.Join(dataDir, "payload-keys")
	spec, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, codec.KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		spec = []byte("dev-" + time.Now().UTC().Format("20060102") + ":" + base64.StdEncoding.EncodeToString(key))
		if err := os.WriteFile(path, spec, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return codec.ParseKeyring(strings.TrimSpace(string(spec)), "")
}
