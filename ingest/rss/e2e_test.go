package rss

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestFeedItemReachesThreadsOnceAndTheChatIsTold is the whole feed door: a feed is added
// (baseline, nothing posted), a new item appears on the publisher's server, the poll queues
// it, the publisher publishes it to the Threads simulator exactly once, and the chat that
// added the feed hears the permalink. Polling again, a 304 and a re-published item change
// nothing.
func TestFeedItemReachesThreadsOnceAndTheChatIsTold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// One clock for the store, the poller, the publisher and the simulator, moved by the test:
	// nothing waits for real time.
	clock := storagetest.NewClock(time.Now())
	notes := &noticeLog{}
	var m *Manager
	stack := publishertest.New(t, publishertest.Options{Clock: clock, Publisher: publisher.Options{
		Notifiers: map[string]publisher.Notifier{"feed": publisher.NotifierFunc(func(ctx context.Context, e publisher.Event) error {
			return m.PostNotice(ctx, PostEvent{Kind: string(e.Kind), PostID: e.PostID, OriginRef: e.OriginRef,
				Permalink: e.Permalink, Reason: e.Reason, Until: e.Until})
		})}}})
	sim, db, acct := stack.Sim, stack.DB, stack.Account("alice")
	m = NewManager(ManagerOptions{Store: db, Fetcher: testFetcher(), Now: clock.Now,
		Enqueuer: ServiceEnqueuer{ingest.NewService(ingest.Options{Queue: db, Now: clock.Now})}, Notices: notes,
		DefaultInterval: time.Millisecond, MinInterval: time.Millisecond,
		Jitter: func(time.Duration) time.Duration { return 0 }})
	drain := func() {
		t.Helper()
		stack.Run("every feed post published", func() bool {
			ps, err := db.List(ctx, storage.ListFilter{Door: "feed", States: []storage.State{storage.StateQueued, storage.StatePublishing}})
			if err != nil {
				t.Fatal(err)
			}
			return len(ps) == 0
		})
	}
	poll := func() {
		t.Helper()
		clock.Advance(time.Minute) // past the 1 ms interval
		if err := m.PollDue(ctx); err != nil {
			t.Fatal(err)
		}
		drain()
	}

	srv := newFeedServer(t)
	items := numberedItems(1, 12)
	srv.set("/feed.xml", rssDoc("Example", items), "application/rss+xml")
	res, err := m.Add(ctx, AddRequest{Owner: slackChat, AccountID: acct.ID, URL: srv.URL + "/feed.xml"})
	if err != nil || res.Skipped != 12 {
		t.Fatalf("add = %+v, %v", res, err)
	}
	poll()
	if l := sim.Ledger(); len(l) != 0 {
		t.Fatalf("the baseline published %d posts", len(l))
	}

	items = append(items, testItem{guid: "new", title: "Spindle 1.0 &amp; friends", link: "https://site.example/posts/new",
		date: items[len(items)-1].date.Add(time.Hour)})
	srv.set("/feed.xml", rssDoc("Example", items), "application/rss+xml")
	poll()
	l := sim.Ledger()
	if len(l) != 1 || l[0].Username != "alice" || l[0].Text != "Spindle 1.0 & friends\n\nhttps://site.example/posts/new" {
		t.Fatalf("ledger = %+v; want the new item once", l)
	}
	var told []string
	for _, n := range notes.all() {
		if n.door != "slack" || n.ref != `{"channel":"C42"}` {
			t.Fatalf("notice went to %s %s", n.door, n.ref)
		}
		told = append(told, n.text)
	}
	if len(told) != 1 || !strings.HasPrefix(told[0], "Posted from feed 1 (Example): https://") {
		t.Fatalf("chat was told %q", told)
	}

	// Unchanged (304), then old items re-published with new dates: nothing more is posted.
	poll()
	items[5].date = items[len(items)-1].date.Add(time.Hour)
	srv.set("/feed.xml", rssDoc("Example", items), "application/rss+xml")
	poll()
	if l := sim.Ledger(); len(l) != 1 {
		t.Fatalf("%d posts on Threads after re-polls; want 1", len(l))
	}
	statuses := fmt.Sprint(func() (s []int) {
		for _, r := range srv.served() {
			s = append(s, r.status)
		}
		return
	}())
	if !strings.Contains(statuses, "304") {
		t.Fatalf("no poll was a 304: %s", statuses)
	}
}
