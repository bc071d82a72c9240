// Package shopline is the SHOPLINE Admin OpenAPI client for a merchant app:
// Bearer-token JSON calls under https://{handle}.myshopline.com/admin/openapi/
// v20250601, HTTP errors classified into platforms.Error kinds, returns and
// refunds normalized into platforms.Case, refunds of arrived returns created
// with calculate then create, and a receiver for SHOPLINE webhooks
// (webhook.go).
//
// SHOPLINE has no buyer request that awaits the merchant's approval
// (PLATFORMS.md §4.2); a case here is either
//   - a return (case ID return-<return_id>) whose package came back and that
//     no refund covers yet: the merchant's refund decision; or
//   - a refund (case ID refund-<order_id>-<refund_id>) whose money has not
//     gone out (pending, failure, error): watched, and escalated when stuck.
package shopline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/httpretry"
)

// APIVersion is the Admin OpenAPI version this client speaks.
const APIVersion = "v20250601"

// BaseURL is the API base of the store with this handle (the prefix of its
// domain: open001 for open001.myshopline.com).
func BaseURL(handle string) string {
	return "https://" + handle + ".myshopline.com/admin/openapi/" + APIVersion
}

// Config holds one store's credentials and transport settings.
type Config struct {
	// BaseURL is the store's API base, BaseURL(handle). A URL without
	// "/admin/openapi/" (e.g. https://open001.myshopline.com, or a sandbox
	// address) gets "/admin/openapi/"+APIVersion appended.
	BaseURL string
	// Token is the store's access token (Authorization: Bearer). Public
	// and custom app tokens last 10 hours and are renewed by OAuth outside
	// this client; a 401 is an auth error and the case escalates.
	Token string
	// Shop is our shop name, as in rule files and workflow IDs.
	Shop string
	// Currency is the store currency, for a line price that comes without
	// one (optional).
	Currency   string
	Timeout    time.Duration
	MaxRetries int // retries per call; 0 means 3, negative means none
	Logger     *slog.Logger
}

// Client calls SHOPLINE for one store. It implements platforms.Client.
type Client struct {
	cfg  Config
	base string
	http *retryablehttp.Client
	log  *slog.Logger
}

var _ platforms.Client = (*Client)(nil)

// New returns a client for cfg, filling defaults.
func New(cfg Config) *Client {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if !strings.Contains(base, "/admin/openapi/") {
		base += "/admin/openapi/" + APIVersion
	}
	log := cfg.Logger.With("platform", platforms.Shopline, "shop", cfg.Shop)

	hc := httpretry.New(httpretry.Options{
		Timeout:    cfg.Timeout,
		MaxRetries: cfg.MaxRetries,
		WaitMin:    minRateBackoff,
		CheckRetry: checkRetry,
		Backoff:    backoff,
		// Our own retry log names the endpoint, never the headers (the
		// token).
		LogRetry: func(req *http.Request, attempt int) {
			log.Info("shopline: retrying", "endpoint", endpointFrom(req.Context()).name, "attempt", attempt)
		},
	})
	return &Client{cfg: cfg, base: base, http: hc, log: log}
}

// Platform implements platforms.Client.
func (c *Client) Platform() platforms.Platform { return platforms.Shopline }

// Shop implements platforms.Client.
func (c *Client) Shop() string { return c.cfg.Shop }

// call sends one request to path (relative to the API base) and decodes a
// 2xx JSON answer into out. Every failure is a *platforms.Error, except
// context cancellation.
func (c *Client) call(ctx context.Context, ep endpoint, method, path string, query url.Values, body, out any) error {
	u := c.base + "/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return slErr(platforms.ErrInvalid, "request", fmt.Sprintf("%s: %v", ep.name, err))
		}
		payload = b
	}
	var rawBody any // retryablehttp wants an untyped nil for no body
	if payload != nil {
		rawBody = payload
	}
	req, err := retryablehttp.NewRequestWithContext(withEndpoint(ctx, ep), method, u, rawBody)
	if err != nil {
		return slErr(platforms.ErrInvalid, "request", fmt.Sprintf("%s: %v", ep.name, err))
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")

	start := time.Now()
	resp, err := c.http.Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	err = c.answer(ctx, ep, resp, err, out)
	if err != nil {
		c.log.Warn("shopline: call failed", "endpoint", ep.name, "kind", platforms.KindOf(err), "error", err, "elapsed", time.Since(start))
	} else {
		c.log.Debug("shopline: call", "endpoint", ep.name, "elapsed", time.Since(start))
	}
	return err
}

// answer turns the HTTP outcome into out or a classified error.
func (c *Client) answer(ctx context.Context, ep endpoint, resp *http.Response, err error, out any) error {
	// A mutation that failed after it was sent may still have been applied.
	unknown := ""
	if ep.mutating {
		unknown = "; outcome unknown, re-read the case before acting again"
	}
	if resp == nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ep.mutating && httpretry.NotSent(err) {
			unknown = ""
		}
		return slErr(platforms.ErrTransient, "network", fmt.Sprintf("%s: %v%s", ep.name, err, unknown))
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, httpretry.MaxBody))
	trace := resp.Header.Get("traceId")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := Classify(resp.StatusCode, body, trace)
		e.Message = ep.name + ": " + e.Message
		switch e.Kind {
		case platforms.ErrRateLimited:
			e.RetryAfter = httpretry.RetryAfter(resp, e.RetryAfter)
		case platforms.ErrTransient:
			e.Message += unknown
		}
		return e
	}
	if rerr != nil {
		return slErr(platforms.ErrTransient, "network", fmt.Sprintf("%s: reading the answer: %v%s", ep.name, rerr, unknown))
	}
	// SHOPLINE reports errors with HTTP statuses; an "errors" member in a
	// 2xx answer is still an error, never a success to act on.
	var env struct {
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Errors) > 0 && !bytes.Equal(env.Errors, []byte("null")) {
		e := Classify(http.StatusUnprocessableEntity, body, trace)
		e.Code = "errors"
		e.Message = fmt.Sprintf("%s: HTTP %d with errors: %s", ep.name, resp.StatusCode, truncate(string(env.Errors), 300))
		return e
	}
	if out == nil {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(out); err != nil {
		return slErr(platforms.ErrMalformed, "json", fmt.Sprintf("%s: %v%s", ep.name, err, unknown))
	}
	return nil
}
