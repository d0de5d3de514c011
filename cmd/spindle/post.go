package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// runPost is `spindle post <text> --account <username>`: it commits the post to the queue the
// daemon drains, so it works while the daemon runs.
func runPost(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("post", "spindle post <text> --account <username> [--at <when> | --next-slot] [--thread|--long] [--reply-to <post>] [--quote <post>] [--poll \"A|B\"] [--replies <who>] [--ghost] [--topic <tag>] [--json]")
	account := fs.String("account", "", "Threads username to post as (required)")
	at := fs.String("at", "", "when to publish: RFC 3339, \"in 2h\", \"tomorrow 09:00\" (default: now)")
	thread := fs.Bool("thread", false, "split text over 500 characters into a reply chain")
	nextSlot := fs.Bool("next-slot", false, "publish in the account's next free posting slot (see spindle slots)")
	replyTo := fs.String("reply-to", "", "publish as a reply to this post: a Spindle post id or a Threads media id")
	quote := fs.String("quote", "", "publish quoting this post: a Spindle post id or a Threads media id")
	key := fs.String("idempotency-key", "", "repeat-safe key: the same key returns the same post")
	sh := shapeFlags(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	text := strings.Join(rest, " ")
	if strings.TrimSpace(text) == "" || *account == "" {
		return usagef("give the text and the account: spindle post \"Hello\" --account yourname")
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	acct, err := accountByName(ctx, db, *account)
	if err != nil {
		return err
	}
	if *nextSlot && *at != "" {
		return usagef("give --at or --next-slot, not both")
	}
	req := ingest.Request{Origin: ingest.Origin{Door: ingest.DoorCLI}, AccountID: acct.ID, Text: text,
		Thread: *thread, IdempotencyKey: *key, BySlot: *nextSlot}
	if err := sh.apply(ctx, db, &req); err != nil {
		return err
	}
	if req.ReplyToID, err = postTarget(ctx, db, "--reply-to", *replyTo); err != nil {
		return err
	}
	if req.QuoteID, err = postTarget(ctx, db, "--quote", *quote); err != nil {
		return err
	}
	if *at != "" {
		if req.ScheduledAt, err = parseAt(*at, db.Now(), cfg.Timezone); err != nil {
			return err
		}
	}
	acc, err := ingest.NewService(ingest.Options{Queue: db, Now: db.Now, PostsPerDay: cfg.Quota.Posts}).Enqueue(ctx, req)
	if errors.Is(err, storage.ErrNoSlots) {
		return fmt.Errorf("@%s has no posting slots, so nothing was queued; set them with: spindle slots set mon-fri 09:00,12:30,17:00 --account %s", acct.Username, acct.Username)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return env.printJSON(map[string]any{"id": acc.Post.ID, "status": acc.Post.State,
			"scheduled_at": acc.Post.ScheduledAt, "existed": acc.Existed})
	}
	verb := "queued"
	if acc.Existed {
		verb = "already queued (same idempotency key)"
	}
	fmt.Fprintf(env.stdout, "%s %s for @%s at %s\n", acc.Post.ID, verb, acct.Username, bot.FormatWhen(acc.Post.ScheduledAt, cfg.Timezone))
	return nil
}

// parseAt reads a command's --at (RFC 3339, "in 2h", "tomorrow 09:00") against now, which is
// the database's clock (storage.DB.Now), as the daemon reads a time typed in chat.
func parseAt(at string, now time.Time, zone *time.Location) (time.Time, error) {
	when, left, err := bot.ParseWhen(at, now, zone)
	if err != nil {
		return time.Time{}, usagef("--at: %v", err)
	}
	if strings.TrimSpace(left) != "" {
		return time.Time{}, usagef("--at: could not read %q as part of a time", left)
	}
	return when, nil
}

// postTarget resolves --reply-to or --quote to a Threads media id: a Spindle post id names a
// published, undeleted post; other digits are a media id already.
func postTarget(ctx context.Context, db *storage.DB, flag, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	p, err := db.Get(ctx, v)
	switch {
	case errors.Is(err, storage.ErrNotFound) && strings.Trim(v, "0123456789") == "" && len(v) <= ingest.MaxMediaIDLen:
		return v, nil
	case errors.Is(err, storage.ErrNotFound):
		return "", usagef("%s %s: no such Spindle post, and not a Threads media id (digits)", flag, v)
	case err != nil:
		return "", err
	}
	id, err := p.Target()
	if err != nil {
		return "", usagef("%s: %v", flag, err)
	}
	return id, nil
}
