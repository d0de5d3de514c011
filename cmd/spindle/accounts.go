package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

const accountsUsage = `spindle accounts list [--json]
spindle accounts show <username> [--json]
spindle accounts disconnect <username> [--json]`

// runAccounts is `spindle accounts`: the operator's view of linked Threads accounts. It works
// on the database directly, so it works while the daemon runs.
func runAccounts(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || isFlag(args[0]) {
		return usagef("usage:\n%s", accountsUsage)
	}
	sub, rest := args[0], args[1:]
	fs, cf := env.flags("accounts "+sub, accountsUsage)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, rest)
	if err != nil {
		return err
	}
	want := map[string]int{"list": 0, "show": 1, "disconnect": 1}
	n, ok := want[sub]
	if !ok {
		return usagef("unknown accounts command %q; usage:\n%s", sub, accountsUsage)
	}
	if len(pos) != n {
		return usagef("usage:\n%s", accountsUsage)
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, svc, err := accountsCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	c := accountsCmd{env: env, db: db, svc: svc, json: *asJSON}
	switch sub {
	case "list":
		return c.list(ctx)
	case "show":
		return c.show(ctx, pos[0])
	default:
		return c.disconnect(ctx, pos[0])
	}
}

// accountsCLI opens the database and an accounts service under the daemon's secret key.
func accountsCLI(ctx context.Context, cfg config.Config) (*storage.DB, *accounts.Service, error) {
	if err := cfg.EnsureSecretKey(); err != nil {
		return nil, nil, err
	}
	keys, err := accounts.NewKeys(cfg.SecretKeyBytes())
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	client := threads.New(threads.Options{BaseURL: cfg.Threads.APIURL, AuthURL: cfg.Threads.AuthURL,
		AppID: cfg.Threads.AppID, AppSecret: cfg.Threads.AppSecret.Reveal(), RedirectURI: cfg.Threads.RedirectURI,
		Scopes: cfg.Threads.DefaultScopes})
	svc := accounts.New(accounts.Options{DB: db, Now: db.Now, Threads: client, Keys: keys, PublicURL: cfg.PublicURL,
		Logger: slog.New(slog.DiscardHandler)})
	return db, svc, nil
}

type accountsCmd struct {
	env  *cliEnv
	db   *storage.DB
	svc  *accounts.Service
	json bool
}

// accountJSON is one account in --json output. It never carries the token.
type accountJSON struct {
	ID             int64     `json:"id"`
	Username       string    `json:"username"`
	ThreadsUserID  string    `json:"threads_user_id"`
	Status         string    `json:"status"`
	Owner          string    `json:"owner,omitempty"`
	Grants         []string  `json:"grants"`
	TokenExpiresAt time.Time `json:"token_expires_at"`
	QueuedPosts    int       `json:"queued_posts"`
	CreatedAt      time.Time `json:"created_at"`
}

func (c accountsCmd) describe(ctx context.Context, a storage.Account) (accountJSON, error) {
	out := accountJSON{ID: a.ID, Username: a.Username, ThreadsUserID: a.ThreadsUserID, Status: string(a.Status),
		Grants: []string{}, TokenExpiresAt: a.TokenExpiresAt, CreatedAt: a.CreatedAt}
	if o, err := c.svc.Owner(ctx, a.ID); err == nil {
		out.Owner = o.Key()
	} else if !errors.Is(err, storage.ErrNotFound) {
		return out, err
	}
	gs, err := c.svc.Grants(ctx, a.ID)
	if err != nil {
		return out, err
	}
	for _, g := range gs {
		out.Grants = append(out.Grants, g.Key())
	}
	q, err := c.db.List(ctx, storage.ListFilter{AccountID: a.ID, States: []storage.State{storage.StateQueued}, Limit: 1000})
	if err != nil {
		return out, err
	}
	out.QueuedPosts = len(q)
	return out, nil
}

func (c accountsCmd) list(ctx context.Context) error {
	as, err := c.db.Accounts(ctx)
	if err != nil {
		return err
	}
	all := []accountJSON{}
	for _, a := range as {
		d, err := c.describe(ctx, a)
		if err != nil {
			return err
		}
		all = append(all, d)
	}
	if c.json {
		return c.env.printJSON(all)
	}
	if len(all) == 0 {
		fmt.Fprintln(c.env.stdout, "No Threads accounts are linked yet: send connect to the bot in Slack or Telegram.")
		return nil
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tSTATUS\tOWNER\tGRANTS\tQUEUED\tTOKEN EXPIRES")
	for _, a := range all {
		fmt.Fprintf(tw, "%d\t@%s\t%s\t%s\t%d\t%d\t%s\n", a.ID, a.Username, a.Status, dash(a.Owner), len(a.Grants),
			a.QueuedPosts, expiry(a))
	}
	return tw.Flush()
}

func (c accountsCmd) show(ctx context.Context, name string) error {
	a, err := accountByName(ctx, c.db, name)
	if err != nil {
		return err
	}
	d, err := c.describe(ctx, a)
	if err != nil {
		return err
	}
	if c.json {
		return c.env.printJSON(d)
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Account:\t@%s (id %d, Threads user %s)\n", d.Username, d.ID, d.ThreadsUserID)
	fmt.Fprintf(tw, "Status:\t%s\n", d.Status)
	fmt.Fprintf(tw, "Owner:\t%s\n", dash(d.Owner))
	fmt.Fprintf(tw, "Granted to:\t%s\n", dash(strings.Join(d.Grants, ", ")))
	fmt.Fprintf(tw, "Queued posts:\t%d\n", d.QueuedPosts)
	fmt.Fprintf(tw, "Token expires:\t%s\n", expiry(d))
	fmt.Fprintf(tw, "Linked:\t%s\n", d.CreatedAt.Format(time.RFC3339))
	return tw.Flush()
}

func (c accountsCmd) disconnect(ctx context.Context, name string) error {
	a, err := accountByName(ctx, c.db, name)
	if err != nil {
		return err
	}
	a, err = c.svc.DisconnectAccount(ctx, a.ID, "the operator")
	if err != nil {
		return err
	}
	d, err := c.describe(ctx, a)
	if err != nil {
		return err
	}
	if c.json {
		return c.env.printJSON(d)
	}
	fmt.Fprintf(c.env.stdout, "Disconnected @%s and deleted its access token. %d queued post(s) are held until it is connected again.\n",
		a.Username, d.QueuedPosts)
	if d.Owner != "" {
		fmt.Fprintf(c.env.stdout, "The command line cannot reach chat: tell its owner (%s) yourself.\n", d.Owner)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func expiry(a accountJSON) string {
	if a.Status == string(storage.AccountDisconnected) || a.TokenExpiresAt.IsZero() {
		return "-"
	}
	return a.TokenExpiresAt.UTC().Format(time.DateOnly)
}
