// Package taobao is the Taobao/Tmall Open Platform (TOP) client: signed
// form POSTs to the /router/rest gateway, TOP error envelopes classified into
// platforms.Error kinds, and REFUND objects (taobao.refund*) and Tmall
// exchanges (tmall.exchange.*, case ids "exchange-<dispute_id>") normalized
// into platforms.Case.
// docs/top-wire.md is the wire contract.
package taobao

import (
	"bytes"
	"context"
	"encoding/json"
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

// DefaultGateway is TOP's production gateway.
const DefaultGateway = "https://eco.taobao.com/router/rest"

// TOP methods this client calls.
const (
	methodList        = "taobao.refunds.receive.get"
	methodGet         = "taobao.refund.get"
	methodAgree       = "taobao.rp.refunds.agree"
	methodRefuse      = "taobao.refund.refuse"
	methodReturnAgree = "taobao.rp.returngoods.agree"
)

// cst is GMT+8, the zone of every TOP timestamp. A fixed zone, so that the
// client needs no tzdata on the worker host.
var cst = time.FixedZone("CST", 8*3600)

// Config holds one shop's TOP credentials and transport settings.
type Config struct {
	Gateway    string // default DefaultGateway
	AppKey     string
	AppSecret  string
	Session    string // the shop's authorized session key
	SignMethod string // md5 (default), hmac or hmac-sha256
	Shop       string // our shop name, as in rule files and workflow IDs
	Timeout    time.Duration
	MaxRetries int // retries per call; 0 means 3, negative means none
	Logger     *slog.Logger
	Now        func() time.Time // clock for the timestamp param; default time.Now
	// Exchanges makes List return Tmall exchanges (tmall.exchange.*) too.
	// Tmall shops only: Taobao shops have no exchange API. Get and Act
	// handle "exchange-<dispute_id>" cases whatever this says.
	Exchanges bool
}

// Client calls TOP for one shop. It implements platforms.Client.
type Client struct {
	cfg  Config
	http *retryablehttp.Client
	log  *slog.Logger
}

var _ platforms.Client = (*Client)(nil)

// New returns a client for cfg, filling defaults.
func New(cfg Config) *Client {
	if cfg.Gateway == "" {
		cfg.Gateway = DefaultGateway
	}
	if cfg.SignMethod == "" {
		cfg.SignMethod = SignMD5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger.With("platform", platforms.Taobao, "shop", cfg.Shop)

	hc := httpretry.New(httpretry.Options{
		Timeout:    cfg.Timeout,
		MaxRetries: cfg.MaxRetries,
		CheckRetry: checkRetry,
		Backoff:    backoff,
		// Our own retry log names the TOP method; never the params, which
		// hold the session and signature.
		LogRetry: func(req *http.Request, attempt int) {
			log.Info("top: retrying", "method", methodFrom(req.Context()), "attempt", attempt)
		},
	})
	return &Client{cfg: cfg, http: hc, log: log}
}

// Platform implements platforms.Client.
func (c *Client) Platform() platforms.Platform { return platforms.Taobao }

// Shop implements platforms.Client.
func (c *Client) Shop() string { return c.cfg.Shop }

// call invokes one TOP method and decodes the "<root>_response" object into
// out. Every failure is a *platforms.Error, except context cancellation.
func (c *Client) call(ctx context.Context, method string, params url.Values, out any) error {
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("method", method)
	form.Set("app_key", c.cfg.AppKey)
	form.Set("session", c.cfg.Session)
	form.Set("timestamp", c.cfg.Now().In(cst).Format(TimestampLayout))
	form.Set("format", "json")
	form.Set("v", "2.0")
	form.Set("sign_method", c.cfg.SignMethod)
	sign, err := Sign(form, c.cfg.AppSecret, c.cfg.SignMethod)
	if err != nil {
		return topErr(platforms.ErrInvalid, "sign", err.Error())
	}
	form.Set("sign", sign)

	req, err := retryablehttp.NewRequestWithContext(withMethod(ctx, method), http.MethodPost, c.cfg.Gateway, []byte(form.Encode()))
	if err != nil {
		return topErr(platforms.ErrInvalid, "request", err.Error())
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")

	start := time.Now()
	resp, err := c.http.Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	err = c.answer(ctx, method, resp, err, out)
	if err != nil {
		c.log.Warn("top: call failed", "method", method, "kind", platforms.KindOf(err), "error", err, "elapsed", time.Since(start))
	} else {
		c.log.Debug("top: call", "method", method, "elapsed", time.Since(start))
	}
	return err
}

// answer turns the HTTP outcome into out or a classified error.
func (c *Client) answer(ctx context.Context, method string, resp *http.Response, err error, out any) error {
	// A mutation that failed after sending may still have been applied.
	unknown := ""
	if mutating[method] {
		unknown = "; outcome unknown, re-read the case before acting again"
	}

	if resp == nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if mutating[method] && httpretry.NotSent(err) {
			unknown = ""
		}
		return topErr(platforms.ErrTransient, "network", fmt.Sprintf("%s: %v%s", method, err, unknown))
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, _ := rateLimitWait(resp)
		e := topErr(platforms.ErrRateLimited, "http_429", method+": HTTP 429")
		e.RetryAfter = wait
		return e
	case resp.StatusCode >= 500:
		return topErr(platforms.ErrTransient, fmt.Sprintf("http_%d", resp.StatusCode), fmt.Sprintf("%s: HTTP %d%s", method, resp.StatusCode, unknown))
	case resp.StatusCode != http.StatusOK:
		return topErr(platforms.ErrInvalid, fmt.Sprintf("http_%d", resp.StatusCode), fmt.Sprintf("%s: HTTP %d", method, resp.StatusCode))
	}

	var env map[string]json.RawMessage
	if decode(httpretry.Peek(resp), &env) != nil || env == nil {
		return topErr(platforms.ErrMalformed, "json", method+": answer is not a JSON object"+unknown)
	}
	if raw, ok := env["error_response"]; ok {
		var te TopError
		if decode(raw, &te) != nil {
			return topErr(platforms.ErrMalformed, "json", method+": undecodable error_response"+unknown)
		}
		return Classify(te)
	}
	root := rootKey(method)
	raw, ok := env[root]
	if !ok {
		return topErr(platforms.ErrMalformed, "json", method+": answer lacks "+root+unknown)
	}
	if err := decode(raw, out); err != nil {
		return topErr(platforms.ErrMalformed, "json", fmt.Sprintf("%s: %v%s", method, err, unknown))
	}
	return nil
}

// rootKey is the key TOP wraps an answer in: "taobao.refund.get" answers
// under "refund_get_response".
func rootKey(method string) string {
	return strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
}

// decode unmarshals with UseNumber: TOP ids exceed 2^53 and must not pass
// through float64.
func decode(raw []byte, out any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(out)
}
