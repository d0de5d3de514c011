package rss

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// Store is the storage the Manager keeps feeds in; *storage.DB implements it.
type Store interface {
	AddFeedCapped(ctx context.Context, f storage.Feed, limit int) (storage.Feed, error)
	Feed(ctx context.Context, id int64) (storage.Feed, error)
	Feeds(ctx context.Context, accountIDs []int64) ([]storage.Feed, error)
	ClaimDueFeeds(ctx context.Context, claimFor time.Duration, limit int) ([]storage.Feed, error)
	RenewFeedClaim(ctx context.Context, id int64, token time.Time, claimFor time.Duration) (time.Time, bool, error)
	ReleaseFeedClaim(ctx context.Context, id int64, token time.Time) error
	DeleteFeed(ctx context.Context, id int64) error
	SetFeedEnabled(ctx context.Context, id int64, enabled bool, reason string, nextPoll time.Time) (storage.Feed, error)
	RecordFeedPoll(ctx context.Context, p storage.FeedPoll) error
	FeedPostStats(ctx context.Context, feedID int64, since time.Time) (count int, lastQueued time.Time, err error)
	UnseenFeedItems(ctx context.Context, feedID int64, ids []string) ([]string, error)
	MarkFeedItemsSeen(ctx context.Context, feedID int64, ids []string) error
	PruneFeedItems(ctx context.Context, before time.Time, keep int) (int64, error)
	TrimFeedItems(ctx context.Context, feedID int64, keep int) (int64, error)
}

// StoreSeen adapts a Store's seen-item table to Seen.
type StoreSeen struct{ Store Store }

// Filter returns the ids not yet seen for the feed.
func (s StoreSeen) Filter(ctx context.Context, feedID int64, ids []string) ([]string, error) {
	return s.Store.UnseenFeedItems(ctx, feedID, ids)
}

// Mark records ids as seen for the feed, then forgets all but the feed's SeenKeep newest, so
// a feed that mints fresh ids on every poll cannot grow the table without bound. A poll
// considers at most MaxItemsPerPoll (< SeenKeep) entries, so the ids still in the document
// are never among those forgotten.
func (s StoreSeen) Mark(ctx context.Context, feedID int64, ids []string) error {
	if err := s.Store.MarkFeedItemsSeen(ctx, feedID, ids); err != nil {
		return err
	}
	_, err := s.Store.TrimFeedItems(ctx, feedID, SeenKeep)
	return err
}

// ServiceEnqueuer commits feed posts through the ingest service, which validates them like
// every door's and honours the idempotency key (door "feed").
type ServiceEnqueuer struct{ Service *ingest.Service }

// Enqueue validates and commits r and returns the post's id; a repeated key returns the
// existing post's id.
func (e ServiceEnqueuer) Enqueue(ctx context.Context, r ingest.Request) (string, error) {
	acc, err := e.Service.Enqueue(ctx, r)
	if err != nil {
		return "", err
	}
	return acc.Post.ID, nil
}

// ChatRef is where a feed's notices and post results go: a chat door ("slack", "telegram")
// and that door's own JSON address (a channel, a chat id). The zero ChatRef (a feed added
// from the command line) reports to the log only.
type ChatRef struct {
	Door string          `json:"door,omitempty"`
	Ref  json.RawMessage `json:"ref,omitempty"`
}

// IsZero reports whether the ref names no chat.
func (c ChatRef) IsZero() bool { return c.Door == "" }

// OriginRef is the Origin.Ref of every post a feed makes (door "feed"): the feed and the
// chat that hears about it. Notifying code decodes it with DecodeOriginRef.
type OriginRef struct {
	FeedID int64 `json:"feed_id"`
	ChatRef
}

// DecodeOriginRef reads the Origin.Ref of a feed post.
func DecodeOriginRef(b []byte) (OriginRef, error) {
	var o OriginRef
	if len(b) == 0 {
		return o, nil
	}
	err := json.Unmarshal(b, &o)
	return o, err
}

func originRef(f storage.Feed) json.RawMessage {
	b, _ := json.Marshal(OriginRef{FeedID: f.ID, ChatRef: ChatRef{Door: f.ReportDoor, Ref: f.ReportRef}})
	return b
}
