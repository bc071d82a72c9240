package devserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// webUI runs the Temporal Web UI (ui-server with its embedded assets).
type webUI struct {
	srv  *uiserver.Server
	done chan struct{}
}

// startUI serves the UI on host:port against the frontend at grpcAddr and
// waits until it answers. The port must be free: ui-server exits the process
// (echo's Logger.Fatal) when it cannot bind, so the caller checks first.
func startUI(ctx context.Context, host string, port int, grpcAddr, namespace, codecEndpoint string) (*webUI, error) {
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: grpcAddr,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		DisableNewsFetch:    true,
		HideLogs:            true,
		// Plain http on loopback: a Secure CSRF cookie would never be sent back.
		CORS:  uiconfig.CORS{CookieInsecure: true},
		Codec: uiconfig.Codec{Endpoint: codecEndpoint},
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ui config: %w", err)
	}
	u := &webUI{
		srv:  uiserver.NewServer(uioptions.WithConfigProvider(cfg)),
		done: make(chan struct{}),
	}
	go func() {
		defer close(u.done)
		_ = u.srv.Start() // blocks until Stop
	}()

	addr := net.JoinHostPort(dialHost(host), strconv.Itoa(port))
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			return u, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			u.stop()
			return nil, fmt.Errorf("temporal ui did not come up on %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (u *webUI) stop() {
	u.srv.Stop()
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
	}
}
