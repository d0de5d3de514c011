package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

const sourcesUsage = `spindle sources add <name> --account <username> --scheme github|standard|gitlab [--preset NAME] [--template FILE] [--branch B] [--events a,b] [--json]
       spindle sources list [--json]
       spindle sources show <name> [--json]
       spindle sources rotate <name> [--grace 24h] [--json]
       spindle sources enable|disable <name>
       spindle sources remove <name> [--json]`

// runSources is `spindle sources`: the signed webhook sources of POST /hooks/{name}. It works
// beside the running daemon, which sees a change within a second.
func runSources(ctx context.Context, env *cliEnv, args []string) error {
	verb, rest, err := subcommand(env, args, "sources", sourcesUsage)
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		return sourcesAdd(ctx, env, rest)
	case "list", "ls":
		return sourcesList(ctx, env, rest)
	case "show":
		return sourcesShow(ctx, env, rest)
	case "rotate":
		return sourcesRotate(ctx, env, rest)
	case "remove", "rm":
		return sourcesRemove(ctx, env, rest)
	case "enable", "disable":
		return sourcesEnable(ctx, env, rest, verb == "enable")
	}
	return usagef("unknown sources command %q:\n%s", verb, sourcesUsage)
}

// sourcesCmd is what every sources subcommand opens: configuration, database, store.
type sourcesCmd struct {
	cfg   config.Config
	db    *storage.DB
	store *webhookstore.Store
}

func openSources(ctx context.Context, cfg config.Config) (*sourcesCmd, error) {
	// Secrets are sealed under the same key the daemon uses: the one in SPINDLE_SECRET_KEY or
	// the one generated into the data dir.
	if err := cfg.EnsureSecretKey(); err != nil {
		return nil, err
	}
	keys, err := accounts.NewKeys(cfg.SecretKeyBytes())
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &sourcesCmd{cfg: cfg, db: db, store: webhookstore.New(webhookstore.Options{DB: db, Sealer: keys, Now: db.Now})}, nil
}

func (c *sourcesCmd) url(name string) string { return c.cfg.PublicURL + "/hooks/" + name }

// oneName parses a subcommand that takes exactly one source name.
func oneName(fs *flag.FlagSet, args []string, example string) (string, error) {
	rest, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	if len(rest) != 1 {
		return "", usagef("give one source name: %s", example)
	}
	return rest[0], nil
}

// namedSource parses a sources command that takes one source name, then opens the store;
// the caller closes c.db.
func namedSource(ctx context.Context, env *cliEnv, fs *flag.FlagSet, cf *config.Flags, args []string, example string) (*sourcesCmd, string, error) {
	name, err := oneName(fs, args, example)
	if err != nil {
		return nil, "", err
	}
	cfg, err := env.load(cf)
	if err != nil {
		return nil, "", err
	}
	c, err := openSources(ctx, cfg)
	return c, name, err
}

func notFound(name string, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("no webhook source named %q; `spindle sources list` shows them", name)
	}
	return err
}

