// Package xiaoe is the Xiaoe-tech (小鹅通) merchant client: an access_token
// from GET /token, shared and refreshed by one token source per credential;
// JSON POSTs carrying the token in the body; {code,msg,data} envelopes
// classified into platforms.Error kinds; after-sale applications (售后单)
// normalized into platforms.Case.
//
// Xiaoe's public API lists and reads applications and can refund an order
// (xe.order.refund). It has no endpoint to accept or refuse an application,
// agree a return, confirm receipt or ship a replacement [UNCONFIRMED: none
// found]. So agree on a refund-only application is a merchant refund, and
// every other action answers platforms.Unsupported: the workflow escalates
// and a person acts in the Xiaoe admin.
package xiaoe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/httpretry"
)

// DefaultGateway is Xiaoe's API base URL.
const DefaultGateway = "https://api.xiaoe-tech.com"

// Endpoints this client calls. API paths are /<name>/<apiVersion>.
const (
	endpointToken  = "token"
	endpointList   = "xe.ecommerce.after_sale.list"
	endpointDetail = "xe.ecommerce.after_sale.detail"
	endpointRefund = "xe.order.refund"
	apiVersion     = "1.0.0"
)

// Config holds one shop's Xiaoe credentials and transport settings.
type Config struct {
	Gateway   string // API base URL; default DefaultGateway
	AppID     string // the shop's app_id (店铺ID)
	ClientID  string // the app's client_id
	SecretKey string // secret_key (client_secret)
	Shop      string // our shop name, as in rule files and workflow IDs
	// Operator is sent as refund_operator with xe.order.refund, so that the
	// Xiaoe admin shows who refunded. Default "aftersale".
	Operator   string
	Timeout    time.Duration
	MaxRetries int // retries per call; 0 means 3, negative means none
	Logger     *slog.Logger
	// Now is the clock for token expiry; default time.Now. The token source
	// is shared per credential: the first client's clock and logger win.
	Now func() time.Time
}

// Client calls Xiaoe for one shop. It implements platforms.Client.
type Client struct {
	cfg    Config
	http   *retryablehttp.Client
	tokens *tokenSource
	log    *slog.Logger
	sent   refundGuard
}

var _ platforms.Client = (*Client)(nil)

// New returns a client for cfg, filling defaults. Clients built for the same
// credential share one token source.
func New(cfg Config) *Client {
	cfg.Gateway = strings.TrimRight(cfg.Gateway, "/")
	if cfg.Gateway == "" {
		cfg.Gateway = DefaultGateway
	}
	if cfg.Operator == "" {
		cfg.Operator = "aftersale"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger.With("platform", platforms.Xiaoe, "shop", cfg.Shop)

	hc := httpretry.New(httpretry.Options{
		Timeout:    cfg.Timeout,
		MaxRetries: cfg.MaxRetries,
		CheckRetry: checkRetry,
		Backoff:    backoff,
		// Our own retry log names the endpoint only: bodies carry the token
		// and the token URL carries the secret.
		LogRetry: func(req *http.Request, attempt int) {
			log.Info("xiaoe: retrying", "endpoint", endpointFrom(req.Context()), "attempt", attempt)
		},
	})

	key := tokenKey{tokenURL: cfg.Gateway + "/token", appID: cfg.AppID, clientID: cfg.ClientID, secret: cfg.SecretKey}
	return &Client{
		cfg:    cfg,
		http:   hc,
		tokens: sharedTokenSource(key, hc, cfg.Now, cfg.Logger.With("platform", platforms.Xiaoe, "app_id", cfg.AppID)),
		log:    log,
	}
}

// Platform implements platforms.Client.
func (c *Client) Platform() platforms.Platform { return platforms.Xiaoe }

// Shop implements platforms.Client.
func (c *Client) Shop() string { return c.cfg.Shop }

// call POSTs params plus the access_token to an endpoint and decodes the
// envelope's data into out. When Xiaoe rejects the token it fetches a new
// one (once per call; concurrent rejections share one fetch) and repeats
// the call: a rejected token means nothing was done, even for a refund.
// Every failure is a *platforms.Error, except context cancellation.
func (c *Client) call(ctx context.Context, endpoint string, params map[string]any, out any) error {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return err
	}
	err = c.post(ctx, endpoint, tok, params, out)
	var te *tokenError
	if !errors.As(err, &te) {
		return err
	}
	c.log.Info("xiaoe: access_token rejected; fetching a new one", "endpoint", endpoint, "code", te.err.Code)
	if tok, err = c.tokens.Refresh(ctx, tok); err != nil {
		return err
	}
	err = c.post(ctx, endpoint, tok, params, out)
	if errors.As(err, &te) {
		te.err.Message += " (again after fetching a new access_token)"
		return te.err
	}
	return err
}

