package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/storage"
)

const eventsUsage = `spindle events add <url> [--events post.published,post.failed,...] [--account <username>] [--json]
       spindle events list [--json]
       spindle events deliveries <subscription id> [--json]
       spindle events rotate <subscription id> [--json]
       spindle events redeliver <delivery id>
       spindle events remove <subscription id>`

// runEvents is `spindle events`: the receivers Spindle sends signed event webhooks to. It
// works beside the running daemon, which picks new deliveries up within seconds.
func runEvents(ctx context.Context, env *cliEnv, args []string) error {
	verb, rest, err := subcommand(env, args, "event webhooks", eventsUsage)
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		return eventsAdd(ctx, env, rest)
	case "list", "ls":
		return eventsList(ctx, env, rest)
	case "deliveries":
		return eventsDeliveries(ctx, env, rest)
	case "rotate":
		return eventsRotate(ctx, env, rest)
	case "redeliver":
		return eventsRedeliver(ctx, env, rest)
	case "remove", "rm":
		return eventsRemove(ctx, env, rest)
	}
	return usagef("unknown events command %q:\n%s", verb, eventsUsage)
}

// eventsCmd is what every events subcommand opens.
type eventsCmd struct {
	db   *storage.DB
	subs events.Subscriptions
}

func openEvents(ctx context.Context, env *cliEnv, cf *config.Flags) (*eventsCmd, error) {
	cfg, err := env.load(cf)
	if err != nil {
		return nil, err
	}
	// Secrets are sealed under the daemon's key: SPINDLE_SECRET_KEY or the data dir's.
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
	return &eventsCmd{db: db, subs: events.Subscriptions{Store: db, Sealer: keys, Now: db.Now}}, nil
}

// oneID parses a subcommand that takes exactly one id.
func oneID(fs *flag.FlagSet, args []string, example string) (int64, error) {
	rest, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) != 1 {
		return 0, usagef("give one id: %s", example)
	}
	id, err := events.ParseID(rest[0])
	if err != nil {
		return 0, usagef("%v", err)
	}
	return id, nil
}

func noSubscription(id int64, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("no event subscription %d; `spindle events list` shows them", id)
	}
	return err
}

func eventsAdd(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("events add", "spindle events add <url> [flags]")
	names := fs.String("events", "", "comma-separated events to send (default: all): "+strings.Join(events.Names, ", "))
	account := fs.String("account", "", "send only this Threads account's events (default: every account)")
	asJSON := fs.Bool("json", false, `print {"id","url","secret"} as JSON`)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("give one receiver URL: spindle events add https://example.com/spindle-events")
	}
	spec := events.Spec{URL: rest[0], Events: splitList(*names)}
	if err := spec.Check(); err != nil { // before touching the database or the key file
		return usagef("%v", err)
	}
	c, err := openEvents(ctx, env, cf)
	if err != nil {
		return err
	}
	defer c.db.Close()
	if *account != "" {
		acct, err := c.db.AccountByUsername(ctx, *account)
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no linked Threads account @%s; `spindle accounts list` shows the linked ones", strings.TrimPrefix(*account, "@"))
		} else if err != nil {
			return err
		}
		spec.AccountID = acct.ID
	}
	sub, secret, err := c.subs.Add(ctx, spec)
	if err != nil {
		return err
	}
	if *asJSON {
		return env.printJSON(map[string]any{"id": sub.ID, "url": sub.URL, "secret": secret})
	}
	fmt.Fprintf(env.stdout, "Event subscription %d added.\n\n  URL:    %s\n  Secret: %s\n\n", sub.ID, sub.URL, secret)
	fmt.Fprintf(env.stdout, "The secret is shown only now: verify the webhook-signature header with it (Standard Webhooks).\n`spindle events rotate %d` makes a new one.\n", sub.ID)
	return nil
}

// subscriptionView is a subscription as `list` prints it: never its secret.
type subscriptionView struct {
	ID         int64      `json:"id"`
	URL        string     `json:"url"`
	Events     []string   `json:"events,omitempty"`
	AccountID  int64      `json:"account_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	Pending    int        `json:"pending"`
	Failed     int        `json:"failed"`
	LastState  string     `json:"last_state,omitempty"`
	LastStatus int        `json:"last_status,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	LastAt     *time.Time `json:"last_at,omitempty"`
}

