// Package config reads the worker's configuration: a YAML file plus
// environment overrides. Secrets are referenced by environment variable name
// so the file itself can be committed and reviewed.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aftersale/aftersale/platforms"
)

// Config is the whole worker configuration.
type Config struct {
	Temporal Temporal `yaml:"temporal"`
	// RulesDir holds the ops team's rule files; they are reloaded on change.
	RulesDir string `yaml:"rules_dir"`
	// PollInterval is how long a case may go without news (sync, push) before
	// its workflow re-reads it on its own; deadlines are watched regardless.
	PollInterval time.Duration `yaml:"poll_interval"`
	Sync         Sync          `yaml:"sync"`
	// PushAddr is where the worker receives platform pushes (SHOPLINE
	// webhooks, Xportcn callbacks) at /push/<platform>/<shop>; empty: none.
	// Put TLS in front of it: platforms push over HTTPS.
	PushAddr string `yaml:"push_addr"`
	Shops    []Shop `yaml:"shops"`
	// WorkflowCacheSize caps how many workflow executions this worker
	// process keeps in memory between tasks (the SDK's sticky cache); an
	// evicted case replays its history on its next task. 0: the SDK
	// default (10,000).
	WorkflowCacheSize int `yaml:"workflow_cache_size"`
	// Notifications announce escalations and remind before deadlines.
	Notifications Notifications `yaml:"notifications"`
	// Inbox is the escalation inbox web page.
	Inbox Inbox `yaml:"inbox"`
	// CodecServer lets the Temporal UI decode encrypted payloads; the keys
	// come from AFTERSALE_PAYLOAD_KEYS (see internal/codec).
	CodecServer CodecServer `yaml:"codec_server"`
}

// Temporal says where the cluster is.
type Temporal struct {
	Address   string `yaml:"address"`
	Namespace string `yaml:"namespace"`
}

// Sync configures the per-shop sync schedules.
type Sync struct {
	Interval time.Duration `yaml:"interval"`
	Overlap  time.Duration `yaml:"overlap"`
	Lookback time.Duration `yaml:"lookback"`
	// MessagesInterval is how often TOP shops with `messages: true` consume TMC.
	MessagesInterval time.Duration `yaml:"messages_interval"`
}

// Shop is one set of platform credentials. Which fields a platform reads:
//
//	taobao:   gateway, app_key, app_secret, session, sign_method
//	xiaoe:    gateway, app_id, client_id, app_secret (secret_key)
//	shopline: gateway (https://{handle}.myshopline.com), token (access token),
//	          app_secret (app secret: webhook signatures)
//	xportcn:  gateway, app_key (access key), app_secret, user_id, sign_method
//	          (md5 | md5-ms | hmac-sha256: confirm with Xportcn), statuses,
//	          timeout_types, order_context
type Shop struct {
	Platform platforms.Platform `yaml:"platform"`
	Shop     string             `yaml:"shop"`
	Gateway  string             `yaml:"gateway"`
	AppKey   string             `yaml:"app_key"`
	AppID    string             `yaml:"app_id"`
	ClientID string             `yaml:"client_id"`
	UserID   string             `yaml:"user_id"`
	// Secrets: give the name of an environment variable (…_env); a literal
	// value is accepted for local experiments only.
	AppSecret    string `yaml:"app_secret"`
	AppSecretEnv string `yaml:"app_secret_env"`
	Session      string `yaml:"session"`
	SessionEnv   string `yaml:"session_env"`
	Token        string `yaml:"token"`
	TokenEnv     string `yaml:"token_env"`
	SignMethod   string `yaml:"sign_method"`
	// Exchanges makes a taobao shop's sync list Tmall exchanges too.
	Exchanges bool `yaml:"exchanges"`
	// Messages makes a taobao shop consume TMC messages over HTTP (the app
	// must have TMC enabled for the seller: taobao.tmc.user.permit).
	Messages bool `yaml:"messages"`
	// Xportcn values confirmed with Xportcn beyond the documented ones:
	// refundStatus → normalized status, timeoutType → seller|buyer.
	Statuses     map[string]platforms.Status `yaml:"statuses"`
	TimeoutTypes map[string]platforms.Role   `yaml:"timeout_types"`
	// OrderContext makes the Xportcn client read the purchase order too.
	OrderContext bool `yaml:"order_context"`
	// RateLimit is the platform calls per second this credential may make,
	// across all workers; 0 means the platform's documented limit.
	RateLimit float64 `yaml:"rate_limit"`
	// Budget caps the approvals the rules make on their own in this shop.
	Budget *Budget `yaml:"budget"`
}

