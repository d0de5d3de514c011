// Package config loads Spindle's one Config from defaults, the environment and command-line
// flags, in that order of precedence, and validates it.
//
// Every setting is declared once, in options.go: its environment name, the flags derived from
// it (the name in kebab case, plus a short alias without the prefix for SPINDLE_* settings),
// its default, its meaning and how it is parsed. The --help text, the redacted Dump, the
// README table (Markdown) and the slog representation are all generated from that one
// declaration, so they cannot drift from what Load reads.
//
// Secrets (SPINDLE_SECRET_KEY, SPINDLE_ADMIN_PASSWORD, THREADS_APP_SECRET,
// SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET) are held
// as Secret values that never print, and each can instead be read from a file named by
// NAME_FILE (or the flag --name-file), as Docker and Kubernetes secrets are mounted.
//
// Values are trimmed of surrounding whitespace, and an empty value means the default, so a
// flag given as --name= restores the default over the environment. A secret read from a file
// loses only its trailing newline.
//
// Validation reports every problem at once, each naming the variable and the fix; no message
// ever contains a secret's value.
package config

import (
	"io"
	"log/slog"
	"net/netip"
	"time"
)

// Config is Spindle's complete configuration. Load builds it; its zero value is not useful.
// The fields mirror the configuration contract of design.md one to one.
type Config struct {
	Addr             string         // SPINDLE_ADDR: HTTP listen address, host:port.
	DataDir          string         // SPINDLE_DATA_DIR: database, generated key, hosted media.
	DatabaseURL      Secret         // SPINDLE_DATABASE_URL: PostgreSQL instead of SQLite; holds a password.
	PublicURL        string         // SPINDLE_PUBLIC_URL: absolute http(s) base, no trailing slash.
	SecretKey        Secret         // SPINDLE_SECRET_KEY: the 32 raw key bytes once loaded; see EnsureSecretKey.
	Sandbox          bool           // SPINDLE_SANDBOX: publish to the in-process simulator.
	PollInterval     time.Duration  // SPINDLE_POLL_INTERVAL
	LeaseTTL         time.Duration  // SPINDLE_LEASE_TTL
	FeedInterval     time.Duration  // SPINDLE_FEED_INTERVAL
	Timezone         *time.Location // SPINDLE_TIMEZONE: zone for schedule times without one.
	AllowPrivateURLs bool           // SPINDLE_ALLOW_PRIVATE_URLS
	PublishWorkers   int            // SPINDLE_PUBLISH_WORKERS: 1..256.
	Quota            QuotaConfig    // SPINDLE_QUOTA_*: per-account limits, at most Meta's.
	Retention        time.Duration  // SPINDLE_RETENTION: finished posts kept this long; 0 forever.
	ApprovalTTL      time.Duration  // SPINDLE_APPROVAL_TTL: how long a post waits for approval.
	AdminPassword    Secret         // SPINDLE_ADMIN_PASSWORD: enables the status page.
	LogFormat        string         // SPINDLE_LOG_FORMAT: "text" or "json".
	LogLevel         slog.Level     // SPINDLE_LOG_LEVEL
	// SPINDLE_METRICS_ALLOWED_NETWORKS: who may read /metrics (loopback always may).
	MetricsAllowedNetworks []netip.Prefix

	Threads  ThreadsConfig
	Slack    SlackConfig
	Telegram TelegramConfig
}

// QuotaConfig is how much Spindle publishes per account over a moving 24 hours. Each limit is
// 1 to Meta's (the default); a lower one keeps headroom for posts made in the Threads app.
type QuotaConfig struct {
	Posts   int // SPINDLE_QUOTA_POSTS
	Replies int // SPINDLE_QUOTA_REPLIES
	Deletes int // SPINDLE_QUOTA_DELETES
}

