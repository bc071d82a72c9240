package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	t.Setenv("TOP_APP_SECRET", "s3cret")
	t.Setenv("TOP_SESSION_TMALL_FLAGSHIP", "sess")
	for _, v := range []string{"XIAOE_SECRET_KEY", "SHOPLINE_TOKEN_MY_STORE", "SHOPLINE_APP_SECRET", "XPORTCN_ACCESS_SECRET",
		"DINGTALK_ROBOT_URL", "DINGTALK_ROBOT_SECRET", "WECOM_ROBOT_URL", "AFTERSALE_WEBHOOK_SECRET", "AFTERSALE_INBOX_PASSWORD"} {
		t.Setenv(v, "x")
	}
	for _, tc := range []struct {
		name    string
		file    string // "" = no file
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.Temporal.Address != "127.0.0.1:7233" || c.Sync.Interval != 5*time.Minute || len(c.Shops) != 0 {
				t.Fatalf("%+v", c)
			}
		}},
		{name: "example file", file: "../../config.example.yaml", check: func(t *testing.T, c Config) {
			s := c.Shops[0]
			if s.Shop != "tmall-flagship" || s.Secret() != "s3cret" || s.SessionKey() != "sess" || c.PollInterval != 2*time.Hour ||
				len(c.Shops) != 4 || c.PushAddr == "" || c.Shops[2].AccessToken() != "x" {
				t.Fatalf("%+v", c)
			}
			if b := s.Budget; b.Hour.Count != 30 || b.Hour.Amount != 600000 || b.Day.Amount != 4000000 ||
				len(c.Notifications.Webhooks) != 3 || c.Notifications.ReminderBefore != 4*time.Hour || c.Inbox.Secret() != "x" {
				t.Fatalf("budget %+v notifications %+v inbox %+v", b, c.Notifications, c.Inbox)
			}
		}},
		{name: "env overrides", env: map[string]string{"TEMPORAL_ADDRESS": "t:7233", "TEMPORAL_NAMESPACE": "ns", "AFTERSALE_RULES_DIR": "/r"},
			check: func(t *testing.T, c Config) {
				if c.Temporal.Address != "t:7233" || c.Temporal.Namespace != "ns" || c.RulesDir != "/r" {
					t.Fatalf("%+v", c)
				}
			}},
		{name: "unknown key", file: "inline:pol_interval: 5m\n", wantErr: "field pol_interval not found"},
		{name: "empty secret env", file: "inline:shops:\n  - {platform: taobao, shop: a, app_secret_env: NOT_SET_ANYWHERE}\n", wantErr: "NOT_SET_ANYWHERE"},
		{name: "duplicate shop", file: "inline:shops:\n  - {platform: taobao, shop: a}\n  - {platform: taobao, shop: a}\n", wantErr: "configured twice"},
		{name: "workflow cache size", file: "inline:workflow_cache_size: 2000\n", check: func(t *testing.T, c Config) {
			if c.WorkflowCacheSize != 2000 {
				t.Fatalf("%+v", c)
			}
		}},
		{name: "negative workflow cache size", file: "inline:workflow_cache_size: -1\n", wantErr: "workflow_cache_size"},
		{name: "unsupported platform", file: "inline:shops:\n  - {platform: ebay, shop: a}\n", wantErr: "not supported"},
		{name: "budget in exact minor units", file: "inline:shops:\n  - platform: taobao\n    shop: a\n    budget: {hour: {count: 5, amount: 2000.5}, day: {amount: \"0.07\"}}\n",
			check: func(t *testing.T, c Config) {
				b := c.Shops[0].Budget
				if !b.Set() || b.Hour.Count != 5 || b.Hour.Amount != 200050 || b.Day.Amount != 7 || b.Day.Count != 0 {
					t.Fatalf("%+v", b)
				}
			}},
		{name: "budget amount with three decimals", file: "inline:shops:\n  - platform: taobao\n    shop: a\n    budget: {hour: {amount: 1.005}}\n", wantErr: "at most 2 fraction digits"},
		{name: "negative budget amount", file: "inline:shops:\n  - platform: taobao\n    shop: a\n    budget: {day: {amount: -5}}\n", wantErr: "non-negative"},
		{name: "notifications", file: "inline:notifications:\n  reminder_before: 3h\n  inbox_url: http://inbox\n  webhooks:\n    - {name: ops, url: http://hook, format: dingtalk, events: [escalated, reminder]}\n",
			check: func(t *testing.T, c Config) {
				n := c.Notifications
				if n.ReminderBefore != 3*time.Hour || len(n.Webhooks) != 1 || n.Webhooks[0].Endpoint() != "http://hook" || n.Webhooks[0].Format != FormatDingTalk {
					t.Fatalf("%+v", n)
				}
			}},
		{name: "webhook format", file: "inline:notifications:\n  webhooks: [{url: http://x, format: teams}]\n", wantErr: `format "teams"`},
		{name: "webhook event", file: "inline:notifications:\n  webhooks: [{url: http://x, events: [everything]}]\n", wantErr: `event "everything"`},
		{name: "webhook without url", file: "inline:notifications:\n  webhooks: [{name: a}]\n", wantErr: "url or url_env is required"},
		{name: "webhook names unique", file: "inline:notifications:\n  webhooks: [{name: a, url: http://x}, {name: a, url: http://y}]\n", wantErr: "used twice"},
		{name: "inbox password env", file: "inline:inbox: {addr: 127.0.0.1:8240, password_env: NOT_SET_ANYWHERE}\n", wantErr: "NOT_SET_ANYWHERE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			path := tc.file
			if content, ok := strings.CutPrefix(tc.file, "inline:"); ok {
				path = filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}
