package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher/status"
	"github.com/spindle-threads/spindle/storage"
)

// TestPageShowsWhatAnOperatorLooksFor checks the page an operator opens first: each recent
// post with its time in SPINDLE_TIMEZONE, account, door, text and state (a post scheduled for
// later reads differently from one due now), the chart's axes, feeds by title, the doors'
// health, the outbox backlog, and that the page reloads itself.
func TestPageShowsWhatAnOperatorLooksFor(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	lastSlack := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
	f := newFixture(t, status.Options{Password: config.NewSecret(password), Location: paris, Refresh: 20 * time.Second,
		Doors: func(context.Context) []status.DoorHealth {
			return []status.DoorHealth{
				{Door: "slack", Enabled: true, LastSuccess: lastSlack},
				{Door: "telegram", Enabled: true, LastError: "setWebhook: Telegram answered 502", LastErrorAt: lastSlack},
			}
		}})
	ctx := context.Background()
	due, _, err := f.db.Enqueue(ctx, storage.NewPost{AccountID: f.acct.ID, Door: "telegram",
		Text: "due right now, and long enough that the page must shorten it rather than print every word of it"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.RecordFeedPoll(ctx, storage.FeedPoll{FeedID: f.feed.ID, OK: true, Title: "Alice's engineering blog",
		NextPollAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, page := f.do(t, "GET", "/", password, nil)

	for _, want := range []string{
		`<meta http-equiv="refresh" content="20">`,
		// The scheduled post: its scheduled time in Paris, marked as waiting, not stuck.
		f.queued.ScheduledAt.In(paris).Format("Mon 2 Jan 15:04 MST"),
		`class="state later">scheduled<`,
		// The due post: account, door, a shortened text and "due now".
		"@alice", "telegram", "due right now, and long enough", "…", ">due now<",
		// The chart's axes: the busiest hour on the y axis, hour labels on the x axis.
		`text-anchor="end">1</text>`, `text-anchor="middle">`,
		// Feeds by title.
		"<strong>Alice&#39;s engineering blog</strong>",
		// Doors and deliveries.
		"Results waiting to be delivered: 0", "Given up: 0",
		lastSlack.In(paris).Format("Mon 2 Jan 15:04 MST"), "setWebhook: Telegram answered 502",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "every word of it") {
		t.Error("the page prints a long post's whole text")
	}
	if strings.Contains(page, due.ID) && !strings.Contains(page, f.acct.Username) {
		t.Error("a post is shown without its account")
	}
}
