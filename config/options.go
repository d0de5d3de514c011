package config

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// option declares one setting. Everything a person sees about a setting (the flags, --help,
// Dump, the README table, validation messages) is derived from this declaration.
type option struct {
	env     string // environment name, e.g. SPINDLE_ADDR; the flag is its kebab case
	def     string // default as text, applied before parsing; "" means none
	defDoc  string // shown instead of def when the default is computed or described
	meta    string // placeholder for the value in --help
	usage   string // meaning, one sentence
	secret  bool   // held as a Secret; has a NAME_FILE variant; never printed
	boolean bool   // the flag may be given without a value (--sandbox)
	// parse stores the value (trimmed, default applied) into c. Its error completes a
	// sentence whose subject is the value ("is not a duration; …") and must never quote the
	// value itself: the caller adds it, and only for non-secrets.
	parse func(c *Config, v string) error
	show  func(c Config) string   // the value for Dump; unused for secrets
	field func(c *Config) *Secret // the field of a secret, for Dump and LogValue
}

// Names of the secrets, also used by cross-field checks.
const (
	envSecretKey     = "SPINDLE_SECRET_KEY"
	envAdminPassword = "SPINDLE_ADMIN_PASSWORD"
	envPublicURL     = "SPINDLE_PUBLIC_URL"
	envSandbox       = "SPINDLE_SANDBOX"
	envAppID         = "THREADS_APP_ID"
	envAppSecret     = "THREADS_APP_SECRET"
	envRedirectURI   = "THREADS_REDIRECT_URI"
	envSlackSigning  = "SLACK_SIGNING_SECRET"
	envSlackBot      = "SLACK_BOT_TOKEN"
	envTelegramBot   = "TELEGRAM_BOT_TOKEN"
	envTelegramHook  = "TELEGRAM_WEBHOOK_SECRET"
	envDatabaseURL   = "SPINDLE_DATABASE_URL"
)

