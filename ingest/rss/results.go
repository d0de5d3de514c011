package rss

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// PostEvent is what became of one of a feed's posts, as the publisher reports it for door
// "feed". cmd/spindle converts the publisher's events to it, so that this package does not
// depend on the publisher.
type PostEvent struct {
	Kind      string // "posted", "failed", "delayed", "waiting_reconnect", "deleted"
	PostID    string
	OriginRef json.RawMessage // the post's Origin.Ref: an OriginRef
	Permalink string
	Reason    string
	Until     time.Time
}

// PostNotice tells a feed's chat what became of one of its posts. A feed without a chat
// (added from the command line), or removed since, is told nothing. The error is the chat's:
// the publisher's outbox retries it.
func (m *Manager) PostNotice(ctx context.Context, e PostEvent) error {
	o, err := DecodeOriginRef(e.OriginRef)
	if err != nil {
		m.log.WarnContext(ctx, "feed post with an unreadable origin", slog.String("post_id", e.PostID), slog.Any("error", err))
		return nil
	}
	if o.Door == "" || m.notices == nil {
		m.log.InfoContext(ctx, "feed post result", slog.String("post_id", e.PostID), slog.Int64("feed_id", o.FeedID),
			slog.String("kind", e.Kind), slog.String("permalink", e.Permalink), slog.String("reason", e.Reason))
		return nil
	}
	name := fmt.Sprintf("feed %d", o.FeedID)
	if f, err := m.store.Feed(ctx, o.FeedID); err == nil && f.Title != "" {
		name = fmt.Sprintf("feed %d (%s)", o.FeedID, f.Title)
	}
	var text string
	switch e.Kind {
	case "posted":
		text = fmt.Sprintf("Posted from %s: %s", name, e.Permalink)
	case "failed":
		text = fmt.Sprintf("A post from %s failed: %s", name, e.Reason)
	case "delayed":
		text = fmt.Sprintf("A post from %s waits for the account's daily quota; it will go out after %s UTC.",
			name, e.Until.UTC().Format("2006-01-02 15:04"))
	case "waiting_reconnect":
		text = fmt.Sprintf("A post from %s waits: the Threads account needs to be connected again (connect).", name)
	case "deleted":
		text = fmt.Sprintf("A post from %s was deleted from Threads.", name)
	default:
		text = fmt.Sprintf("Post %s from %s: %s %s", e.PostID, name, e.Kind, e.Reason)
	}
	return m.notices.FeedNotice(ctx, o.Door, o.Ref, text)
}
