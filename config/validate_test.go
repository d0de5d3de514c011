package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadValues gives each variable each kind of bad value and checks that Load reports a
// problem naming that variable, with a message that says how to fix it.
func TestBadValues(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		bad  string // the variable the problem must name
		want string // a piece of the fix
	}{
		{"addr no port", map[string]string{"SPINDLE_ADDR": "localhost"}, nil, "SPINDLE_ADDR", "host:port"},
		{"addr bad port", map[string]string{"SPINDLE_ADDR": ":http"}, nil, "SPINDLE_ADDR", "0 to 65535"},
		{"addr port too big", map[string]string{"SPINDLE_ADDR": ":70000"}, nil, "SPINDLE_ADDR", "0 to 65535"},
		{"data dir is a file", map[string]string{"SPINDLE_DATA_DIR": empty}, nil, "SPINDLE_DATA_DIR", "not a directory"},
		{"public url relative", map[string]string{"SPINDLE_PUBLIC_URL": "spindle.example.com"}, nil, "SPINDLE_PUBLIC_URL", "https://"},
		{"public url ftp", map[string]string{"SPINDLE_PUBLIC_URL": "ftp://x.example"}, nil, "SPINDLE_PUBLIC_URL", "https://"},
		{"public url query", map[string]string{"SPINDLE_PUBLIC_URL": "https://x.example/?a=1"}, nil, "SPINDLE_PUBLIC_URL", "?query"},
		{"public url fragment", map[string]string{"SPINDLE_PUBLIC_URL": "https://x.example/#top"}, nil, "SPINDLE_PUBLIC_URL", "#fragment"},
		{"public url userinfo", map[string]string{"SPINDLE_PUBLIC_URL": "https://u:p@x.example"}, nil, "SPINDLE_PUBLIC_URL", "user name"},
		{"public url unparsable", map[string]string{"SPINDLE_PUBLIC_URL": "http://[::1"}, nil, "SPINDLE_PUBLIC_URL", "https://"},
		{"secret key short hex", map[string]string{"SPINDLE_SECRET_KEY": "abcd"}, nil, "SPINDLE_SECRET_KEY", "64 hex"},
		{"secret key 48-byte base64", map[string]string{"SPINDLE_SECRET_KEY": strings.Repeat("Z", 64)}, nil, "SPINDLE_SECRET_KEY", "openssl rand -hex 32"},
		{"sandbox", map[string]string{"SPINDLE_SANDBOX": "maybe"}, nil, "SPINDLE_SANDBOX", "true or false"},
		{"sandbox flag", nil, []string{"--sandbox=sure"}, "SPINDLE_SANDBOX", "--sandbox"},
		{"poll not a duration", map[string]string{"SPINDLE_POLL_INTERVAL": "30"}, nil, "SPINDLE_POLL_INTERVAL", "30s"},
		{"poll too small", map[string]string{"SPINDLE_POLL_INTERVAL": "10ms"}, nil, "SPINDLE_POLL_INTERVAL", "1s or more"},
		{"poll negative", map[string]string{"SPINDLE_POLL_INTERVAL": "-5s"}, nil, "SPINDLE_POLL_INTERVAL", "1s or more"},
		{"feed not a duration", map[string]string{"SPINDLE_FEED_INTERVAL": "ten minutes"}, nil, "SPINDLE_FEED_INTERVAL", "Go duration"},
		{"feed too small", map[string]string{"SPINDLE_FEED_INTERVAL": "0s"}, nil, "SPINDLE_FEED_INTERVAL", "1s or more"},
		{"retention too short", map[string]string{"SPINDLE_RETENTION": "1h"}, nil, "SPINDLE_RETENTION", "24h0m0s or more"},
		{"retention not a duration", map[string]string{"SPINDLE_RETENTION": "a year"}, nil, "SPINDLE_RETENTION", "0 to keep"},
		{"timezone unknown", map[string]string{"SPINDLE_TIMEZONE": "Mars/Olympus"}, nil, "SPINDLE_TIMEZONE", "Europe/Paris"},
		{"timezone path", map[string]string{"SPINDLE_TIMEZONE": "../../etc/passwd"}, nil, "SPINDLE_TIMEZONE", "IANA"},
		{"private urls", map[string]string{"SPINDLE_ALLOW_PRIVATE_URLS": "2"}, nil, "SPINDLE_ALLOW_PRIVATE_URLS", "true or false"},
		{"workers zero", map[string]string{"SPINDLE_PUBLISH_WORKERS": "0"}, nil, "SPINDLE_PUBLISH_WORKERS", "1 to 256"},
		{"workers too many", map[string]string{"SPINDLE_PUBLISH_WORKERS": "257"}, nil, "SPINDLE_PUBLISH_WORKERS", "1 to 256"},
		{"workers word", map[string]string{"SPINDLE_PUBLISH_WORKERS": "eight"}, nil, "SPINDLE_PUBLISH_WORKERS", "1 to 256"},
		{"quota posts above meta", map[string]string{"SPINDLE_QUOTA_POSTS": "251"}, nil, "SPINDLE_QUOTA_POSTS", "Meta allows at most 250 posts"},
		{"quota posts zero", map[string]string{"SPINDLE_QUOTA_POSTS": "0"}, nil, "SPINDLE_QUOTA_POSTS", "from 1 to 250"},
		{"quota posts negative", map[string]string{"SPINDLE_QUOTA_POSTS": "-1"}, nil, "SPINDLE_QUOTA_POSTS", "from 1 to 250"},
		{"quota posts word", map[string]string{"SPINDLE_QUOTA_POSTS": "lots"}, nil, "SPINDLE_QUOTA_POSTS", "whole number"},
		{"quota posts fraction", map[string]string{"SPINDLE_QUOTA_POSTS": "2.5"}, nil, "SPINDLE_QUOTA_POSTS", "whole number"},
		{"quota posts flag", nil, []string{"--quota-posts=1000"}, "SPINDLE_QUOTA_POSTS", "headroom for posts made in the Threads app"},
		{"quota replies above meta", map[string]string{"SPINDLE_QUOTA_REPLIES": "1001"}, nil, "SPINDLE_QUOTA_REPLIES", "Meta allows at most 1000 replies"},
		{"quota replies zero", map[string]string{"SPINDLE_QUOTA_REPLIES": "0"}, nil, "SPINDLE_QUOTA_REPLIES", "from 1 to 1000"},
		{"quota deletes above meta", map[string]string{"SPINDLE_QUOTA_DELETES": "101"}, nil, "SPINDLE_QUOTA_DELETES", "Meta allows at most 100 deletions"},
		{"quota deletes word", map[string]string{"SPINDLE_QUOTA_DELETES": "ten"}, nil, "SPINDLE_QUOTA_DELETES", "from 1 to 100"},
		{"log format", map[string]string{"SPINDLE_LOG_FORMAT": "logfmt"}, nil, "SPINDLE_LOG_FORMAT", "text or json"},
		{"log level", map[string]string{"SPINDLE_LOG_LEVEL": "verbose"}, nil, "SPINDLE_LOG_LEVEL", "debug, info, warn or error"},
		{"app id space", map[string]string{"THREADS_APP_ID": "12 34", "THREADS_APP_SECRET": "s"}, nil, "THREADS_APP_ID", "whitespace"},
		{"app secret space", map[string]string{"THREADS_APP_ID": "1", "THREADS_APP_SECRET": "a b"}, nil, "THREADS_APP_SECRET", "whitespace"},
		{"app id without secret", map[string]string{"THREADS_APP_ID": "1"}, nil, "THREADS_APP_SECRET", "set THREADS_APP_SECRET"},
		{"app secret without id", map[string]string{"THREADS_APP_SECRET": "s"}, nil, "THREADS_APP_ID", "set THREADS_APP_ID"},
		{"database url sqlite file", map[string]string{"SPINDLE_DATABASE_URL": "file:spindle.db", "SPINDLE_SECRET_KEY": strings.Repeat("ab", 32)}, nil, "SPINDLE_DATABASE_URL", "postgres://"},
		{"database url mysql", map[string]string{"SPINDLE_DATABASE_URL": "mysql://u:p@db/spindle", "SPINDLE_SECRET_KEY": strings.Repeat("ab", 32)}, nil, "SPINDLE_DATABASE_URL", "postgres://"},
		{"database url no host", map[string]string{"SPINDLE_DATABASE_URL": "postgres:///spindle", "SPINDLE_SECRET_KEY": strings.Repeat("ab", 32)}, nil, "SPINDLE_DATABASE_URL", "db.example.com"},
		{"database url no database", map[string]string{"SPINDLE_DATABASE_URL": "postgres://u:p@db:5432", "SPINDLE_SECRET_KEY": strings.Repeat("ab", 32)}, nil, "SPINDLE_DATABASE_URL", "/spindle"},
		{"database url pool of one", map[string]string{"SPINDLE_DATABASE_URL": "postgres://u:p@db:5432/spindle?pool_max_conns=1", "SPINDLE_SECRET_KEY": strings.Repeat("ab", 32)}, nil, "SPINDLE_DATABASE_URL", "pool_max_conns must be a whole number from 2 to 1000"},
		{"database url pool not a number", map[string]string{"SPINDLE_DATABASE_URL": "postgres://u:p@db:5432/spindle?pool_max_conns=lots", "SPINDLE_SECRET_KEY": strings.Repeat("ab", 32)}, nil, "SPINDLE_DATABASE_URL", `(got "lots")`},
		{"database url without secret key", map[string]string{"SPINDLE_DATABASE_URL": "postgres://u:p@db:5432/spindle"}, nil, "SPINDLE_SECRET_KEY", "every replica"},
		{"redirect relative", map[string]string{"THREADS_REDIRECT_URI": "/cb"}, nil, "THREADS_REDIRECT_URI", "https://"},
		{"redirect fragment", map[string]string{"THREADS_REDIRECT_URI": "https://x.example/cb#x"}, nil, "THREADS_REDIRECT_URI", "#fragment"},
		{"scopes without basic", map[string]string{"THREADS_DEFAULT_SCOPES": "threads_content_publish"}, nil, "THREADS_DEFAULT_SCOPES", "threads_basic"},
		{"scopes bad word", map[string]string{"THREADS_DEFAULT_SCOPES": "threads_basic threads_delete"}, nil, "THREADS_DEFAULT_SCOPES", "separated by commas"},
		{"scopes empty list", map[string]string{"THREADS_DEFAULT_SCOPES": ","}, nil, "THREADS_DEFAULT_SCOPES", "threads_basic"},
		{"success redirect", map[string]string{"THREADS_SUCCESS_REDIRECT_URI": "done.html"}, nil, "THREADS_SUCCESS_REDIRECT_URI", "https://"},
		{"failure redirect", map[string]string{"THREADS_FAILURE_REDIRECT_URI": "javascript:alert(1)"}, nil, "THREADS_FAILURE_REDIRECT_URI", "https://"},
		{"threads api", map[string]string{"THREADS_API_URL": "graph.threads.net"}, nil, "THREADS_API_URL", "https://graph.threads.net"},
		{"threads api query", map[string]string{"THREADS_API_URL": "https://graph.threads.net?x=1"}, nil, "THREADS_API_URL", "?query"},
		{"threads auth", map[string]string{"THREADS_AUTH_URL": "threads.net/oauth"}, nil, "THREADS_AUTH_URL", "https://"},
		{"slack signing without bot", map[string]string{"SLACK_SIGNING_SECRET": "s"}, nil, "SLACK_BOT_TOKEN", "set SLACK_BOT_TOKEN"},
		{"slack bot without signing", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, nil, "SLACK_SIGNING_SECRET", "set SLACK_SIGNING_SECRET"},
		{"slack token space", map[string]string{"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb 1"}, nil, "SLACK_BOT_TOKEN", "whitespace"},
		{"slack signing space", map[string]string{"SLACK_SIGNING_SECRET": "s s", "SLACK_BOT_TOKEN": "x"}, nil, "SLACK_SIGNING_SECRET", "whitespace"},
		{"slack api", map[string]string{"SLACK_API_URL": "slack.com/api"}, nil, "SLACK_API_URL", "https://slack.com/api/"},
		{"telegram token space", map[string]string{"TELEGRAM_BOT_TOKEN": "1: x"}, nil, "TELEGRAM_BOT_TOKEN", "whitespace"},
		{"telegram api", map[string]string{"TELEGRAM_API_URL": "api.telegram.org"}, nil, "TELEGRAM_API_URL", "https://api.telegram.org"},
		{"webhook secret chars", map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "a!b"}, nil, "TELEGRAM_WEBHOOK_SECRET", "A-Z, a-z, 0-9, _ and -"},
		{"webhook secret long", map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": strings.Repeat("a", 257)}, nil, "TELEGRAM_WEBHOOK_SECRET", "1 to 256"},
		{"webhook secret without token", map[string]string{"TELEGRAM_WEBHOOK_SECRET": "abc"}, nil, "TELEGRAM_BOT_TOKEN", "unset TELEGRAM_WEBHOOK_SECRET"},
		{"allowed users word", map[string]string{"TELEGRAM_ALLOWED_USERS": "123,alice"}, nil, "TELEGRAM_ALLOWED_USERS", `"alice"`},
		{"allowed users negative", map[string]string{"TELEGRAM_ALLOWED_USERS": "-5"}, nil, "TELEGRAM_ALLOWED_USERS", "positive"},
		{"allowed users overflow", map[string]string{"TELEGRAM_ALLOWED_USERS": "99999999999999999999"}, nil, "TELEGRAM_ALLOWED_USERS", "numeric"},
		{"metrics network word", map[string]string{"SPINDLE_METRICS_ALLOWED_NETWORKS": "127.0.0.0/8,office"}, nil, "SPINDLE_METRICS_ALLOWED_NETWORKS", `"office"`},
		{"metrics network bad mask", map[string]string{"SPINDLE_METRICS_ALLOWED_NETWORKS": "10.0.0.0/33"}, nil, "SPINDLE_METRICS_ALLOWED_NETWORKS", "CIDRs"},
		{"metrics network zone", map[string]string{"SPINDLE_METRICS_ALLOWED_NETWORKS": "fe80::1%eth0"}, nil, "SPINDLE_METRICS_ALLOWED_NETWORKS", "not a network"},
		{"secret and file", map[string]string{"SLACK_BOT_TOKEN": "a", "SLACK_BOT_TOKEN_FILE": "/x", "SLACK_SIGNING_SECRET": "s"}, nil, "SLACK_BOT_TOKEN", "keep only one"},
		{"secret file missing", map[string]string{"THREADS_APP_ID": "1", "THREADS_APP_SECRET_FILE": missing}, nil, "THREADS_APP_SECRET", "no such file"},
		{"secret file empty", map[string]string{"SPINDLE_ADMIN_PASSWORD_FILE": empty}, nil, "SPINDLE_ADMIN_PASSWORD", "is empty"},
		{"secret flag and file flag", nil, []string{"--admin-password", "x", "--admin-password-file", empty}, "SPINDLE_ADMIN_PASSWORD", "keep only one"},
		{"flag value named", nil, []string{"--poll-interval", "fast"}, "SPINDLE_POLL_INTERVAL", "(from --poll-interval)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.args, tt.env)
			if err == nil {
				t.Fatalf("Load accepted %v %v", tt.env, tt.args)
			}
			problems := problemsOf(t, err)
			if len(problems) != 1 {
				t.Errorf("want exactly one problem, got %d:\n%v", len(problems), err)
			}
			p := problems[0]
			if p.Var != tt.bad || !strings.Contains(p.Message, tt.want) {
				t.Errorf("problem = %s\nwant it about %s and to contain %q", p, tt.bad, tt.want)
			}
			if !strings.Contains(err.Error(), tt.bad+": ") {
				t.Errorf("Error() does not name %s:\n%v", tt.bad, err)
			}
		})
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	env := map[string]string{
		"SPINDLE_ADDR": "nope", "SPINDLE_PUBLIC_URL": "nope", "SPINDLE_POLL_INTERVAL": "nope",
		"SPINDLE_PUBLISH_WORKERS": "0", "SPINDLE_TIMEZONE": "Nowhere/Land", "SPINDLE_LOG_LEVEL": "loud",
		"SLACK_SIGNING_SECRET": "s", "TELEGRAM_ALLOWED_USERS": "x",
	}
	_, err := load(t, []string{"--sandbox=perhaps"}, env)
	problems := problemsOf(t, err)
	want := []string{"SPINDLE_ADDR", "SPINDLE_PUBLIC_URL", "SPINDLE_SANDBOX", "SPINDLE_POLL_INTERVAL",
		"SPINDLE_TIMEZONE", "SPINDLE_PUBLISH_WORKERS", "SPINDLE_LOG_LEVEL", "TELEGRAM_ALLOWED_USERS", "SLACK_BOT_TOKEN"}
	var got []string
	for _, p := range problems {
		got = append(got, p.Var)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems for\n %v\nwant\n %v\nerror:\n%v", got, want, err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want)+1 || !strings.Contains(lines[0], fmt.Sprint(len(want), " problems")) {
		t.Errorf("Error() should be a header and one line per problem:\n%v", err)
	}
	// A public URL that failed is not reported a second time through the derived redirect URI.
	if strings.Contains(err.Error(), "THREADS_REDIRECT_URI") {
		t.Errorf("derived THREADS_REDIRECT_URI reported:\n%v", err)
	}
}

