package main

import (
	"context"
	"flag"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// postShapes are the post-shape flags of `spindle post`.
type postShapes struct {
	poll, replies, topic, location *string
	long, ghost, spoilerMedia      *bool
}

func shapeFlags(fs *flag.FlagSet) postShapes {
	return postShapes{
		poll:         fs.String("poll", "", `a poll of 2 to 4 options of up to 25 characters: "Yes | No | Maybe"`),
		replies:      fs.String("replies", "", "who may reply: "+ingest.ReplyWords),
		topic:        fs.String("topic", "", "the post's topic tag (1 to 50 characters, no . or &)"),
		location:     fs.String("location", "", "a Threads location id (needs the threads_location_tagging permission)"),
		long:         fs.Bool("long", false, "send text over 500 characters as one post with a text attachment, not a chain"),
		ghost:        fs.Bool("ghost", false, "a ghost post: archived after 24 hours (text only, never a reply)"),
		spoilerMedia: fs.Bool("spoiler-media", false, "hide the image or video behind a spoiler"),
	}
}

// longTexts is the store of per-account long-text choices.
type longTexts interface {
	AccountLongText(ctx context.Context, accountID int64) (string, error)
}

// apply puts the flags on r; ||spoiler|| markup in the text becomes text spoilers. Without
// --long or --thread, the account's long-text choice (set in chat with `longtext`) decides.
func (s postShapes) apply(ctx context.Context, db longTexts, r *ingest.Request) error {
	in := ingest.Shapes{ReplyControl: *s.replies, TopicTag: *s.topic, LocationID: *s.location,
		Ghost: *s.ghost, SpoilerMedia: *s.spoilerMedia}
	if *s.poll != "" {
		in.Poll = ingest.ParsePoll(*s.poll)
	}
	if err := in.Apply(r); err != nil {
		return usagef("--replies: %v", err)
	}
	stored, err := db.AccountLongText(ctx, r.AccountID)
	if err != nil {
		return err
	}
	r.Long, r.Thread = ingest.LongText(*s.long, r.Thread, stored, false)
	return nil
}

var _ longTexts = (*storage.DB)(nil)
