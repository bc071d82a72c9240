package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background
// until ctx is done. It returns the bound address, host:port.
func (s *Sandbox) Start(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.serve(ctx, ln)
	return ln.Addr().String(), nil
}

// ListenAndServe serves on addr until ctx is done, then shuts down and
// returns nil; it returns early with the error if serving fails.
func (s *Sandbox) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return <-s.serve(ctx, ln)
}

// serve runs an HTTP server on ln until ctx is done. Request contexts derive
// from ctx, so requests held by a "timeout" fault end with it. The channel
// yields nil once the server has shut down, or the error that stopped it.
func (s *Sandbox) serve(ctx context.Context, ln net.Listener) <-chan error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	addr := ln.Addr().String()
	s.log.Info("sandbox listening", "addr", "http://"+addr)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	done := make(chan error, 1)
	go func() {
		select {
		case err := <-served:
			s.log.Error("sandbox stopped serving", "addr", addr, "err", err)
			done <- err
			return
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox stopped serving", "addr", addr, "err", err)
		}
		s.log.Info("sandbox stopped", "addr", addr)
		done <- nil
	}()
	return done
}
