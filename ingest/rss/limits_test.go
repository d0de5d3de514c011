package rss

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestHostileFeedStaysBounded: a feed that serves 3,000 entries with fresh ids on every poll
// (one grew 600,000 seen rows in 80 s) costs at most MaxItemsPerPoll entries per poll and
// SeenKeep remembered rows, and the newest entries are the ones remembered.
func TestHostileFeedStaysBounded(t *testing.T) {
	b := setupManager(t)
	b.srv.set("/feed.xml", rssDoc("Flood", numberedItems(0, 3000)), "application/rss+xml")
	res := b.add(t, AddRequest{URL: b.srv.URL + "/feed.xml"})
	if res.Skipped > MaxItemsPerPoll {
		t.Fatalf("the first poll took %d entries, want at most %d", res.Skipped, MaxItemsPerPoll)
	}
	for round := 1; round <= 8; round++ {
		b.srv.set("/feed.xml", rssDoc("Flood", numberedItems(round*3000, 3000)), "application/rss+xml")
		b.clock.Advance(11 * time.Minute)
		if err := b.m.PollDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	n, err := b.db.CountFeedItems(context.Background(), res.Feed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n > SeenKeep {
		t.Fatalf("the feed remembers %d items, want at most %d", n, SeenKeep)
	}
	newest := fmt.Sprintf("post-%d", 8*3000+2999)
	if fresh, _ := b.db.UnseenFeedItems(context.Background(), res.Feed.ID, []string{newest}); len(fresh) != 0 {
		t.Fatalf("the newest entry %s was forgotten", newest)
	}
	if f := b.feed(t, res.Feed.ID); f.Failures != 0 || f.LastError != "" {
		t.Fatalf("the bounded feed failed: %+v", f)
	}
}

// TestFeedsPerAccountCapped: past the cap, adding a feed is refused in words that name the
// limit and the way out, and nothing is stored or fetched.
func TestFeedsPerAccountCapped(t *testing.T) {
	b := setupManager(t, func(o *ManagerOptions) { o.MaxFeedsPerAccount = 2 })
	for i := range 2 {
		b.srv.set(fmt.Sprintf("/f%d.xml", i), rssDoc("Blog", numberedItems(0, 3)), "application/rss+xml")
		b.add(t, AddRequest{URL: fmt.Sprintf("%s/f%d.xml", b.srv.URL, i)})
	}
	b.srv.set("/f2.xml", rssDoc("Blog", numberedItems(0, 3)), "application/rss+xml")
	served := len(b.srv.served())
	_, err := b.m.Add(context.Background(), AddRequest{AccountID: b.account.ID, URL: b.srv.URL + "/f2.xml"})
	if !errors.Is(err, storage.ErrFeedLimit) || !strings.Contains(err.Error(), "already watches 2 feeds") ||
		!strings.Contains(err.Error(), "feed remove") {
		t.Fatalf("third feed: %v; want a refusal naming the cap of 2", err)
	}
	if fs, _ := b.m.List(context.Background(), AllAccounts()); len(fs) != 2 {
		t.Fatalf("%d feeds stored, want 2", len(fs))
	}
	if len(b.srv.served()) != served {
		t.Fatal("the refused feed was fetched")
	}
}