func TestValidateServe(t *testing.T) {
	c := mustLoad(t, nil, nil)
	err := c.ValidateServe()
	if err == nil {
		t.Fatal("serve without credentials and without sandbox was accepted")
	}
	msg := err.Error()
	for _, want := range []string{"THREADS_APP_ID", "THREADS_APP_SECRET", "--sandbox", "spindle serve --sandbox", "simulator"} {
		if !strings.Contains(msg, want) {
			t.Errorf("serve error does not mention %q:\n%s", want, msg)
		}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Errorf("want a *ValidationError with two problems, got %#v", err)
	}

	c = mustLoad(t, []string{"--sandbox"}, nil)
	if err := c.ValidateServe(); err != nil {
		t.Errorf("sandbox without credentials: %v", err)
	}
	// migrate and version only call Load, which needs no credentials: nothing to check beyond
	// Load succeeding above with an empty environment.
}

// TestNoSecretInErrors feeds every secret bad values, through the environment, flags and
// files, and checks that no error, help text or dump contains any of them.
func TestNoSecretInErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaks := []string{
		"LEAK-key-not-32-bytes", "LEAK admin", "LEAK app secret", "LEAK signing secret",
		"LEAK-bot token", "LEAK tg token", "LEAK!webhook", "LEAK-file secret with space",
	}
	envs := []map[string]string{
		{
			"SPINDLE_SECRET_KEY": leaks[0], "SPINDLE_ADMIN_PASSWORD": leaks[1], "THREADS_APP_SECRET": leaks[2],
			"SLACK_SIGNING_SECRET": leaks[3], "SLACK_BOT_TOKEN": leaks[4], "TELEGRAM_BOT_TOKEN": leaks[5],
			"TELEGRAM_WEBHOOK_SECRET": leaks[6],
		},
		{"THREADS_APP_SECRET_FILE": file("app", leaks[7]), "SLACK_SIGNING_SECRET": leaks[3], "TELEGRAM_WEBHOOK_SECRET": leaks[6]},
		{"SLACK_SIGNING_SECRET": leaks[3], "SLACK_SIGNING_SECRET_FILE": file("sign", leaks[3])},
	}
	argSets := [][]string{
		nil,
		{"--secret-key", leaks[0], "--threads-app-secret", leaks[2], "--telegram-webhook-secret", leaks[6], "--slack-bot-token", leaks[4]},
		{"--telegram-bot-token-file", file("tg", leaks[5]+"\n"), "--telegram-bot-token", leaks[5]},
	}
	var outputs []string
	for _, env := range envs {
		for _, args := range argSets {
			c, err := load(t, args, env)
			if err == nil {
				t.Fatalf("bad secrets accepted: %v", args)
			}
			outputs = append(outputs, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
			outputs = append(outputs, c.ValidateServe().Error())
		}
	}
	for _, out := range outputs {
		for _, leak := range leaks {
			if strings.Contains(out, leak) || strings.Contains(out, "LEAK") {
				t.Fatalf("an error contains the secret %q:\n%s", leak, out)
			}
		}
	}
}
