package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/publisher"
)

// feedParts holds what the feeds subsystem built that others need.
type feedParts struct {
	// feeds manages feeds for the chat doors: Add, List, Get, Pause, Resume, Remove.
	feeds *rss.Manager
	// feedNotices carries feed notices (a feed paused, items skipped, post results) to the
	// chat that added the feed. Chat doors register themselves on it by door name.
	feedNotices *feedNoticeRouter
	// feedNotifier delivers the publisher's events about feed posts (door "feed").
	feedNotifier publisher.Notifier
}

// wireFeeds builds the feed manager and registers its poll and prune jobs on the publisher's
// scheduler (same singleton mode and panic handling, started after the listener is up).
func (a *app) wireFeeds(ctx context.Context) error {
	a.feedNotices = &feedNoticeRouter{log: a.log, doors: map[string]rss.Notices{}}
	// buildMetrics ran first (build), so a.metrics is set: it counts every poll by result.
	a.feeds = newFeedManager(a.cfg, a.db, a.ingest, a.feedNotices, a.metrics, a.log.With(slog.String("door", "feed")))
	m := a.feeds
	a.feedNotifier = publisher.NotifierFunc(func(ctx context.Context, e publisher.Event) error {
		return m.PostNotice(ctx, rss.PostEvent{Kind: string(e.Kind), PostID: e.PostID, OriginRef: e.OriginRef,
			Permalink: e.Permalink, Reason: e.Reason, Until: e.Until})
	})
	// Rounds at least as often as the shortest interval a feed may have, so a deliberately
	// fast SPINDLE_FEED_INTERVAL (tests, local setups) is honoured.
	every := min(feedRoundEvery, max(a.cfg.MinFeedInterval(), time.Second))
	// The jobs run on the publisher's scheduler, which wirePublisher built, starts and stops.
	if err := m.Register(a.scheduler.OnLeader(), every); err != nil { // feeds are not claimed: one poller
		return fmt.Errorf("feeds: %w", err)
	}
	// Polls run outside the round job (one hanging feed must not hold the others), so they
	// are stopped and waited for here; closers run in reverse, before the scheduler stops.
	a.closers = append(a.closers, m.Close)
	return nil
}

// feedNoticeRouter sends a feed notice to the chat door named in the feed's ChatRef. Doors
// wired after the feeds (Slack, Telegram) add themselves with register; a notice for a door
// that is not configured is logged.
type feedNoticeRouter struct {
	log   *slog.Logger
	mu    sync.RWMutex
	doors map[string]rss.Notices
}

// register makes notices for door go to n.
func (r *feedNoticeRouter) register(door string, n rss.Notices) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.doors[door] = n
}

// FeedNotice implements rss.Notices.
func (r *feedNoticeRouter) FeedNotice(ctx context.Context, door string, ref json.RawMessage, text string) error {
	r.mu.RLock()
	n := r.doors[door]
	r.mu.RUnlock()
	if n == nil {
		r.log.InfoContext(ctx, "feed notice for a chat door that is not configured",
			slog.String("report_door", door), slog.String("text", text))
		return nil
	}
	return n.FeedNotice(ctx, door, ref, text)
}
