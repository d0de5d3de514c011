package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/bot/slack/slacktest"
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
	t.Parallel()
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

// TestSlowVerbNeverAnswersAForeignURL: a feed add whose response_url is not Slack's (allowed
// hosts only) is answered in the acknowledgement itself, as before, and the foreign URL is never
// called: answering later is only for a URL Spindle may post to.
func TestSlowVerbNeverAnswersAForeignURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	called := make(chan struct{}, 1)
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case called <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(foreign.Close)
	// The env allows 127.0.0.1; "localhost" names the same server but is not an allowed host.
	target := strings.Replace(foreign.URL, "127.0.0.1", "localhost", 1) + "/hook"
	body := slacktest.Command{Team: "T1", Channel: "C1", User: "UALICE", UserName: "alice",
		Text: "feed add https://blog.example.com/feed.xml", ResponseURL: target}.Form()
	a := e.sendAs(e.srv, body, time.Now(), "")
	if a.status != http.StatusOK || !strings.Contains(a.Text, "Following") {
		t.Fatalf("ack %d %q, want the feed followed in the ack itself", a.status, a.Text)
	}
	select {
	case <-called:
		t.Fatal("the foreign response_url was called")
	default:
	}
}