func sourcesAdd(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("sources add", "spindle sources add <name> --account <username> --scheme github|standard|gitlab [flags]")
	account := fs.String("account", "", "Threads username the source posts as (required)")
	scheme := fs.String("scheme", "", "how senders sign: github (X-Hub-Signature-256), standard (Standard Webhooks) or gitlab (X-Gitlab-Token) (required)")
	preset := fs.String("preset", "", "ready-made mapping of a provider's payload: "+strings.Join(webhook.PresetNames(), ", "))
	tmplFile := fs.String("template", "", "file with a Go text/template mapping the JSON payload to the post's text")
	branch := fs.String("branch", "", "with --preset github-push: the branch to post about (default: the repository's default branch)")
	events := fs.String("events", "", "comma-separated event names the source takes (default: all; with --template: the provider's release event)")
	asJSON := fs.Bool("json", false, `print {"name","url","secret"} as JSON`)
	name, err := oneName(fs, args, "spindle sources add ci --account yourname --scheme github")
	if err != nil {
		return err
	}
	if *account == "" || *scheme == "" {
		return usagef("give the account and the scheme: spindle sources add %s --account yourname --scheme github", name)
	}
	sch, err := webhook.ParseScheme(*scheme)
	if err != nil {
		return usagef("--scheme: %v", err)
	}
	sp := webhookstore.Spec{Name: name, Scheme: sch, Preset: *preset, Branch: *branch, Events: splitList(*events)}
	if *tmplFile != "" {
		b, err := os.ReadFile(*tmplFile)
		if err != nil {
			return fmt.Errorf("--template: %w", err)
		}
		sp.Template = string(b)
	}
	if err := sp.Check(); err != nil { // before touching the database or the key file
		return usagef("%v", err)
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	c, err := openSources(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.db.Close()
	acct, err := accountByName(ctx, c.db, *account)
	if err != nil {
		return err
	}
	sp.AccountID = acct.ID
	added, err := c.store.Add(ctx, sp)
	if errors.Is(err, storage.ErrExists) {
		return fmt.Errorf("a webhook source named %q already exists; pick another name, or `spindle sources rotate %s` for a new secret", name, name)
	} else if err != nil {
		return err
	}
	if *asJSON {
		return env.printJSON(map[string]string{"name": name, "url": c.url(name), "secret": added.Secret})
	}
	fmt.Fprintf(env.stdout, "Webhook source %s added; it posts as @%s.\n\n  URL:    %s\n  Secret: %s\n\n", name, acct.Username, c.url(name), added.Secret)
	fmt.Fprintln(env.stdout, "The secret is shown only now: put it in the sender. `spindle sources rotate "+name+"` makes a new one.")
	fmt.Fprintln(env.stdout, senderHint(sch))
	return nil
}

// senderHint says how to set the sender up for a scheme.
func senderHint(s webhook.Scheme) string {
	switch s {
	case webhook.SchemeGitHub:
		return "GitHub: Settings → Webhooks → Add webhook, Payload URL and Secret as above, Content type application/json."
	case webhook.SchemeGitLab:
		return "GitLab: Settings → Webhooks → Add new webhook, URL as above, the secret as Secret token."
	}
	return "Standard Webhooks: sign with the whsec_ secret (webhook-id, webhook-timestamp, webhook-signature headers)."
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sourceView is a source as `list` and `show` print it: never a secret.
type sourceView struct {
	Name                 string     `json:"name"`
	URL                  string     `json:"url"`
	Account              string     `json:"account"`
	AccountID            int64      `json:"account_id"`
	Scheme               string     `json:"scheme"`
	Preset               string     `json:"preset,omitempty"`
	Template             string     `json:"template,omitempty"`
	Branch               string     `json:"branch,omitempty"`
	Events               []string   `json:"events,omitempty"`
	Enabled              bool       `json:"enabled"`
	CreatedAt            time.Time  `json:"created_at"`
	RotatedAt            *time.Time `json:"rotated_at,omitempty"`
	PreviousSecretExpiry *time.Time `json:"previous_secret_valid_until,omitempty"`
	LastDeliveryAt       *time.Time `json:"last_delivery_at,omitempty"`
	LastStatus           int        `json:"last_status,omitempty"`
	LastError            string     `json:"last_error,omitempty"`
}

func (c *sourcesCmd) view(ctx context.Context, s storage.WebhookSource, names map[int64]string) sourceView {
	if _, ok := names[s.AccountID]; !ok {
		if a, err := c.db.Account(ctx, s.AccountID); err == nil {
			names[s.AccountID] = a.Username
		}
	}
	v := sourceView{Name: s.Name, URL: c.url(s.Name), Account: names[s.AccountID], AccountID: s.AccountID,
		Scheme: s.Scheme, Preset: s.Preset, Template: s.Template, Branch: s.Branch, Events: s.Events,
		Enabled: s.Enabled, CreatedAt: s.CreatedAt, LastStatus: s.LastStatus, LastError: s.LastError}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	v.RotatedAt, v.LastDeliveryAt = opt(s.RotatedAt), opt(s.LastDeliveryAt)
	if s.PrevSecretSealed != nil && c.db.Now().Before(s.PrevExpiresAt) {
		v.PreviousSecretExpiry = opt(s.PrevExpiresAt)
	}
	return v
}

func sourcesList(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("sources list", "spindle sources list [--json]")
	asJSON := fs.Bool("json", false, "print the sources as JSON")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("sources list takes no arguments, got %q", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	c, err := openSources(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.db.Close()
	rows, err := c.store.List(ctx, 0)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	views := make([]sourceView, 0, len(rows))
	for _, r := range rows {
		views = append(views, c.view(ctx, r, names))
	}
	if *asJSON {
		return env.printJSON(views)
	}
	if len(views) == 0 {
		fmt.Fprintln(env.stdout, "No webhook sources yet; add one with `spindle sources add <name> --account <username> --scheme github`.")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tACCOUNT\tSCHEME\tPRESET\tENABLED\tLAST DELIVERY")
	for _, v := range views {
		last := "never"
		if v.LastDeliveryAt != nil {
			last = fmt.Sprintf("%s (%d)", v.LastDeliveryAt.Local().Format("2006-01-02 15:04"), v.LastStatus)
		}
		fmt.Fprintf(tw, "%s\t@%s\t%s\t%s\t%t\t%s\n", v.Name, v.Account, v.Scheme, orDash(v.Preset), v.Enabled, last)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sourcesShow(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("sources show", "spindle sources show <name> [--json]")
	asJSON := fs.Bool("json", false, "print the source as JSON")
	c, name, err := namedSource(ctx, env, fs, cf, args, "spindle sources show ci")
	if err != nil {
		return err
	}
	defer c.db.Close()
	s, err := c.store.Get(ctx, name)
	if err != nil {
		return notFound(name, err)
	}
	v := c.view(ctx, s, map[int64]string{})
	if *asJSON {
		return env.printJSON(v)
	}
	w := env.stdout
	fmt.Fprintf(w, "Source:   %s\nURL:      %s\nAccount:  @%s\nScheme:   %s\nEnabled:  %t\nCreated:  %s\n",
		v.Name, v.URL, v.Account, v.Scheme, v.Enabled, v.CreatedAt.Local().Format(time.RFC3339))
	if v.Preset != "" {
		fmt.Fprintf(w, "Preset:   %s\n", v.Preset)
	}
	if v.Branch != "" {
		fmt.Fprintf(w, "Branch:   %s\n", v.Branch)
	}
	if len(v.Events) == 0 && v.Template != "" && v.Preset == "" {
		if def := webhook.TemplateEvents(webhook.Scheme(v.Scheme), nil); len(def) > 0 {
			fmt.Fprintf(w, "Events:   %s (the default for a template source; change it with --events)\n", strings.Join(def, ", "))
		}
	} else if len(v.Events) > 0 {
		fmt.Fprintf(w, "Events:   %s\n", strings.Join(v.Events, ", "))
	}
	if v.RotatedAt != nil {
		fmt.Fprintf(w, "Rotated:  %s\n", v.RotatedAt.Local().Format(time.RFC3339))
	}
	if v.PreviousSecretExpiry != nil {
		fmt.Fprintf(w, "Previous secret accepted until %s\n", v.PreviousSecretExpiry.Local().Format(time.RFC3339))
	}
	if v.LastDeliveryAt != nil {
		fmt.Fprintf(w, "Last delivery: %s, answered %d", v.LastDeliveryAt.Local().Format(time.RFC3339), v.LastStatus)
		if v.LastError != "" {
			fmt.Fprintf(w, ": %s", v.LastError)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "Last delivery: never")
	}
	if v.Template != "" {
		fmt.Fprintf(w, "Template:\n%s\n", v.Template)
	}
	return nil
}

func sourcesRotate(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("sources rotate", "spindle sources rotate <name> [--grace 24h] [--json]")
	grace := fs.Duration("grace", 24*time.Hour, "how long the old secret keeps working, so senders can be switched over (0: stop at once)")
	asJSON := fs.Bool("json", false, `print {"name","url","secret","previous_secret_valid_until"} as JSON`)
	name, err := oneName(fs, args, "spindle sources rotate ci --grace 24h")
	if err != nil {
		return err
	}
	if *grace < 0 {
		return usagef("--grace must not be negative")
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	c, err := openSources(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.db.Close()
	rot, err := c.store.Rotate(ctx, name, *grace)
	if err != nil {
		return notFound(name, err)
	}
	if *asJSON {
		out := map[string]any{"name": name, "url": c.url(name), "secret": rot.Secret}
		if !rot.Source.PrevExpiresAt.IsZero() {
			out["previous_secret_valid_until"] = rot.Source.PrevExpiresAt
		}
		return env.printJSON(out)
	}
	fmt.Fprintf(env.stdout, "New secret for %s: %s\n", name, rot.Secret)
	if rot.Source.PrevExpiresAt.IsZero() {
		fmt.Fprintln(env.stdout, "The old secret no longer works. The new one is shown only now.")
	} else {
		fmt.Fprintf(env.stdout, "The old secret keeps working until %s; put the new one in the sender before then. The new one is shown only now.\n",
			rot.Source.PrevExpiresAt.Local().Format(time.RFC3339))
	}
	return nil
}

func sourcesRemove(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("sources remove", "spindle sources remove <name> [--json]")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	c, name, err := namedSource(ctx, env, fs, cf, args, "spindle sources remove ci")
	if err != nil {
		return err
	}
	defer c.db.Close()
	if err := c.store.Remove(ctx, name); err != nil {
		return notFound(name, err)
	}
	if *asJSON {
		return env.printJSON(map[string]any{"name": name, "removed": true})
	}
	fmt.Fprintf(env.stdout, "Source %s removed: %s now answers 404, and callbacks of its queued posts are no longer sent.\n", name, c.url(name))
	return nil
}

func sourcesEnable(ctx context.Context, env *cliEnv, args []string, on bool) error {
	verb := map[bool]string{true: "enable", false: "disable"}[on]
	fs, cf := env.flags("sources "+verb, "spindle sources "+verb+" <name>")
	c, name, err := namedSource(ctx, env, fs, cf, args, "spindle sources "+verb+" ci")
	if err != nil {
		return err
	}
	defer c.db.Close()
	if err := c.store.SetEnabled(ctx, name, on); err != nil {
		return notFound(name, err)
	}
	fmt.Fprintf(env.stdout, "Source %s %sd.\n", name, verb)
	return nil
}
