package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/publisher"
)

// buildFeeds builds the feed manager, the door "feed": it registers the results of feed posts,
// and sends its notices to the chat that added each feed through that chat's door (a.doors).
// Its poll and prune jobs run on the publisher's scheduler (same singleton mode and panic
// handling, started after the listener is up): the poll round on every replica, the prune on
// the leader.
func (a *app) buildFeeds() error {
	// a.metrics counts every poll by result.
	m := newFeedManager(a.cfg, a.db, a.ingest, a.doors, a.metrics, a.log.With(slog.String("door", "feed")))
	// Rounds at least as often as the shortest interval a feed may have, so a deliberately
	// fast SPINDLE_FEED_INTERVAL (tests, local setups) is honoured.
	every := min(feedRoundEvery, max(a.cfg.MinFeedInterval(), time.Second))
	// Every replica polls: each due feed is claimed by one (storage.ClaimDueFeeds). Pruning
	// old seen items is a sweep, done by the leader.
	if err := m.Register(a.scheduler, a.scheduler.OnLeader(), every); err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	// Polls run outside the round job (one hanging feed must not hold the others), so they
	// are stopped and waited for here; closers run in reverse, before the scheduler stops.
	a.closers = append(a.closers, m.Close)
	a.feeds = m
	a.doors.register(ingest.DoorFeed, doorOffer{results: feedResults{m}})
	return nil
}

// feedResults delivers the publisher's events about feed posts to the feed manager, which
// reports them to the feed's chat.
type feedResults struct{ m *rss.Manager }

func (f feedResults) Notify(ctx context.Context, e publisher.Event) error {
	return f.m.PostNotice(ctx, rss.PostEvent{Kind: string(e.Kind), PostID: e.PostID, OriginRef: e.OriginRef,
		Permalink: e.Permalink, Reason: e.Reason, Until: e.Until})
}
