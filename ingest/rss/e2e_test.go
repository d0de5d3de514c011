package rss

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// clearTokens keeps the simulator's token in clear in TokenSealed (the accounts package
// seals it for real; that is not what this test is about).
type clearTokens struct{ db *storage.DB }

func (c clearTokens) Token(ctx context.Context, id int64) (string, string, error) {
	a, err := c.db.Account(ctx, id)
	if err != nil {
		return "", "", err
	}
	return string(a.TokenSealed), a.ThreadsUserID, nil
}

func (c clearTokens) SaveRefreshed(context.Context, int64, string, time.Time) error { return nil }

// TestFeedItemReachesThreadsOnceAndTheChatIsTold is the whole feed door: a feed is added
// (baseline, nothing posted), a new item appears on the publisher's server, the poll queues
// it, the publisher publishes it to the Threads simulator exactly once, and the chat that
// added the feed hears the permalink. Polling again, a 304 and a re-published item change
// nothing.
func TestFeedItemReachesThreadsOnceAndTheChatIsTold(t *testing.T) {
	ctx := context.Background()
	sim := threadstest.NewServer(threadstest.Options{})
	t.Cleanup(sim.Close)
	db := storagetest.Open(t, nil)
	u := sim.AddUser("alice")
	acct, err := db.SaveAccount(ctx, storage.Account{ThreadsUserID: u.ID, Username: "alice",
		TokenSealed: []byte(sim.IssueToken(u.ID, threads.DefaultScopes()...)), TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	notes := &noticeLog{}
	m := NewManager(ManagerOptions{Store: db, Fetcher: testFetcher(),
		Enqueuer: ServiceEnqueuer{ingest.NewService(ingest.Options{Queue: db})}, Notices: notes,
		// Due again at once, so the test needs no clock games with the publisher.
		DefaultInterval: time.Millisecond, MinInterval: time.Millisecond,
		Jitter: func(time.Duration) time.Duration { return 0 }})
	pub := publisher.New(publisher.Options{Store: db, Tokens: clearTokens{db},
		API: threads.New(threads.Options{BaseURL: sim.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second}}),
		Notifiers: map[string]publisher.Notifier{"feed": publisher.NotifierFunc(func(ctx context.Context, e publisher.Event) error {
			return m.PostNotice(ctx, PostEvent{Kind: string(e.Kind), PostID: e.PostID, OriginRef: e.OriginRef,
				Permalink: e.Permalink, Reason: e.Reason, Until: e.Until})
		})},
		Delays: publisher.Delays{TextCheck: 2 * time.Millisecond, MediaCheck: 5 * time.Millisecond,
			StatusPoll: 5 * time.Millisecond, NotReadyWait: 5 * time.Millisecond},
		Retry: publisher.Retry{Base: 2 * time.Millisecond, Max: 20 * time.Millisecond, MaxAttempts: 30}})
	drain := func() {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			if err := pub.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if err := pub.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			ps, err := db.List(ctx, storage.ListFilter{Door: "feed", States: []storage.State{storage.StateQueued, storage.StatePublishing}})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("post %s still %s: %s", ps[0].ID, ps[0].State, ps[0].LastError)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	poll := func() {
		t.Helper()
		time.Sleep(5 * time.Millisecond) // past the 1 ms interval
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