func eventsList(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("events list", "spindle events list [--json]")
	asJSON := fs.Bool("json", false, "print the subscriptions as JSON")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("events list takes no arguments, got %q", rest[0])
	}
	c, err := openEvents(ctx, env, cf)
	if err != nil {
		return err
	}
	defer c.db.Close()
	subs, err := c.db.EventSubscriptions(ctx)
	if err != nil {
		return err
	}
	views := make([]subscriptionView, 0, len(subs))
	for _, s := range subs {
		v := subscriptionView{ID: s.ID, URL: s.URL, Events: s.Events, AccountID: s.AccountID, CreatedAt: s.CreatedAt,
			Pending: s.Pending, Failed: s.Failed, LastState: s.LastState, LastStatus: s.LastStatus, LastError: s.LastError}
		if !s.LastAt.IsZero() {
			at := s.LastAt
			v.LastAt = &at
		}
		views = append(views, v)
	}
	if *asJSON {
		return env.printJSON(views)
	}
	if len(views) == 0 {
		fmt.Fprintln(env.stdout, "No event subscriptions. `spindle events add <url>` adds one.")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tEVENTS\tPENDING\tFAILED\tLAST")
	for _, v := range views {
		evs := "all"
		if len(v.Events) > 0 {
			evs = strings.Join(v.Events, ",")
		}
		last := "never"
		if v.LastAt != nil {
			last = fmt.Sprintf("%s %d at %s", v.LastState, v.LastStatus, v.LastAt.Format(time.RFC3339))
			if v.LastError != "" {
				last += ": " + v.LastError
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", v.ID, v.URL, evs, v.Pending, v.Failed, last)
	}
	return tw.Flush()
}

func eventsDeliveries(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("events deliveries", "spindle events deliveries <subscription id> [--json]")
	asJSON := fs.Bool("json", false, "print the deliveries as JSON")
	limit := fs.Int("limit", 20, "how many of the latest deliveries to show")
	id, err := oneID(fs, args, "spindle events deliveries 1")
	if err != nil {
		return err
	}
	c, err := openEvents(ctx, env, cf)
	if err != nil {
		return err
	}
	defer c.db.Close()
	if _, err := c.db.EventSubscription(ctx, id); err != nil {
		return noSubscription(id, err)
	}
	ds, err := c.db.EventDeliveries(ctx, id, max(*limit, 1))
	if err != nil {
		return err
	}
	type view struct {
		ID         int64     `json:"id"`
		MessageID  string    `json:"webhook_id"`
		Type       string    `json:"type"`
		State      string    `json:"state"`
		Attempts   int       `json:"attempts"`
		LastStatus int       `json:"last_status,omitempty"`
		LastError  string    `json:"last_error,omitempty"`
		CreatedAt  time.Time `json:"created_at"`
	}
	views := make([]view, 0, len(ds))
	for _, d := range ds {
		views = append(views, view{d.ID, events.MessageID(d.ID), d.Kind, d.State, d.Attempts, d.LastStatus, d.LastError, d.CreatedAt})
	}
	if *asJSON {
		return env.printJSON(views)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATE\tATTEMPTS\tLAST")
	for _, v := range views {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d %s\n", v.ID, v.Type, v.State, v.Attempts, v.LastStatus, v.LastError)
	}
	return tw.Flush()
}

func eventsRotate(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("events rotate", "spindle events rotate <subscription id> [--grace 24h] [--json]")
	grace := fs.Duration("grace", 24*time.Hour, "how long the old secret also signs, so the receiver can be switched over (0: stop at once)")
	asJSON := fs.Bool("json", false, `print {"id","secret"} as JSON`)
	id, err := oneID(fs, args, "spindle events rotate 1")
	if err != nil {
		return err
	}
	c, err := openEvents(ctx, env, cf)
	if err != nil {
		return err
	}
	defer c.db.Close()
	secret, err := c.subs.Rotate(ctx, id, max(*grace, 0))
	if err != nil {
		return noSubscription(id, err)
	}
	if *asJSON {
		return env.printJSON(map[string]any{"id": id, "secret": secret})
	}
	fmt.Fprintf(env.stdout, "New secret for event subscription %d:\n\n  %s\n\n", id, secret)
	if *grace > 0 {
		fmt.Fprintf(env.stdout, "Deliveries carry a signature with the old secret too for %s (webhook-signature holds both); switch the receiver over before then.\n", *grace)
	} else {
		fmt.Fprintln(env.stdout, "The old secret stopped signing now.")
	}
	return nil
}

func eventsRedeliver(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("events redeliver", "spindle events redeliver <delivery id>")
	id, err := oneID(fs, args, "spindle events redeliver 42")
	if err != nil {
		return err
	}
	c, err := openEvents(ctx, env, cf)
	if err != nil {
		return err
	}
	defer c.db.Close()
	if err := c.db.RedeliverEvent(ctx, id); errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("no event delivery %d; `spindle events deliveries <subscription id>` shows them", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Delivery %d will be sent again within seconds, with the same webhook-id (%s).\n", id, events.MessageID(id))
	return nil
}

func eventsRemove(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("events remove", "spindle events remove <subscription id>")
	id, err := oneID(fs, args, "spindle events remove 1")
	if err != nil {
		return err
	}
	c, err := openEvents(ctx, env, cf)
	if err != nil {
		return err
	}
	defer c.db.Close()
	if err := c.db.DeleteEventSubscription(ctx, id); err != nil {
		return noSubscription(id, err)
	}
	fmt.Fprintf(env.stdout, "Event subscription %d removed; its pending deliveries are dropped.\n", id)
	return nil
}
