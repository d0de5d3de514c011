package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
)

// runPostsEdit is `spindle posts edit`: a new text, time or media for a queued post, checked
// again by the preflight; refused once the publisher has taken it.
func runPostsEdit(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("posts edit", postsUsage)
	text := fs.String("text", "", "the new text")
	at := fs.String("at", "", "the new time: RFC 3339, \"in 2h\", \"tomorrow 09:00\"")
	mediaURL := fs.String("media-url", "", "the new image or video URL (\"none\" removes the media)")
	mediaType := fs.String("media-type", "", "IMAGE or VIDEO (default IMAGE)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("give one post id: spindle posts edit p7k2m9 --text \"New words\"")
	}
	var e ingest.Edit
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["text"] {
		e.Text = text
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	if set["media-url"] {
		media := []ingest.Media{}
		if *mediaURL != "" && *mediaURL != "none" {
			kind := ingest.MediaImage
			switch strings.ToUpper(*mediaType) {
			case "VIDEO":
				kind = ingest.MediaVideo
			case "", "IMAGE":
			default:
				return usagef("--media-type must be IMAGE or VIDEO")
			}
			media = append(media, ingest.Media{Kind: kind, URL: *mediaURL})
		}
		e.Media = &media
	}
	if e.Text == nil && e.Media == nil && *at == "" {
		return usagef("say what to change with --text, --at or --media-url")
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if *at != "" { // by the database's clock, as the daemon reads a time typed in chat
		if e.ScheduledAt, err = parseAt(*at, db.Now(), cfg.Timezone); err != nil {
			return err
		}
	}
	p, err := db.Get(ctx, rest[0])
	if err != nil {
		return err
	}
	out, err := ingest.NewService(ingest.Options{Queue: db, Now: db.Now, ApprovalTTL: cfg.ApprovalTTL,
		ApprovalNotice: publisher.PendingApprovalEvent}).Edit(ctx, p, e)
	if err != nil {
		return err
	}
	if *asJSON {
		return env.printJSON(map[string]any{"id": out.ID, "status": out.State, "text": out.Text,
			"scheduled_at": out.ScheduledAt})
	}
	fmt.Fprintf(env.stdout, "%s edited; it goes out at %s\n", out.ID, bot.FormatWhen(out.NextAttemptAt, cfg.Timezone))
	return nil
}
