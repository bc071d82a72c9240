package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/internal/config"
)

// Dial connects to Temporal. With a keyring every payload the process
// writes is encrypted and every payload it reads is decrypted, so case
// data sits in Temporal's database only as ciphertext.
func Dial(cfg config.Temporal, ring *codec.Keyring, logger *slog.Logger) (client.Client, error) {
	dc, fc := codec.ClientOptions(ring)
	c, err := client.Dial(client.Options{
		HostPort:         cfg.Address,
		Namespace:        cfg.Namespace,
		Logger:           sdklog.NewStructuredLogger(logger),
		DataConverter:    dc,
		FailureConverter: fc,
	})
	if err != nil {
		return nil, fmt.Errorf("temporal at %s: %w", cfg.Address, err)
	}
	return c, nil
}

// ServeCodec serves the payload codec endpoint for the Temporal UI and CLI
// until ctx is done. It returns the bound address.
func ServeCodec(ctx context.Context, cfg config.CodecServer, ring *codec.Keyring, logger *slog.Logger) (string, error) {
	if cfg.Addr == "" {
		return "", nil
	}
	if ring == nil {
		return "", errors.New("codec_server is set but no payload keys are (" + codec.EnvKeys + ")")
	}
	h := codec.Handler(ring, codec.HandlerOptions{AllowedOrigins: cfg.AllowedOrigins, BearerToken: cfg.Token()})
	return Serve(ctx, "codec", cfg.Addr, h, logger)
}
