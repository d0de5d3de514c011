package rss

import (
	"context"
	"testing"
	"time"
)

// TestPacedBurstIsAnnounced: a poll that finds several new items paces them across the day;
// the feed's chat is told once, where they came from and how often they go out.
func TestPacedBurstIsAnnounced(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	items := numberedItems(1, 3)
	b.srv.set("/feed.xml", rssDoc("Example Blog", items), "application/rss+xml")
	b.add(t, AddRequest{Owner: slackChat, URL: b.srv.URL + "/feed.xml"})
	if n := len(b.notices.all()); n != 0 {
		t.Fatalf("adding told the chat %d things", n)
	}
	items = numberedItems(1, 8) // five new items
	b.srv.set("/feed.xml", rssDoc("Example Blog", items), "application/rss+xml")
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	got := b.notices.all()
	// Cap 10 a day: one every 2h24m from now (09:10), the fifth at 18:46.
	want := "5 new items from Example Blog: posting one every 2h24m, the last at 18:46 UTC."
	if len(got) != 1 || got[0].text != want || got[0].door != "slack" {
		t.Fatalf("notices %+v, want one: %q", got, want)
	}
	// One new item is not paced and needs no word.
	items = numberedItems(1, 9)
	b.srv.set("/feed.xml", rssDoc("Example Blog", items), "application/rss+xml")
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(b.notices.all()); n != 1 {
		t.Fatalf("a single new item told the chat: %+v", b.notices.all()[1:])
	}
}

func TestFeedInfoEvery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		interval, asked time.Duration
		want            string
	}{
		{10 * time.Minute, 0, "every 10m"},
		{10 * time.Minute, time.Hour, "every 10m (the feed asks for 1h)"},
		{2 * time.Hour, time.Hour, "every 2h"},
		{90 * time.Minute, 150 * time.Minute, "every 1h30m (the feed asks for 2h30m)"},
	}
	for _, tt := range tests {
		if got := (FeedInfo{Interval: tt.interval, AskedInterval: tt.asked}).Every(); got != tt.want {
			t.Errorf("Every(%v, %v) = %q, want %q", tt.interval, tt.asked, got, tt.want)
		}
	}
}
