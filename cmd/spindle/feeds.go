package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/storage"
)

const feedsUsage = `spindle feeds add <url> --account <username> [--template T] [--backfill N] [--interval 15m]
       [--cap N] [--include k1,k2] [--exclude k1,k2] [--images] [--json]
spindle feeds list [--account <username>] [--json]
spindle feeds remove|pause|resume <id> [--json]`

// runFeeds is `spindle feeds`: watch, list, pause, resume and remove feeds. It works on the
// database directly, so it works while the daemon runs; the daemon picks the changes up at its
// next poll round.
func runFeeds(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || isFlag(args[0]) {
		return usagef("usage:\n%s", feedsUsage)
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "add":
		return runFeedsAdd(ctx, env, rest)
	case "list":
		return runFeedsList(ctx, env, rest)
	case "remove", "pause", "resume":
		return runFeedsChange(ctx, env, sub, rest)
	default:
		return usagef("unknown feeds command %q; usage:\n%s", sub, feedsUsage)
	}
}

// newFeedManager builds the feed manager the daemon and the command line share; obs (nil on
// the command line) counts its polls.
func newFeedManager(cfg config.Config, db *storage.DB, svc *ingest.Service, notices rss.Notices, obs rss.Observer, log *slog.Logger) *rss.Manager {
	return rss.NewManager(rss.ManagerOptions{
		Store:           db,
		Now:             db.Now,
		Fetcher:         rss.NewFetcher(rss.FetcherOptions{Version: version, AllowPrivate: cfg.AllowPrivateURLs}),
		Enqueuer:        rss.ServiceEnqueuer{Service: svc},
		Notices:         notices,
		Observer:        obs,
		Logger:          log,
		DefaultInterval: cfg.FeedInterval,
		MinInterval:     cfg.MinFeedInterval(),
	})
}

// feedsCLI opens what every feeds subcommand needs.
func feedsCLI(ctx context.Context, cfg config.Config) (*storage.DB, *rss.Manager, error) {
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	quiet := slog.New(slog.DiscardHandler) // the command's output says what happened
	svc := ingest.NewService(ingest.Options{Queue: db, Logger: quiet})
	return db, newFeedManager(cfg, db, svc, nil, nil, quiet), nil
}

func accountByName(ctx context.Context, db *storage.DB, name string) (storage.Account, error) {
	a, err := db.AccountByUsername(ctx, strings.TrimPrefix(name, "@"))
	if errors.Is(err, storage.ErrNotFound) {
		return a, fmt.Errorf("no linked Threads account @%s; `spindle accounts list` shows the linked ones", strings.TrimPrefix(name, "@"))
	}
	return a, err
}