// options returns the declaration of every setting, in the order of design.md. It is a
// function rather than a package variable so the package keeps no globals.
func options() []option {
	return []option{
		{env: "SPINDLE_ADDR", def: ":8080", meta: "HOST:PORT", usage: "HTTP listen address",
			parse: func(c *Config, v string) (err error) { c.Addr, err = parseAddr(v); return err },
			show:  func(c Config) string { return c.Addr }},
		{env: "SPINDLE_DATA_DIR", def: "./data", meta: "DIR", usage: "directory of the SQLite database, the generated secret key and hosted media",
			parse: func(c *Config, v string) (err error) { c.DataDir, err = parseDataDir(v); return err },
			show:  func(c Config) string { return c.DataDir }},
		{env: envDatabaseURL, field: func(c *Config) *Secret { return &c.DatabaseURL }, defDoc: "SQLite in the data dir", meta: "URL", secret: true,
			usage: "postgres://user:password@host:5432/dbname stores everything in that PostgreSQL (13 or later) instead, shared by every replica; needs SPINDLE_SECRET_KEY; ?pool_max_conns=N bounds each process's connections (8)",
			parse: func(c *Config, v string) error { c.DatabaseURL = NewSecret(v); return parseDatabaseURL(v) }},
		{env: envPublicURL, def: "http://localhost:8080", meta: "URL", usage: "base of the links Spindle hands out (OAuth, media, status); absolute http(s), no query",
			parse: func(c *Config, v string) (err error) {
				c.PublicURL, err = parseURL(v, urlRule{noQuery: true, slash: trimSlash, example: "https://spindle.example.com"})
				return err
			},
			show: func(c Config) string { return c.PublicURL }},
		{env: envSecretKey, field: func(c *Config) *Secret { return &c.SecretKey }, defDoc: "generated into the data dir (0600)", meta: "KEY", secret: true,
			usage: "key for token encryption and signed state: 32 bytes as 64 hex characters or base64 (a _FILE may also hold the 32 raw bytes, like the generated secret.key)",
			parse: func(c *Config, v string) error {
				if v == "" {
					c.SecretKey = Secret{}
					return nil
				}
				key, err := decodeKey(v)
				c.SecretKey = NewSecret(string(key))
				return err
			}},
		{env: envSandbox, def: "false", meta: "BOOL", boolean: true, usage: "publish to the in-process Threads simulator instead of Meta",
			parse: func(c *Config, v string) (err error) { c.Sandbox, err = parseBool(v); return err },
			show:  func(c Config) string { return strconv.FormatBool(c.Sandbox) }},
		{env: "SPINDLE_POLL_INTERVAL", def: "30s", meta: "DURATION", usage: "how often the publisher looks for due posts (new work also wakes it at once); at least 1s",
			parse: func(c *Config, v string) (err error) { c.PollInterval, err = parseDuration(v, time.Second); return err },
			show:  func(c Config) string { return c.PollInterval.String() }},
		{env: "SPINDLE_LEASE_TTL", def: "2m", meta: "DURATION", usage: "how long a post being published stays claimed without its worker renewing it: a replica that dies mid-post has its post taken over by another this long after; at least 10s",
			parse: func(c *Config, v string) (err error) { c.LeaseTTL, err = parseDuration(v, 10*time.Second); return err },
			show:  func(c Config) string { return c.LeaseTTL.String() }},
		{env: "SPINDLE_FEED_INTERVAL", def: "10m", meta: "DURATION", usage: "default polling interval of a new feed; a feed may ask for its own, never below 1m unless this is lower; at least 1s",
			parse: func(c *Config, v string) (err error) { c.FeedInterval, err = parseDuration(v, time.Second); return err },
			show:  func(c Config) string { return c.FeedInterval.String() }},
		{env: "SPINDLE_RETENTION", def: "8760h", meta: "DURATION", usage: "how long finished posts (posted, failed, cancelled) are kept before housekeeping deletes them, at least 24h; 0 keeps them forever",
			parse: func(c *Config, v string) (err error) { c.Retention, err = parseRetention(v); return err },
			show:  func(c Config) string { return c.Retention.String() }},
		{env: "SPINDLE_APPROVAL_TTL", def: "168h", meta: "DURATION", usage: "how long a post held for approval (see “approvals on”) waits for a decision before it expires and its author is told; at least 1m",
			parse: func(c *Config, v string) (err error) { c.ApprovalTTL, err = parseDuration(v, time.Minute); return err },
			show:  func(c Config) string { return c.ApprovalTTL.String() }},
		{env: "SPINDLE_TIMEZONE", def: "UTC", meta: "ZONE", usage: "IANA time zone for schedule times given without one, e.g. Europe/Paris",
			parse: func(c *Config, v string) (err error) { c.Timezone, err = parseZone(v); return err },
			show:  func(c Config) string { return c.Timezone.String() }},
		{env: "SPINDLE_ALLOW_PRIVATE_URLS", def: "false", meta: "BOOL", boolean: true, usage: "allow feed, callback, event webhook and media URLs on private or loopback addresses",
			parse: func(c *Config, v string) (err error) { c.AllowPrivateURLs, err = parseBool(v); return err },
			show:  func(c Config) string { return strconv.FormatBool(c.AllowPrivateURLs) }},
		{env: "SPINDLE_PUBLISH_WORKERS", def: "8", meta: "N", usage: "publish workers, 1 to 256 (one account is never published in parallel)",
			parse: func(c *Config, v string) (err error) { c.PublishWorkers, err = parseWorkers(v); return err },
			show:  func(c Config) string { return strconv.Itoa(c.PublishWorkers) }},
		quotaOption("SPINDLE_QUOTA_POSTS", threads.MaxPosts, "posts", func(c *Config) *int { return &c.Quota.Posts }),
		quotaOption("SPINDLE_QUOTA_REPLIES", threads.MaxReplies, "replies", func(c *Config) *int { return &c.Quota.Replies }),
		quotaOption("SPINDLE_QUOTA_DELETES", threads.MaxDeletes, "deletions", func(c *Config) *int { return &c.Quota.Deletes }),
		{env: envAdminPassword, field: func(c *Config) *Secret { return &c.AdminPassword }, meta: "PASSWORD", secret: true, usage: "enables the status page at / behind HTTP basic auth",
			parse: func(c *Config, v string) error { c.AdminPassword = NewSecret(v); return nil }},
		{env: "SPINDLE_LOG_FORMAT", def: "text", meta: "FORMAT", usage: "log format: text or json",
			parse: func(c *Config, v string) (err error) { c.LogFormat, err = parseLogFormat(v); return err },
			show:  func(c Config) string { return c.LogFormat }},
		{env: "SPINDLE_LOG_LEVEL", def: "info", meta: "LEVEL", usage: "log level: debug, info, warn or error",
			parse: func(c *Config, v string) error {
				if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
					return errors.New("is not a log level; use debug, info, warn or error")
				}
				return nil
			},
			show: func(c Config) string { return strings.ToLower(c.LogLevel.String()) }},
		{env: envAppID, meta: "ID", usage: "Threads app id (required unless sandbox)",
			parse: func(c *Config, v string) error { c.Threads.AppID = v; return noSpace(v) },
			show:  func(c Config) string { return c.Threads.AppID }},
		{env: envAppSecret, field: func(c *Config) *Secret { return &c.Threads.AppSecret }, meta: "SECRET", secret: true, usage: "Threads app secret (required unless sandbox)",
			parse: func(c *Config, v string) error { c.Threads.AppSecret = NewSecret(v); return noSpace(v) }},
		{env: envRedirectURI, defDoc: "public URL + " + CallbackPath, meta: "URL", usage: "OAuth callback registered with the Threads app",
			parse: func(c *Config, v string) (err error) {
				c.Threads.RedirectURI, err = parseOptionalURL(v, urlRule{noFragment: true, example: "https://spindle.example.com" + CallbackPath})
				return err
			},
			show: func(c Config) string { return c.Threads.RedirectURI }},
		{env: "THREADS_DEFAULT_SCOPES", def: "threads_basic,threads_content_publish,threads_manage_replies,threads_read_replies,threads_delete,threads_manage_insights", meta: "LIST", usage: "comma-separated OAuth scopes to request; must include threads_basic. The default covers every feature: chains and replies need threads_manage_replies, delete threads_delete, stats threads_manage_insights",
			parse: func(c *Config, v string) (err error) { c.Threads.DefaultScopes, err = parseScopes(v); return err },
			show:  func(c Config) string { return strings.Join(c.Threads.DefaultScopes, ",") }},
		{env: "THREADS_SUCCESS_REDIRECT_URI", meta: "URL", usage: "where the browser goes after linking an account (else a small page)",
			parse: func(c *Config, v string) (err error) {
				c.Threads.SuccessRedirectURI, err = parseOptionalURL(v, urlRule{example: "https://example.com/linked"})
				return err
			},
			show: func(c Config) string { return c.Threads.SuccessRedirectURI }},
		{env: "THREADS_FAILURE_REDIRECT_URI", meta: "URL", usage: "where the browser goes after a failed link (else a small page)",
			parse: func(c *Config, v string) (err error) {
				c.Threads.FailureRedirectURI, err = parseOptionalURL(v, urlRule{example: "https://example.com/link-failed"})
				return err
			},
			show: func(c Config) string { return c.Threads.FailureRedirectURI }},
		{env: "THREADS_API_URL", def: "https://graph.threads.net", meta: "URL", usage: "Threads Graph API base (tests point it at a local server)",
			parse: func(c *Config, v string) (err error) {
				c.Threads.APIURL, err = parseURL(v, urlRule{noQuery: true, slash: trimSlash, example: "https://graph.threads.net"})
				return err
			},
			show: func(c Config) string { return c.Threads.APIURL }},
		{env: "THREADS_AUTH_URL", def: "https://threads.net/oauth/authorize", meta: "URL", usage: "Threads OAuth authorize page",
			parse: func(c *Config, v string) (err error) {
				c.Threads.AuthURL, err = parseURL(v, urlRule{noQuery: true, example: "https://threads.net/oauth/authorize"})
				return err
			},
			show: func(c Config) string { return c.Threads.AuthURL }},
		{env: envSlackSigning, field: func(c *Config) *Secret { return &c.Slack.SigningSecret }, meta: "SECRET", secret: true, usage: "Slack signing secret; with SLACK_BOT_TOKEN enables the Slack door",
			parse: func(c *Config, v string) error { c.Slack.SigningSecret = NewSecret(v); return noSpace(v) }},
		{env: envSlackBot, field: func(c *Config) *Secret { return &c.Slack.BotToken }, meta: "TOKEN", secret: true, usage: "Slack bot token (xoxb-…); with SLACK_SIGNING_SECRET enables the Slack door",
			parse: func(c *Config, v string) error { c.Slack.BotToken = NewSecret(v); return noSpace(v) }},
		{env: "SLACK_API_URL", def: "https://slack.com/api/", meta: "URL", usage: "Slack Web API base (tests point it at a local server); response_urls on its scheme and host are trusted, besides https://hooks.slack.com",
			parse: func(c *Config, v string) (err error) {
				c.Slack.APIURL, err = parseURL(v, urlRule{noQuery: true, slash: ensureSlash, example: "https://slack.com/api/"})
				return err
			},
			show: func(c Config) string { return c.Slack.APIURL }},
		{env: envTelegramBot, field: func(c *Config) *Secret { return &c.Telegram.BotToken }, meta: "TOKEN", secret: true, usage: "Telegram bot token from @BotFather; enables the Telegram door",
			parse: func(c *Config, v string) error { c.Telegram.BotToken = NewSecret(v); return noSpace(v) }},
		{env: "TELEGRAM_API_URL", def: "https://api.telegram.org", meta: "URL", usage: "Telegram Bot API base (tests point it at a local server)",
			parse: func(c *Config, v string) (err error) {
				c.Telegram.APIURL, err = parseURL(v, urlRule{noQuery: true, slash: trimSlash, example: "https://api.telegram.org"})
				return err
			},
			show: func(c Config) string { return c.Telegram.APIURL }},
		{env: envTelegramHook, field: func(c *Config) *Secret { return &c.Telegram.WebhookSecret }, meta: "SECRET", secret: true, usage: "set: webhook mode at /telegram/webhook with this secret token (1-256 of A-Z a-z 0-9 _ -); unset: long polling",
			parse: func(c *Config, v string) error { c.Telegram.WebhookSecret = NewSecret(v); return parseWebhookSecret(v) }},
		{env: "TELEGRAM_ALLOWED_USERS", meta: "IDS", usage: "comma-separated Telegram user ids allowed to use the bot (default: everyone)",
			parse: func(c *Config, v string) (err error) { c.Telegram.AllowedUsers, err = parseUserIDs(v); return err },
			show:  func(c Config) string { return joinInts(c.Telegram.AllowedUsers) }},
		{env: "SPINDLE_METRICS_ALLOWED_NETWORKS", def: "127.0.0.0/8,::1/128", meta: "CIDRS", usage: "comma-separated networks (CIDR) whose TCP peers may read /metrics, besides loopback; others get 403",
			parse: func(c *Config, v string) (err error) { c.MetricsAllowedNetworks, err = parseNetworks(v); return err },
			show:  func(c Config) string { return joinNetworks(c.MetricsAllowedNetworks) }},
	}
}

// quotaOption declares one per-account limit: Meta's by default, never above it.
func quotaOption(env string, meta int, what string, field func(c *Config) *int) option {
	return option{env: env, def: strconv.Itoa(meta), meta: "N",
		usage: what + " per account in 24 hours, 1 to " + strconv.Itoa(meta) + " (Meta's limit); lower keeps headroom for the Threads app",
		parse: func(c *Config, v string) (err error) { *field(c), err = parseQuota(v, meta, what); return err },
		show:  func(c Config) string { return strconv.Itoa(*field(&c)) }}
}

// flagName is the long flag of an environment name: SPINDLE_DATA_DIR → spindle-data-dir.
func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(env), "_", "-")
}

// aliasName is the short flag of a SPINDLE_* setting (SPINDLE_DATA_DIR → data-dir), or "".
func aliasName(env string) string {
	if rest, ok := strings.CutPrefix(env, "SPINDLE_"); ok {
		return flagName(rest)
	}
	return ""
}

// defaultText is the default as documentation shows it.
func (o option) defaultText() string {
	if o.defDoc != "" {
		return o.defDoc
	}
	return o.def
}
