package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// secretConfig loads a configuration with every secret set to a recognisable value.
func secretConfig(t *testing.T) (Config, []string) {
	t.Helper()
	values := map[string]string{
		"SPINDLE_ADMIN_PASSWORD": "admin-SEKRET-1", "THREADS_APP_SECRET": "app-SEKRET-2",
		"SLACK_SIGNING_SECRET": "signing-SEKRET-3", "SLACK_BOT_TOKEN": "xoxb-SEKRET-4",
		"TELEGRAM_BOT_TOKEN": "5:tg-SEKRET-5", "TELEGRAM_WEBHOOK_SECRET": "hook-SEKRET-6",
	}
	env := map[string]string{"THREADS_APP_ID": "77", "SPINDLE_SECRET_KEY": strings.Repeat("5e", 32)}
	var leaks []string
	for k, v := range values {
		env[k] = v
		leaks = append(leaks, v)
	}
	// The raw key bytes are ^^^^…; look for the encoded and the raw form.
	leaks = append(leaks, strings.Repeat("5e", 32), strings.Repeat("^", 32))
	return mustLoad(t, nil, env), leaks
}

func assertNoLeak(t *testing.T, what, out string, leaks []string) {
	t.Helper()
	for _, leak := range leaks {
		if strings.Contains(out, leak) || strings.Contains(out, "SEKRET") {
			t.Errorf("%s contains the secret %q:\n%s", what, leak, out)
		}
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"THREADS_APP_SECRET": "env-SEKRET", "SLACK_BOT_TOKEN": "xoxb-SEKRET"}
	_, _, err := LoadArgs([]string{"--telegram-bot-token", "1:flag-SEKRET", "--help"}, envOf(env), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help returned %v, want flag.ErrHelp", err)
	}
	help := out.String()
	assertNoLeak(t, "--help", help, []string{"env-SEKRET", "xoxb-SEKRET", "flag-SEKRET"})
	for _, o := range options() {
		if !strings.Contains(help, "--"+flagName(o.env)) || !strings.Contains(help, "env "+o.env) || !strings.Contains(help, o.usage) {
			t.Errorf("--help lacks the flag, env name or meaning of %s", o.env)
		}
		if a := aliasName(o.env); a != "" && !strings.Contains(help, "--"+a+", --"+flagName(o.env)) {
			t.Errorf("--help lacks the alias --%s", a)
		}
		if o.def != "" && !strings.Contains(help, fmt.Sprintf("env %s, default %q", o.env, o.def)) {
			t.Errorf("--help lacks the default of %s", o.env)
		}
	}
	if n := strings.Count(help, "(secret)"); n != 8 {
		t.Errorf("--help marks %d settings as secret, want 8", n)
	}
	for _, want := range []string{"--addr, --spindle-addr HOST:PORT", `env SPINDLE_ADDR, default ":8080"`,
		"--sandbox, --spindle-sandbox[=BOOL]", "SLACK_BOT_TOKEN_FILE", "--admin-password-file"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

func TestDump(t *testing.T) {
	c, leaks := secretConfig(t)
	var out bytes.Buffer
	c.Dump(&out)
	dump := out.String()
	assertNoLeak(t, "Dump", dump, leaks)
	lines := strings.Split(strings.TrimSuffix(dump, "\n"), "\n")
	if len(lines) != len(options()) {
		t.Fatalf("Dump has %d lines, want one per setting (%d):\n%s", len(lines), len(options()), dump)
	}
	for i, o := range options() {
		if !strings.HasPrefix(lines[i], o.env+"=") {
			t.Errorf("Dump line %d = %q, want %s=…", i, lines[i], o.env)
		}
	}
	for _, want := range []string{"SLACK_BOT_TOKEN=[redacted]\n", "SPINDLE_SECRET_KEY=[redacted]\n", "THREADS_APP_ID=77\n",
		"SPINDLE_POLL_INTERVAL=30s\n", "THREADS_REDIRECT_URI=http://localhost:8080/api/auth/threads/callback\n"} {
		if !strings.Contains(dump, want) {
			t.Errorf("Dump lacks %q:\n%s", want, dump)
		}
	}
	var empty bytes.Buffer
	Default().Dump(&empty)
	if !strings.Contains(empty.String(), "SLACK_BOT_TOKEN=\n") {
		t.Errorf("an unset secret should dump empty:\n%s", empty.String())
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	c, leaks := secretConfig(t)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("loaded", "config", c, slog.Any("ptr", &c))
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("loaded", "config", c, "threads", c.Threads, "slack", c.Slack, "telegram", c.Telegram)
	if !strings.Contains(buf.String(), "config.slack_bot_token=[redacted]") || !strings.Contains(buf.String(), `"slack_bot_token":"[redacted]"`) {
		t.Errorf("slog output does not show the redacted config:\n%s", buf.String())
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"slog": buf.String(), "json": string(js),
		"fmt": fmt.Sprintf("%v %+v %#v", c, c, c),
	}
	for what, out := range outputs {
		assertNoLeak(t, what, out, leaks)
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown()
	if !strings.HasPrefix(md, "| variable | flags | default | meaning |\n|---|---|---|---|\n") {
		t.Errorf("Markdown lacks the table header:\n%s", md)
	}
	rows := strings.Count(md, "\n") - 2
	if rows != len(options()) {
		t.Errorf("Markdown has %d rows, want %d", rows, len(options()))
	}
	for _, want := range []string{
		"| `SPINDLE_ADDR` | `--addr`, `--spindle-addr` | `:8080` | HTTP listen address |",
		"| `THREADS_REDIRECT_URI` | `--threads-redirect-uri` | public URL + /api/auth/threads/callback |",
		"`SLACK_BOT_TOKEN_FILE`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestDeclaration guards the single declaration: every secret has its field, every
// non-secret can be shown, and no two settings collide on a flag.
func TestDeclaration(t *testing.T) {
	seen := map[string]string{}
	for _, o := range options() {
		if o.secret != (o.field != nil) || (!o.secret && o.show == nil) || o.parse == nil || o.usage == "" || o.meta == "" {
			t.Errorf("%s is declared incompletely", o.env)
		}
		for _, f := range []string{flagName(o.env), aliasName(o.env)} {
			if prev, dup := seen[f]; dup && f != "" {
				t.Errorf("flag --%s is declared by %s and %s", f, prev, o.env)
			}
			seen[f] = o.env
		}
	}
}

func TestPrintDefaultsNeverShowsValues(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	RegisterFlags(fs)
	if err := fs.Parse([]string{"--slack-bot-token", "xoxb-SEKRET", "--addr", ":1234"}); err != nil {
		t.Fatal(err)
	}
	fs.PrintDefaults()
	assertNoLeak(t, "PrintDefaults", out.String(), []string{"xoxb-SEKRET"})
	if !strings.Contains(out.String(), "env SLACK_BOT_TOKEN; secret") || !strings.Contains(out.String(), "env SPINDLE_ADDR, default :8080") {
		t.Errorf("PrintDefaults lacks the env names and defaults:\n%s", out.String())
	}
}
