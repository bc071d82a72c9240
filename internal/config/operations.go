package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aftersale/aftersale/platforms"
)

// Notifications says where escalations are announced and when a case still
// waiting for a human is announced again.
type Notifications struct {
	// ReminderBefore: a case still escalated this long before its deadline
	// is announced again; 0 disables reminders.
	ReminderBefore time.Duration `yaml:"reminder_before"`
	// InboxURL is the escalation inbox's address as people reach it; the
	// messages link to the case there.
	InboxURL string    `yaml:"inbox_url"`
	Webhooks []Webhook `yaml:"webhooks"`
}

// Webhook formats.
const (
	FormatGeneric  = "generic"
	FormatDingTalk = "dingtalk"
	FormatWeCom    = "wecom"
	FormatSlack    = "slack"
)

// Webhook is one place notifications are posted to. Robot URLs carry their
// access token, so give them through url_env in production.
type Webhook struct {
	Name   string `yaml:"name"`
	URL    string `yaml:"url"`
	URLEnv string `yaml:"url_env"`
	Format string `yaml:"format"` // generic (default), dingtalk, wecom, slack
	// Secret signs DingTalk robot calls ("加签"); generic webhooks get an
	// X-Aftersale-Signature HMAC-SHA256 of the body with it.
	Secret    string `yaml:"secret"`
	SecretEnv string `yaml:"secret_env"`
	// Events limits what is posted here (escalated, reminder, over_budget,
	// lapsed); empty: every event.
	Events []string `yaml:"events"`
}

// Endpoint returns the URL, preferring the environment variable.
func (w Webhook) Endpoint() string { return firstNonEmpty(os.Getenv(w.URLEnv), w.URL) }

// SigningSecret returns the secret, preferring the environment variable.
func (w Webhook) SigningSecret() string { return firstNonEmpty(os.Getenv(w.SecretEnv), w.Secret) }

// Inbox is the escalation inbox web page the worker serves.
type Inbox struct {
	// Addr is where it listens (e.g. 127.0.0.1:8240); empty: no inbox.
	Addr string `yaml:"addr"`
	// User and password protect it with HTTP basic auth; without a password
	// it is open to whoever reaches Addr, so keep it on a private network.
	User        string `yaml:"user"`
	Password    string `yaml:"password"`
	PasswordEnv string `yaml:"password_env"`
}

// Secret returns the inbox password, preferring the environment variable.
func (i Inbox) Secret() string { return firstNonEmpty(os.Getenv(i.PasswordEnv), i.Password) }

// Budget caps what the rules may approve on their own in one shop; over it,
// decisions become escalations. Zero fields are not limited.
type Budget struct {
	Hour Limit `yaml:"hour"`
	Day  Limit `yaml:"day"`
}

// Limit is a count and an amount within a sliding window.
type Limit struct {
	Count  int   `yaml:"count"`
	Amount Minor `yaml:"amount"` // written in major units (2000.50), kept in minor units
}

// Set reports whether the budget limits anything.
func (b *Budget) Set() bool {
	return b != nil && (b.Hour.Count > 0 || b.Hour.Amount > 0 || b.Day.Count > 0 || b.Day.Amount > 0)
}

// Minor is an amount in minor units read exactly from a decimal in major
// units: no float ever touches it.
type Minor int64

// UnmarshalYAML reads 2000, 2000.5 or "2000.50" exactly.
func (m *Minor) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseMinor(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*m = v
	return nil
}

// ParseMinor parses a non-negative decimal amount with at most two
// fraction digits into minor units.
func ParseMinor(s string) (Minor, error) {
	v, err := platforms.ParseMinor(s, "")
	if err != nil || v < 0 || strings.HasPrefix(strings.TrimSpace(s), "+") {
		return 0, fmt.Errorf("amount %q: want a non-negative decimal with at most 2 fraction digits", s)
	}
	return Minor(v), nil
}

func (n Notifications) validate() []error {
	var errs []error
	if n.ReminderBefore < 0 {
		errs = append(errs, errors.New("notifications.reminder_before must not be negative"))
	}
	names := map[string]bool{}
	for i, w := range n.Webhooks {
		where := fmt.Sprintf("notifications.webhooks[%d]", i)
		if w.Name != "" && names[w.Name] {
			errs = append(errs, fmt.Errorf("%s: name %q is used twice", where, w.Name))
		}
		names[w.Name] = true
		switch w.Format {
		case "", FormatGeneric, FormatDingTalk, FormatWeCom, FormatSlack:
		default:
			errs = append(errs, fmt.Errorf("%s: format %q (generic, dingtalk, wecom, slack)", where, w.Format))
		}
		if w.URLEnv != "" && os.Getenv(w.URLEnv) == "" {
			errs = append(errs, fmt.Errorf("%s: environment variable %s (url) is empty", where, w.URLEnv))
		} else if w.Endpoint() == "" {
			errs = append(errs, fmt.Errorf("%s: url or url_env is required", where))
		}
		if w.SecretEnv != "" && os.Getenv(w.SecretEnv) == "" {
			errs = append(errs, fmt.Errorf("%s: environment variable %s (secret) is empty", where, w.SecretEnv))
		}
		for _, e := range w.Events {
			switch e {
			case "escalated", "reminder", "over_budget", "lapsed":
			default:
				errs = append(errs, fmt.Errorf("%s: event %q (escalated, reminder, over_budget, lapsed)", where, e))
			}
		}
	}
	return errs
}

// CodecServer serves the payload codec endpoint (POST /encode, /decode) so
// the Temporal UI and CLI can show encrypted payloads. Decoding reveals
// plaintext: keep it private and give it a token.
type CodecServer struct {
	Addr string `yaml:"addr"`
	// AllowedOrigins are the Temporal UI origins allowed to call it from the browser.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// TokenEnv names the variable holding the bearer token callers must send.
	TokenEnv string `yaml:"token_env"`
}

// Token returns the bearer token, if any.
func (c CodecServer) Token() string { return os.Getenv(c.TokenEnv) }
