package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

const tokensUsage = `spindle tokens create --account <username> [--name N] [--json]
spindle tokens create --identity <door:user | slack:TEAM:USER> [--account <username>] [--name N] [--json]
spindle tokens list [--identity <door:user>] [--json]
spindle tokens revoke <id> [--json]`

// runTokens is `spindle tokens`: REST API bearer tokens. A token is printed once, at creation;
// Spindle keeps only its hash.
func runTokens(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || isFlag(args[0]) {
		return usagef("usage:\n%s", tokensUsage)
	}
	sub, rest := args[0], args[1:]
	fs, cf := env.flags("tokens "+sub, tokensUsage)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	account := fs.String("account", "", "the Threads account the token posts to (pins the token to it)")
	identity := fs.String("identity", "", "whose token: door:user (telegram:12345, api:ci) or slack:TEAM:USER")
	name := fs.String("name", "", "a label for the token, shown in tokens list")
	pos, err := parse(fs, rest)
	if err != nil {
		return err
	}
	switch {
	case sub == "create" && (len(pos) != 0 || (*account == "" && *identity == "")):
		return usagef("give --account, --identity or both:\n%s", tokensUsage)
	case sub == "list" && len(pos) != 0, sub == "revoke" && len(pos) != 1:
		return usagef("usage:\n%s", tokensUsage)
	case sub != "create" && sub != "list" && sub != "revoke":
		return usagef("unknown tokens command %q; usage:\n%s", sub, tokensUsage)
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
	c := tokensCmd{env: env, db: db, svc: svc, json: *asJSON}
	switch sub {
	case "create":
		return c.create(ctx, *identity, *account, *name)
	case "list":
		return c.list(ctx, *identity)
	default:
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return usagef("token id %q is not a number; spindle tokens list shows the ids", pos[0])
		}
		return c.revoke(ctx, id)
	}
}

type tokensCmd struct {
	env  *cliEnv
	db   *storage.DB
	svc  *accounts.Service
	json bool
}

type tokenJSON struct {
	ID         int64      `json:"id"`
	Prefix     string     `json:"prefix"`
	Identity   string     `json:"identity"`
	Account    string     `json:"account,omitempty"`
	Name       string     `json:"name,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Token      string     `json:"token,omitempty"` // only from create
}

func (c tokensCmd) describe(ctx context.Context, t storage.APIToken) tokenJSON {
	out := tokenJSON{ID: t.ID, Prefix: t.Prefix, Name: t.Name, CreatedAt: t.CreatedAt}
	if id, err := c.svc.IdentityByID(ctx, t.IdentityID); err == nil {
		out.Identity = id.Key()
	}
	if t.AccountID != 0 {
		if a, err := c.db.Account(ctx, t.AccountID); err == nil {
			out.Account = a.Username
		}
	}
	if !t.LastUsedAt.IsZero() {
		out.LastUsedAt = &t.LastUsedAt
	}
	if !t.RevokedAt.IsZero() {
		out.RevokedAt = &t.RevokedAt
	}
	return out
}

func (c tokensCmd) create(ctx context.Context, identity, account, name string) error {
	var (
		id   accounts.Identity
		opts = accounts.TokenOptions{Name: name}
		err  error
	)
	if account != "" {
		a, err := accountByName(ctx, c.db, account)
		if err != nil {
			return err
		}
		opts.AccountID = a.ID
		if identity == "" {
			// The account's owner: the token acts with the owner's rights, on this account only.
			if id, err = c.svc.Owner(ctx, a.ID); err != nil {
				return fmt.Errorf("@%s has no owner to make the token for; name one with --identity: %w", a.Username, err)
			}
		}
	}
	if identity != "" {
		key, err := accounts.ParseIdentityKey(identity)
		if err != nil {
			return usagef("%v", err)
		}
		if id, err = c.svc.Identify(ctx, key); err != nil {
			return err
		}
	}
	plain, t, err := c.svc.CreateAPITokenWith(ctx, id, opts)
	if errors.Is(err, accounts.ErrForbidden) {
		return fmt.Errorf("%s may not post to %s, so it cannot have a token for it; the owner grants access first: %w", id.Key(), account, err)
	}
	if err != nil {
		return err
	}
	out := c.describe(ctx, t)
	out.Token = plain
	if c.json {
		return c.env.printJSON(out)
	}
	fmt.Fprintf(c.env.stdout, "%s\n\nAPI token %d for %s", plain, t.ID, out.Identity)
	if out.Account != "" {
		fmt.Fprintf(c.env.stdout, " on @%s", out.Account)
	}
	fmt.Fprintln(c.env.stdout, ". It is shown only this once: store it now.\nUse it as: Authorization: Bearer <token>")
	return nil
}

func (c tokensCmd) list(ctx context.Context, identity string) error {
	var id accounts.Identity
	if identity != "" {
		key, err := accounts.ParseIdentityKey(identity)
		if err != nil {
			return usagef("%v", err)
		}
		if id, err = c.svc.LookupIdentity(ctx, key); err != nil {
			return err
		}
	}
	ts, err := c.svc.APITokens(ctx, id)
	if err != nil {
		return err
	}
	all := []tokenJSON{}
	for _, t := range ts {
		all = append(all, c.describe(ctx, t))
	}
	if c.json {
		return c.env.printJSON(all)
	}
	if len(all) == 0 {
		fmt.Fprintln(c.env.stdout, "No API tokens yet: spindle tokens create --account <username>")
		return nil
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tIDENTITY\tACCOUNT\tNAME\tCREATED\tLAST USED\tSTATE")
	for _, t := range all {
		used, state := "-", "valid"
		if t.LastUsedAt != nil {
			used = t.LastUsedAt.UTC().Format(time.DateTime)
		}
		if t.RevokedAt != nil {
			state = "revoked"
		}
		acct := "-"
		if t.Account != "" {
			acct = "@" + t.Account
		}
		fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, t.Identity, acct, dash(t.Name),
			t.CreatedAt.UTC().Format(time.DateOnly), used, state)
	}
	return tw.Flush()
}

func (c tokensCmd) revoke(ctx context.Context, id int64) error {
	if err := c.svc.RevokeAPIToken(ctx, accounts.Identity{}, id); err != nil {
		return err
	}
	t, err := c.db.APITokenByID(ctx, id)
	if err != nil {
		return err
	}
	if c.json {
		return c.env.printJSON(c.describe(ctx, t))
	}
	fmt.Fprintf(c.env.stdout, "Revoked API token %d (%s…); requests with it now get 401.\n", id, t.Prefix)
	return nil
}
