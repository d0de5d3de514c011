package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// runPostsDelete is `spindle posts delete`: it removes a published post
// from Threads, as chat's delete and DELETE /api/threads/post/{id} do, through the same
// publisher code (its permission check, deletion quota and outcome words), so it works while
// the daemon runs and the post's door is told.
func runPostsDelete(ctx context.Context, env *cliEnv, rest []string) error {
	fs, cf := env.flags("posts delete", postsUsage)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, rest)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return usagef("give the post: a Spindle post id (p7k2m9x) or a Threads media id; usage:\n%s", postsUsage)
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, pub, err := cliPublisher(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.Get(ctx, pos[0])
	if errors.Is(err, storage.ErrNotFound) {
		p, err = db.PostByMediaID(ctx, pos[0])
	}
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("no post %s: give a Spindle post id (spindle post prints it; chat list shows them) or the Threads media id of a post Spindle published", pos[0])
	}
	if err != nil {
		return err
	}
	if err := pub.Delete(ctx, p.ID); err != nil {
		if de, ok := errors.AsType[*publisher.DeleteError](err); ok {
			return errors.New(de.UserMessage())
		}
		return err
	}
	p, err = db.Get(ctx, p.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return env.printJSON(map[string]any{"id": p.ID, "status": p.Status(), "deleted_at": p.DeletedAt.UTC().Format(time.RFC3339)})
	}
	fmt.Fprintf(env.stdout, "%s deleted from Threads (%s)\n", p.ID, p.Permalink)
	return nil
}

// cliPublisher opens the database and builds a publisher that acts from the command line (a
// delete, an insights read) through the same code as the daemon's: its permission checks,
// quotas and outcome words. Without Threads credentials only a sandbox daemon can run (serve
// refuses otherwise), and its simulator, which holds the sandbox's posts and tokens, answers
// under /sandbox/threads on SPINDLE_ADDR.
func cliPublisher(ctx context.Context, cfg config.Config) (*storage.DB, *publisher.Publisher, error) {
	if cfg.Sandbox || cfg.Threads.AppID == "" {
		base, err := daemonURL(cfg.Addr)
		if err != nil {
			return nil, nil, err
		}
		cfg.Threads.APIURL = base + "/sandbox/threads"
	}
	db, svc, err := accountsCLI(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	client := threads.New(threads.Options{BaseURL: cfg.Threads.APIURL, AuthURL: cfg.Threads.AuthURL,
		AppID: cfg.Threads.AppID, AppSecret: cfg.Threads.AppSecret.Reveal(), RedirectURI: cfg.Threads.RedirectURI,
		Scopes: cfg.Threads.DefaultScopes})
	pub := publisher.New(publisher.Options{Store: db, Now: db.Now, API: client, Tokens: svc,
		ParkedErrors: []error{accounts.ErrNeedsReconnect, accounts.ErrNotConnected},
		Limits:       publisher.Limits{Posts: cfg.Quota.Posts, Replies: cfg.Quota.Replies, Deletes: cfg.Quota.Deletes},
		Logger:       slog.New(slog.DiscardHandler)})
	return db, pub, nil
}
