package slack

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/ingest"
)

// slowFeeds is a feed service whose AddFeed waits until released, as adding a feed waits for
// a slow feed server to answer.
type slowFeeds struct {
	*stubFeeds // an alias, so the embedded field is not named Feeds and Feeds() is promoted
	release    chan struct{}
}

type stubFeeds = bottest.Feeds

func (s slowFeeds) AddFeed(ctx context.Context, f bot.NewFeed) (bot.Feed, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return bot.Feed{}, ctx.Err()
	}
	return s.stubFeeds.AddFeed(ctx, f)
}

// TestSlowFeedAddAnsweredLater: `feed add` of a feed that takes its time is acknowledged at
// once (Slack gives up after 3 s), and its real answer arrives through the response_url,
// replacing the note.
func TestSlowFeedAddAnsweredLater(t *testing.T) {
	e := newEnv(t)
	feeds := slowFeeds{stubFeeds: &bottest.Feeds{}, release: make(chan struct{})}
	d := bot.NewDispatcher(bot.DispatcherOptions{
		Ingest:   ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now}),
		Accounts: e.accts, Queue: e.db, Feeds: feeds, Now: e.clock.Now,
	})
	srv := httptest.NewServer(e.newDoor(d))
	t.Cleanup(srv.Close)

	start := time.Now()
	a := e.sendAs(srv, e.command("UALICE", "feed add https://blog.example.com/feed.xml"), time.Now(), "")
	if a.status != 200 || !strings.Contains(a.Text, "Working on it") {
		t.Fatalf("ack %d %q, want the working-on-it note", a.status, a.Text)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the ack took %s while the feed was still being read", took)
	}
	close(feeds.release)
	m := e.replaced(1)
	if !strings.Contains(m.Text, "Following") {
		t.Fatalf("the later answer is %q, want the feed followed", m.Text)
	}
}