func splitTerms(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func runFeedsAdd(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("feeds add", "spindle feeds add <url> --account <username> [flags]")
	account := fs.String("account", "", "Threads username that posts the feed's items (required)")
	template := fs.String("template", "", `post template, e.g. "{{.Title}}\n\n{{.Link}}" (fields: Title, Link, Summary, Author, FeedTitle, Published)`)
	backfill := fs.Int("backfill", 0, "post the newest N existing items instead of skipping them all")
	interval := fs.Duration("interval", 0, "polling interval (default SPINDLE_FEED_INTERVAL; never below 1m)")
	dailyCap := fs.Int("cap", rss.DefaultDailyCap, "most posts per day; more new items are skipped")
	include := fs.String("include", "", "post only items matching one of these comma-separated keywords or /regexps/")
	exclude := fs.String("exclude", "", "never post items matching one of these comma-separated keywords or /regexps/")
	images := fs.Bool("images", false, "attach each item's first image")
	long := fs.Bool("long", false, "post items over 500 characters as one post with a text attachment (the full summary, the link attached) instead of cutting them")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *account == "" {
		return usagef("give one feed URL and the account: spindle feeds add https://example.com/feed.xml --account yourname")
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, m, err := feedsCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	acct, err := accountByName(ctx, db, *account)
	if err != nil {
		return err
	}
	res, err := m.Add(ctx, rss.AddRequest{AccountID: acct.ID, URL: rest[0], Template: unescapeTemplate(*template),
		Backfill: *backfill, Interval: *interval, DailyCap: *dailyCap, Include: splitTerms(*include),
		Exclude: splitTerms(*exclude), Images: *images, LongText: longText(*long)})
	if err != nil {
		return err
	}
	if *asJSON {
		posted := []string{}
		for _, p := range res.Posted {
			posted = append(posted, p.PostID)
		}
		return env.printJSON(map[string]any{"id": res.Feed.ID, "title": res.Feed.Title, "url": res.Feed.URL,
			"account": acct.Username, "skipped": res.Skipped, "posts": posted, "message": res.Message})
	}
	fmt.Fprintf(env.stdout, "Feed %d: %s\n", res.Feed.ID, res.Message)
	return nil
}

// unescapeTemplate turns the two-character "\n" typed in a shell into a newline.
func unescapeTemplate(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }

type feedJSON struct {
	rss.FeedInfo
	Account string `json:"account"`
}

func runFeedsList(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("feeds list", "spindle feeds list [--account <username>] [--json]")
	account := fs.String("account", "", "only this account's feeds")
	asJSON := fs.Bool("json", false, "print the feeds as JSON")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("feeds list takes no arguments, got %q", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, m, err := feedsCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	scope := rss.AllAccounts()
	if *account != "" {
		acct, err := accountByName(ctx, db, *account)
		if err != nil {
			return err
		}
		scope = rss.Accounts(acct.ID)
	}
	feeds, err := m.List(ctx, scope)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	if accts, err := db.Accounts(ctx); err == nil {
		for _, a := range accts {
			names[a.ID] = a.Username
		}
	}
	if *asJSON {
		out := make([]feedJSON, 0, len(feeds))
		for _, f := range feeds {
			out = append(out, feedJSON{FeedInfo: f, Account: names[f.AccountID]})
		}
		return env.printJSON(out)
	}
	if len(feeds) == 0 {
		fmt.Fprintln(env.stdout, "No feeds. Add one with: spindle feeds add <url> --account <username>")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tSTATUS\tEVERY\tCAP\tFEED")
	for _, f := range feeds {
		status := "active"
		switch {
		case !f.Enabled:
			status = "paused: " + f.PausedReason
		case f.Failures > 0:
			status = fmt.Sprintf("failing (%d): %s", f.Failures, f.LastError)
		}
		fmt.Fprintf(tw, "%d\t@%s\t%s\t%s\t%d\t%s\n", f.ID, names[f.AccountID], oneLine(status, 60),
			strings.TrimPrefix(f.Every(), "every "), f.DailyCap, feedLabel(f))
	}
	return tw.Flush()
}

func feedLabel(f rss.FeedInfo) string {
	if f.Title == "" {
		return f.URL
	}
	return oneLine(f.Title, 40) + " <" + f.URL + ">"
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func runFeedsChange(ctx context.Context, env *cliEnv, verb string, args []string) error {
	fs, cf := env.flags("feeds "+verb, "spindle feeds "+verb+" <id> [--json]")
	asJSON := fs.Bool("json", false, "print the feed as JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("give the feed's id: spindle feeds %s 3 (spindle feeds list shows the ids)", verb)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(rest[0], "#"), 10, 64)
	if err != nil || id <= 0 {
		return usagef("%q is not a feed id; spindle feeds list shows the ids", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, m, err := feedsCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	var f rss.FeedInfo
	var done string
	switch verb {
	case "remove":
		f, err = m.Remove(ctx, rss.AllAccounts(), id)
		done = "no longer watched; its queued posts stay queued"
	case "pause":
		f, err = m.Pause(ctx, rss.AllAccounts(), id, "paused from the command line")
		done = "paused"
	case "resume":
		f, err = m.Resume(ctx, rss.AllAccounts(), id)
		done = "resumed; it is polled at the next round"
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return env.printJSON(f)
	}
	fmt.Fprintf(env.stdout, "Feed %d (%s) %s.\n", f.ID, f.Name(), done)
	return nil
}

// feedRoundEvery is how often the daemon looks for due feeds.
const feedRoundEvery = 30 * time.Second

// longText is the feed's long-text choice from --long: attach, or the account's ("").
func longText(long bool) string {
	if long {
		return storage.LongTextAttach
	}
	return storage.LongTextDefault
}
