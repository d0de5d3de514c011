package rss

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// TestHostileFeedStaysBounded: a feed that serves 600 entries with fresh ids on every poll
// (one grew 600,000 seen rows in 80 s) costs at most MaxItemsPerPoll entries per poll and
// SeenKeep remembered rows, and the newest entries are the ones remembered.
func TestHostileFeedStaysBounded(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	b.srv.set("/feed.xml", rssDoc("Flood", numberedItems(0, 600)), "application/rss+xml")
	res := b.add(t, AddRequest{URL: b.srv.URL + "/feed.xml"})
	if res.Skipped > MaxItemsPerPoll {
		t.Fatalf("the first poll took %d entries, want at most %d", res.Skipped, MaxItemsPerPoll)
	}
	const rounds = 6 // 7 polls of 200 entries: past SeenKeep
	for round := 1; round <= rounds; round++ {
		b.srv.set("/feed.xml", rssDoc("Flood", numberedItems(round*600, 600)), "application/rss+xml")
		b.clock.Advance(11 * time.Minute)
		if err := b.m.PollDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	n, err := b.db.CountFeedItems(context.Background(), res.Feed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != SeenKeep {
		t.Fatalf("the feed remembers %d items, want %d", n, SeenKeep)
	}
	newest := fmt.Sprintf("post-%d", rounds*600+599)
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
	t.Parallel()
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

// TestHostileFeedAnswersAreBounded: a server answering with a 200 KB title and a 10 KB ETag
// gets a clipped title and no ETag stored, rather than both stored and the ETag sent back on
// every poll.
func TestHostileFeedAnswersAreBounded(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	b.srv.set("/feed.xml", rssDoc(strings.Repeat("T", 200<<10), numberedItems(0, 2)), "application/rss+xml")
	b.srv.mu.Lock()
	b.srv.docs["/feed.xml"].etag = `"` + strings.Repeat("e", 10<<10) + `"`
	b.srv.mu.Unlock()
	res := b.add(t, AddRequest{URL: b.srv.URL + "/feed.xml"})
	f := b.feed(t, res.Feed.ID)
	if n := len([]rune(f.Title)); n > maxStoredTitle {
		t.Fatalf("stored title is %d runes, want at most %d", n, maxStoredTitle)
	}
	if len(f.ETag) > maxValidatorBytes || len(f.LastModified) > maxValidatorBytes {
		t.Fatalf("stored validators of %d and %d bytes", len(f.ETag), len(f.LastModified))
	}
	if len(res.Message) > 1000 {
		t.Fatalf("the add message is %d bytes long", len(res.Message))
	}
}

// TestAddFeedFieldLimits: what a person types when adding a feed is bounded before storing.
func TestAddFeedFieldLimits(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	url := b.srv.URL + "/feed.xml"
	terms := make([]string, maxFilterTerms+1)
	for i := range terms {
		terms[i] = fmt.Sprintf("t%d", i)
	}
	for _, c := range []struct {
		name, field string
		r           AddRequest
	}{
		{"url", "url", AddRequest{URL: url + "?" + strings.Repeat("q", maxFeedURLLen)}},
		{"template", "template", AddRequest{URL: url, Template: "{{.Title}}" + strings.Repeat(" ", maxTemplateBytes)}},
		{"include terms", "filter", AddRequest{URL: url, Include: terms}},
		{"owner ref", "owner", AddRequest{URL: url, Owner: ChatRef{Door: "slack", Ref: []byte(`"` + strings.Repeat("c", maxOwnerRefBytes) + `"`)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.AccountID = b.account.ID
			_, err := b.m.Add(context.Background(), c.r)
			found := false
			for _, p := range ingest.Problems(err) {
				found = found || p.Field == c.field
			}
			if !found {
				t.Fatalf("err = %v; want a refusal of %s", err, c.field)
			}
		})
	}
	if fs, _ := b.m.List(context.Background(), AllAccounts()); len(fs) != 0 {
		t.Fatalf("%d refused feeds stored", len(fs))
	}
}