// ThreadsConfig is the Threads app and its OAuth endpoints.
type ThreadsConfig struct {
	AppID              string   // THREADS_APP_ID
	AppSecret          Secret   // THREADS_APP_SECRET
	RedirectURI        string   // THREADS_REDIRECT_URI: defaults to PublicURL + CallbackPath.
	DefaultScopes      []string // THREADS_DEFAULT_SCOPES: always includes threads_basic.
	SuccessRedirectURI string   // THREADS_SUCCESS_REDIRECT_URI: "" shows a small page instead.
	FailureRedirectURI string   // THREADS_FAILURE_REDIRECT_URI: "" shows a small page instead.
	APIURL             string   // THREADS_API_URL: Graph API base, no trailing slash.
	AuthURL            string   // THREADS_AUTH_URL: the authorize page.
}

// SlackConfig is the Slack door. It is enabled only when both secrets are set.
type SlackConfig struct {
	SigningSecret Secret // SLACK_SIGNING_SECRET: verifies slash commands.
	BotToken      Secret // SLACK_BOT_TOKEN: Web API calls (chat.postMessage).
	// SLACK_API_URL: always ends in "/", as slack-go requires. The Slack door also POSTs
	// results to response_urls on its scheme and host (besides https://hooks.slack.com): the
	// operator pointed Spindle at that Slack, and a stand-in or proxy serves both.
	APIURL string
}

// TelegramConfig is the Telegram door. It is enabled when BotToken is set.
type TelegramConfig struct {
	BotToken      Secret  // TELEGRAM_BOT_TOKEN
	APIURL        string  // TELEGRAM_API_URL: Bot API base, no trailing slash.
	WebhookSecret Secret  // TELEGRAM_WEBHOOK_SECRET: set means webhook mode.
	AllowedUsers  []int64 // TELEGRAM_ALLOWED_USERS: empty means everyone.
}

// CallbackPath is the OAuth callback route; THREADS_REDIRECT_URI defaults to the public URL
// followed by it.
const CallbackPath = "/api/auth/threads/callback"

// feedFloor is the lowest polling interval a single feed may ask for, unless
// SPINDLE_FEED_INTERVAL is lower still (design.md).
const feedFloor = time.Minute

// Default returns the configuration Load builds from an empty environment and no flags.
func Default() Config {
	c, err := Load(nil, nil)
	if err != nil {
		// The declared defaults are constants of this package: failing here is a bug.
		panic("config: the declared defaults do not validate: " + err.Error())
	}
	return c
}

// SlackEnabled reports whether the Slack door is configured (signing secret and bot token).
func (c Config) SlackEnabled() bool {
	return c.Slack.SigningSecret.IsSet() && c.Slack.BotToken.IsSet()
}

// TelegramEnabled reports whether the Telegram door is configured.
func (c Config) TelegramEnabled() bool { return c.Telegram.BotToken.IsSet() }

// TelegramWebhookMode reports whether Telegram updates arrive at /telegram/webhook (a webhook
// secret is set) rather than by long polling.
func (c Config) TelegramWebhookMode() bool {
	return c.TelegramEnabled() && c.Telegram.WebhookSecret.IsSet()
}

// AdminEnabled reports whether the status page at / is enabled (an admin password is set).
func (c Config) AdminEnabled() bool { return c.AdminPassword.IsSet() }

// MinFeedInterval is the lowest polling interval a feed may ask for: one minute, or
// SPINDLE_FEED_INTERVAL when that is lower (tests and local setups poll faster on purpose).
func (c Config) MinFeedInterval() time.Duration {
	return min(feedFloor, c.FeedInterval)
}

// SecretKeyBytes returns a copy of the 32-byte key for token encryption and signed state, or
// nil before EnsureSecretKey when SPINDLE_SECRET_KEY was not given.
func (c Config) SecretKeyBytes() []byte {
	if !c.SecretKey.IsSet() {
		return nil
	}
	return []byte(c.SecretKey.Reveal())
}

// LogHandler returns the slog handler SPINDLE_LOG_FORMAT and SPINDLE_LOG_LEVEL ask for,
// writing to w.
func (c Config) LogHandler(w io.Writer) slog.Handler {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}