// DefaultRateLimits are the platforms' documented call rates per credential.
var DefaultRateLimits = map[platforms.Platform]float64{
	platforms.Shopline: 4,          // 4 QPS per app per store (bucket 40)
	platforms.Xiaoe:    300.0 / 60, // 300 per minute per endpoint
	// Not documented: TOP limits depend on the app's category, Xportcn
	// publishes none. Conservative; set rate_limit when the vendor says more.
	platforms.Taobao:  10,
	platforms.Xportcn: 5,
}

// CallsPerSecond is the shop's platform call budget.
func (s Shop) CallsPerSecond() float64 {
	if s.RateLimit > 0 {
		return s.RateLimit
	}
	return DefaultRateLimits[s.Platform]
}

// Defaults returns the configuration used when a field is not set.
func Defaults() Config {
	return Config{
		Temporal:     Temporal{Address: "127.0.0.1:7233", Namespace: "default"},
		RulesDir:     "rules/examples",
		PollInterval: 2 * time.Hour,
		Sync:         Sync{Interval: 5 * time.Minute, Overlap: 2 * time.Minute, Lookback: 30 * 24 * time.Hour, MessagesInterval: 5 * time.Second},
	}
}

// Load reads the file at path (if not empty) over the defaults, then applies
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and AFTERSALE_RULES_DIR.
func Load(path string) (Config, error) {
	cfg := Defaults()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	if v := os.Getenv("TEMPORAL_ADDRESS"); v != "" {
		cfg.Temporal.Address = v
	}
	if v := os.Getenv("TEMPORAL_NAMESPACE"); v != "" {
		cfg.Temporal.Namespace = v
	}
	if v := os.Getenv("AFTERSALE_RULES_DIR"); v != "" {
		cfg.RulesDir = v
	}
	return cfg, cfg.Validate()
}

// Validate checks what can be checked without calling anything.
func (c Config) Validate() error {
	var errs []error
	if c.PollInterval <= 0 {
		errs = append(errs, errors.New("poll_interval must be positive"))
	}
	if c.Sync.Interval <= 0 {
		errs = append(errs, errors.New("sync.interval must be positive"))
	}
	if c.WorkflowCacheSize < 0 {
		errs = append(errs, errors.New("workflow_cache_size must not be negative"))
	}
	errs = append(errs, c.Notifications.validate()...)
	if c.CodecServer.TokenEnv != "" && c.CodecServer.Token() == "" {
		errs = append(errs, fmt.Errorf("codec_server: environment variable %s (token) is empty", c.CodecServer.TokenEnv))
	}
	if c.Inbox.PasswordEnv != "" && os.Getenv(c.Inbox.PasswordEnv) == "" {
		errs = append(errs, fmt.Errorf("inbox: environment variable %s (password) is empty", c.Inbox.PasswordEnv))
	}
	seen := map[string]bool{}
	for i, s := range c.Shops {
		where := fmt.Sprintf("shops[%d]", i)
		switch s.Platform {
		case platforms.Taobao, platforms.Xiaoe, platforms.Shopline, platforms.Xportcn:
		default:
			errs = append(errs, fmt.Errorf("%s: platform %q is not supported (taobao, xiaoe, shopline, xportcn)", where, s.Platform))
		}
		if s.Shop == "" {
			errs = append(errs, fmt.Errorf("%s: shop is required", where))
		}
		key := string(s.Platform) + "/" + s.Shop
		if seen[key] {
			errs = append(errs, fmt.Errorf("%s: %s is configured twice", where, key))
		}
		seen[key] = true
		if s.AppSecretEnv != "" && os.Getenv(s.AppSecretEnv) == "" {
			errs = append(errs, fmt.Errorf("%s: environment variable %s (app secret) is empty", where, s.AppSecretEnv))
		}
		if s.SessionEnv != "" && os.Getenv(s.SessionEnv) == "" {
			errs = append(errs, fmt.Errorf("%s: environment variable %s (session) is empty", where, s.SessionEnv))
		}
		if s.TokenEnv != "" && os.Getenv(s.TokenEnv) == "" {
			errs = append(errs, fmt.Errorf("%s: environment variable %s (token) is empty", where, s.TokenEnv))
		}
	}
	return errors.Join(errs...)
}

// Secret returns the app secret, preferring the environment variable.
func (s Shop) Secret() string { return firstNonEmpty(os.Getenv(s.AppSecretEnv), s.AppSecret) }

// SessionKey returns the seller session, preferring the environment variable.
func (s Shop) SessionKey() string { return firstNonEmpty(os.Getenv(s.SessionEnv), s.Session) }

// AccessToken returns the API token, preferring the environment variable.
func (s Shop) AccessToken() string { return firstNonEmpty(os.Getenv(s.TokenEnv), s.Token) }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
