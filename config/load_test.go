package config

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c, rest, err := LoadArgs(args, envOf(env), io.Discard)
	if len(rest) > 0 {
		t.Fatalf("unexpected positional args %q", rest)
	}
	return c, err
}

func mustLoad(t *testing.T, args []string, env map[string]string) Config {
	t.Helper()
	c, err := load(t, args, env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	return ve.Problems
}

func TestDefaults(t *testing.T) {
	c := mustLoad(t, nil, nil)
	want := Config{
		Addr: ":8080", DataDir: "./data", PublicURL: "http://localhost:8080",
		PollInterval: 30 * time.Second, LeaseTTL: 2 * time.Minute, FeedInterval: 10 * time.Minute, Timezone: time.UTC,
		PublishWorkers: 8, Quota: QuotaConfig{Posts: 250, Replies: 1000, Deletes: 100}, Retention: 365 * 24 * time.Hour, ApprovalTTL: 7 * 24 * time.Hour, LogFormat: "text", LogLevel: slog.LevelInfo,
		MetricsAllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		Threads: ThreadsConfig{
			RedirectURI: "http://localhost:8080/api/auth/threads/callback",
			// The default asks for what every feature needs, the threads client's own default.
			DefaultScopes: threads.DefaultScopes(),
			APIURL:        "https://graph.threads.net",
			AuthURL:       "https://threads.net/oauth/authorize",
		},
		Slack:    SlackConfig{APIURL: "https://slack.com/api/"},
		Telegram: TelegramConfig{APIURL: "https://api.telegram.org"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c.SlackEnabled() || c.TelegramEnabled() || c.TelegramWebhookMode() || c.AdminEnabled() || c.Sandbox {
		t.Error("a door or mode is enabled by default")
	}
	if !reflect.DeepEqual(Default(), c) {
		t.Error("Default() differs from Load with nothing set")
	}
}

// TestEveryVariable sets each variable to a valid non-default value through the environment
// and checks the field it lands in.
func TestEveryVariable(t *testing.T) {
	key := strings.Repeat("ab", 32)
	tests := []struct {
		env   string
		value string
		check func(c Config) bool
	}{
		{"SPINDLE_ADDR", "127.0.0.1:0", func(c Config) bool { return c.Addr == "127.0.0.1:0" }},
		{"SPINDLE_DATA_DIR", "/var/lib/spindle", func(c Config) bool { return c.DataDir == "/var/lib/spindle" }},
		{"SPINDLE_PUBLIC_URL", "https://spindle.example.com/base/", func(c Config) bool {
			return c.PublicURL == "https://spindle.example.com/base" &&
				c.Threads.RedirectURI == "https://spindle.example.com/base/api/auth/threads/callback"
		}},
		{"SPINDLE_SECRET_KEY", key, func(c Config) bool { return len(c.SecretKeyBytes()) == 32 && c.SecretKeyBytes()[0] == 0xab }},
		{"SPINDLE_SANDBOX", "true", func(c Config) bool { return c.Sandbox }},
		{"SPINDLE_SANDBOX", "YES", func(c Config) bool { return c.Sandbox }},
		{"SPINDLE_POLL_INTERVAL", "1s", func(c Config) bool { return c.PollInterval == time.Second }},
		{"SPINDLE_FEED_INTERVAL", "5s", func(c Config) bool { return c.FeedInterval == 5*time.Second && c.MinFeedInterval() == 5*time.Second }},
		{"SPINDLE_FEED_INTERVAL", "2h", func(c Config) bool { return c.FeedInterval == 2*time.Hour && c.MinFeedInterval() == time.Minute }},
		{"SPINDLE_RETENTION", "0", func(c Config) bool { return c.Retention == 0 }},
		{"SPINDLE_RETENTION", "720h", func(c Config) bool { return c.Retention == 30*24*time.Hour }},
		{"SPINDLE_TIMEZONE", "Europe/Paris", func(c Config) bool { return c.Timezone.String() == "Europe/Paris" }},
		{"SPINDLE_ALLOW_PRIVATE_URLS", "1", func(c Config) bool { return c.AllowPrivateURLs }},
		{"SPINDLE_PUBLISH_WORKERS", "256", func(c Config) bool { return c.PublishWorkers == 256 }},
		{"SPINDLE_PUBLISH_WORKERS", "1", func(c Config) bool { return c.PublishWorkers == 1 }},
		{"SPINDLE_QUOTA_POSTS", "200", func(c Config) bool { return c.Quota == QuotaConfig{Posts: 200, Replies: 1000, Deletes: 100} }},
		{"SPINDLE_QUOTA_POSTS", "250", func(c Config) bool { return c.Quota.Posts == 250 }},
		{"SPINDLE_QUOTA_POSTS", "1", func(c Config) bool { return c.Quota.Posts == 1 }},
		{"SPINDLE_QUOTA_REPLIES", " 900 ", func(c Config) bool { return c.Quota == QuotaConfig{Posts: 250, Replies: 900, Deletes: 100} }},
		{"SPINDLE_QUOTA_DELETES", "10", func(c Config) bool { return c.Quota == QuotaConfig{Posts: 250, Replies: 1000, Deletes: 10} }},
		{"SPINDLE_ADMIN_PASSWORD", "correct horse", func(c Config) bool {
			return c.AdminPassword.Reveal() == "correct horse" && c.AdminEnabled()
		}},
		{"SPINDLE_LOG_FORMAT", "JSON", func(c Config) bool { return c.LogFormat == "json" }},
		{"SPINDLE_LOG_LEVEL", "debug", func(c Config) bool { return c.LogLevel == slog.LevelDebug }},
		{"SPINDLE_LOG_LEVEL", "WARN", func(c Config) bool { return c.LogLevel == slog.LevelWarn }},
		{"THREADS_REDIRECT_URI", "https://x.example/cb", func(c Config) bool { return c.Threads.RedirectURI == "https://x.example/cb" }},
		{"THREADS_DEFAULT_SCOPES", " threads_basic , threads_delete,", func(c Config) bool {
			return reflect.DeepEqual(c.Threads.DefaultScopes, []string{"threads_basic", "threads_delete"})
		}},
		{"THREADS_SUCCESS_REDIRECT_URI", "https://x.example/ok?from=spindle", func(c Config) bool {
			return c.Threads.SuccessRedirectURI == "https://x.example/ok?from=spindle"
		}},
		{"THREADS_FAILURE_REDIRECT_URI", "http://x.example/ko", func(c Config) bool { return c.Threads.FailureRedirectURI == "http://x.example/ko" }},
		{"THREADS_API_URL", "http://127.0.0.1:9999/", func(c Config) bool { return c.Threads.APIURL == "http://127.0.0.1:9999" }},
		{"THREADS_AUTH_URL", "http://127.0.0.1:9999/oauth/authorize", func(c Config) bool {
			return c.Threads.AuthURL == "http://127.0.0.1:9999/oauth/authorize"
		}},
		{"SLACK_API_URL", "http://127.0.0.1:9999", func(c Config) bool { return c.Slack.APIURL == "http://127.0.0.1:9999/" }},
		{"TELEGRAM_BOT_TOKEN", "123456:ABC-def_ghi", func(c Config) bool {
			return c.Telegram.BotToken.Reveal() == "123456:ABC-def_ghi" && c.TelegramEnabled() && !c.TelegramWebhookMode()
		}},
		{"TELEGRAM_API_URL", "http://127.0.0.1:9999/", func(c Config) bool { return c.Telegram.APIURL == "http://127.0.0.1:9999" }},
		{"TELEGRAM_ALLOWED_USERS", "12345, 678,", func(c Config) bool { return reflect.DeepEqual(c.Telegram.AllowedUsers, []int64{12345, 678}) }},
		{"SPINDLE_METRICS_ALLOWED_NETWORKS", " 10.1.2.3/8, 192.168.1.7 ,fd00::/8", func(c Config) bool {
			return joinNetworks(c.MetricsAllowedNetworks) == "10.0.0.0/8,192.168.1.7/32,fd00::/8"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			c := mustLoad(t, nil, map[string]string{tt.env: tt.value})
			if !tt.check(c) {
				t.Errorf("%s=%q did not land in the config: %+v", tt.env, tt.value, c)
			}
		})
	}
}

func TestPairedVariables(t *testing.T) {
	c := mustLoad(t, nil, map[string]string{
		"THREADS_APP_ID": "1234567890", "THREADS_APP_SECRET": "app-secret",
		"SLACK_SIGNING_SECRET": "signing", "SLACK_BOT_TOKEN": "xoxb-1",
		"TELEGRAM_BOT_TOKEN": "1:tok", "TELEGRAM_WEBHOOK_SECRET": "hook_Secret-1",
	})
	if c.Threads.AppID != "1234567890" || c.Threads.AppSecret.Reveal() != "app-secret" {
		t.Errorf("threads credentials = %q/%q", c.Threads.AppID, c.Threads.AppSecret.Reveal())
	}
	if !c.SlackEnabled() || c.Slack.SigningSecret.Reveal() != "signing" || c.Slack.BotToken.Reveal() != "xoxb-1" {
		t.Error("Slack door not enabled with both secrets")
	}
	if !c.TelegramWebhookMode() || c.Telegram.WebhookSecret.Reveal() != "hook_Secret-1" {
		t.Error("Telegram webhook mode not enabled with a webhook secret")
	}
	if err := c.ValidateServe(); err != nil {
		t.Errorf("ValidateServe with credentials: %v", err)
	}
}

func TestSecretKeyForms(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789ABCDEF")
	for name, v := range map[string]string{
		"hex":        hex.EncodeToString(raw),
		"HEX":        strings.ToUpper(hex.EncodeToString(raw)),
		"base64":     "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY=",
		"raw base64": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY",
	} {
		c := mustLoad(t, nil, map[string]string{"SPINDLE_SECRET_KEY": v})
		if string(c.SecretKeyBytes()) != string(raw) {
			t.Errorf("%s: key = %x, want %x", name, c.SecretKeyBytes(), raw)
		}
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	env := map[string]string{
		"SPINDLE_ADDR": ":1111", "SPINDLE_PUBLISH_WORKERS": "3", "THREADS_APP_ID": "from-env",
		"SPINDLE_SANDBOX": "true", "SPINDLE_LOG_LEVEL": "debug",
	}
	c := mustLoad(t, []string{"--spindle-addr", ":2222", "-publish-workers=5", "--threads-app-id=from-flag",
		"--threads-app-secret", "s", "--sandbox=false", "--spindle-log-level="}, env)
	if c.Addr != ":2222" || c.PublishWorkers != 5 || c.Threads.AppID != "from-flag" || c.Sandbox {
		t.Errorf("flags did not override the environment: %+v", c)
	}
	if c.LogLevel != slog.LevelInfo {
		t.Errorf("an empty flag should restore the default, got level %v", c.LogLevel)
	}
}

func TestAliases(t *testing.T) {
	c := mustLoad(t, []string{"--addr", ":9", "--data-dir", "/d", "--public-url", "https://p.example",
		"--sandbox", "--poll-interval", "2s", "--feed-interval", "3m", "--timezone", "Asia/Tokyo",
		"--allow-private-urls", "--publish-workers", "4", "--admin-password", "pw",
		"--log-format", "json", "--log-level", "error", "--secret-key", strings.Repeat("0f", 32)}, nil)
	want := []bool{c.Addr == ":9", c.DataDir == "/d", c.PublicURL == "https://p.example", c.Sandbox,
		c.PollInterval == 2*time.Second, c.FeedInterval == 3*time.Minute, c.Timezone.String() == "Asia/Tokyo",
		c.AllowPrivateURLs, c.PublishWorkers == 4, c.AdminPassword.Reveal() == "pw", c.LogFormat == "json",
		c.LogLevel == slog.LevelError, len(c.SecretKeyBytes()) == 32}
	for i, ok := range want {
		if !ok {
			t.Errorf("alias check %d failed: %+v", i, c)
		}
	}
	if err := c.ValidateServe(); err != nil {
		t.Errorf("--sandbox should satisfy ValidateServe: %v", err)
	}
}

func TestPositionalArgs(t *testing.T) {
	_, rest, err := LoadArgs([]string{"--sandbox", "post", "hello"}, nil, io.Discard)
	if err != nil || !reflect.DeepEqual(rest, []string{"post", "hello"}) {
		t.Errorf("LoadArgs rest = %q, %v", rest, err)
	}
	if _, err := Load([]string{"extra"}, nil); err == nil || !strings.Contains(err.Error(), `"extra"`) {
		t.Errorf("Load with a positional argument: %v", err)
	}
	if _, _, err := LoadArgs([]string{"--no-such-flag"}, nil, io.Discard); err == nil {
		t.Error("an unknown flag was accepted")
	}
}

func TestRegisterFlagsOnSharedFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("post", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	account := fs.String("account", "", "")
	f := RegisterFlags(fs)
	if err := fs.Parse([]string{"--account", "alice", "--sandbox", "hello"}); err != nil {
		t.Fatal(err)
	}
	c, err := f.Load(envOf(map[string]string{"SPINDLE_ADDR": ":7"}))
	if err != nil || *account != "alice" || !c.Sandbox || c.Addr != ":7" || fs.Arg(0) != "hello" {
		t.Errorf("shared flag set: account=%q sandbox=%v addr=%q arg=%q err=%v", *account, c.Sandbox, c.Addr, fs.Arg(0), err)
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{
		"SPINDLE_SECRET_KEY_FILE":      write("key", strings.Repeat("cd", 32)+"\n"),
		"SPINDLE_ADMIN_PASSWORD_FILE":  write("admin", "pass word\r\n"),
		"THREADS_APP_ID":               "42",
		"THREADS_APP_SECRET_FILE":      write("app", "app-secret\n"),
		"SLACK_SIGNING_SECRET_FILE":    write("sign", "signing"),
		"SLACK_BOT_TOKEN_FILE":         write("bot", "xoxb-2\n"),
		"TELEGRAM_BOT_TOKEN_FILE":      write("tg", "1:tg\n"),
		"TELEGRAM_WEBHOOK_SECRET_FILE": write("hook", "hook-1\n"),
	}
	c := mustLoad(t, nil, env)
	got := map[string]string{
		"admin": c.AdminPassword.Reveal(), "app": c.Threads.AppSecret.Reveal(),
		"sign": c.Slack.SigningSecret.Reveal(), "bot": c.Slack.BotToken.Reveal(),
		"tg": c.Telegram.BotToken.Reveal(), "hook": c.Telegram.WebhookSecret.Reveal(),
	}
	want := map[string]string{"admin": "pass word", "app": "app-secret", "sign": "signing", "bot": "xoxb-2", "tg": "1:tg", "hook": "hook-1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secrets from files = %q, want %q", got, want)
	}
	if c.SecretKeyBytes()[0] != 0xcd {
		t.Errorf("key from file = %x", c.SecretKeyBytes())
	}

	// The --name-file flag overrides the environment, and the alias works for SPINDLE_*.
	c = mustLoad(t, []string{"--admin-password-file", write("admin2", "flagged\n"),
		"--slack-bot-token-file=" + write("bot2", "xoxb-3")}, env)
	if c.AdminPassword.Reveal() != "flagged" || c.Slack.BotToken.Reveal() != "xoxb-3" {
		t.Errorf("file flags did not win: %q %q", c.AdminPassword.Reveal(), c.Slack.BotToken.Reveal())
	}
	// A value flag also wins over NAME_FILE in the environment.
	c = mustLoad(t, []string{"--threads-app-secret", "direct"}, env)
	if c.Threads.AppSecret.Reveal() != "direct" {
		t.Errorf("value flag did not win over the env file: %q", c.Threads.AppSecret.Reveal())
	}
}

// TestDatabaseURL: a PostgreSQL URL with the shared secret key loads, and the URL (it holds a
// password) is never printed.
func TestDatabaseURL(t *testing.T) {
	u := "postgres://spindle:pg-SEKRET@db:5432/spindle?sslmode=require"
	c := mustLoad(t, nil, map[string]string{"SPINDLE_DATABASE_URL": u, "SPINDLE_SECRET_KEY": strings.Repeat("ab", 32)})
	if c.DatabaseURL.Reveal() != u {
		t.Fatalf("DatabaseURL = %q, want %q", c.DatabaseURL.Reveal(), u)
	}
	if s := fmt.Sprintf("%v %+v", c, c); strings.Contains(s, "pg-SEKRET") {
		t.Fatalf("the database password is printed: %s", s)
	}
}