// post makes one HTTP exchange (with the transport's retries).
func (c *Client) post(ctx context.Context, endpoint, token string, params map[string]any, out any) error {
	body := make(map[string]any, len(params)+1)
	for k, v := range params {
		body[k] = v
	}
	body["access_token"] = token
	raw, err := json.Marshal(body)
	if err != nil {
		return xeErr(platforms.ErrInvalid, "request", endpoint+": "+err.Error())
	}
	u := c.cfg.Gateway + "/" + endpoint + "/" + apiVersion
	req, err := retryablehttp.NewRequestWithContext(withEndpoint(ctx, endpoint), http.MethodPost, u, raw)
	if err != nil {
		return xeErr(platforms.ErrInvalid, "request", endpoint+": "+err.Error())
	}
	req.Header.Set("Content-Type", "application/json")

	start := time.Now()
	resp, err := c.http.Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	err = answer(ctx, endpoint, resp, err, out)
	var te *tokenError
	switch {
	case errors.As(err, &te):
		// Logged by call.
	case err != nil:
		c.log.Warn("xiaoe: call failed", "endpoint", endpoint, "kind", platforms.KindOf(err), "error", err, "elapsed", time.Since(start))
	default:
		c.log.Debug("xiaoe: call", "endpoint", endpoint, "elapsed", time.Since(start))
	}
	return err
}

// answer turns the HTTP outcome into out (the envelope's data) or a
// classified error; a rejected token comes back as *tokenError.
func answer(ctx context.Context, endpoint string, resp *http.Response, err error, out any) error {
	// A mutation that failed after sending may still have been applied.
	unknown := ""
	if mutating[endpoint] {
		unknown = "; outcome unknown, re-read the case before acting again"
	}
	if resp == nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		code := "network"
		if httpretry.NotSent(err) {
			code, unknown = codeNotSent, ""
		}
		return xeErr(platforms.ErrTransient, code, fmt.Sprintf("%s: %v%s", endpoint, redact(err), unknown))
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e := xeErr(platforms.ErrRateLimited, "http_429", endpoint+": HTTP 429")
		e.RetryAfter = rateLimitWait(resp)
		return e
	case resp.StatusCode >= 500:
		return xeErr(platforms.ErrTransient, fmt.Sprintf("http_%d", resp.StatusCode), fmt.Sprintf("%s: HTTP %d%s", endpoint, resp.StatusCode, unknown))
	case resp.StatusCode != http.StatusOK:
		return xeErr(platforms.ErrInvalid, fmt.Sprintf("http_%d", resp.StatusCode), fmt.Sprintf("%s: HTTP %d", endpoint, resp.StatusCode))
	}

	env, ok := peekEnvelope(resp)
	if !ok {
		return xeErr(platforms.ErrMalformed, "json", endpoint+": answer is not a {code,msg,data} object"+unknown)
	}
	n, ok := env.code()
	if !ok {
		return xeErr(platforms.ErrMalformed, "json", fmt.Sprintf("%s: code %q is not an integer%s", endpoint, env.Code, unknown))
	}
	if n != CodeOK {
		pe := Classify(endpoint, env)
		if env.tokenRejected() && endpoint != endpointToken {
			return &tokenError{err: pe}
		}
		return pe
	}
	if out == nil {
		return nil
	}
	if len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")) {
		return xeErr(platforms.ErrMalformed, "json", endpoint+": answer has no data"+unknown)
	}
	d := json.NewDecoder(bytes.NewReader(env.Data))
	d.UseNumber()
	if err := d.Decode(out); err != nil {
		return xeErr(platforms.ErrMalformed, "json", fmt.Sprintf("%s: data: %v%s", endpoint, err, unknown))
	}
	return nil
}

// codeNotSent marks a transport failure before the request left: nothing
// can have been applied.
const codeNotSent = "not_sent"

// redact drops the query from a transport error's URL: the /token URL
// carries the secret_key.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u := ue.URL
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i] + "?…"
		}
		return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
	}
	return err
}
