package rss

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestReplicasPollEachDueFeedOnce: three replicas (three database handles, three managers)
// run their poll rounds at the same moments on one database; at every due time each feed is
// fetched exactly once (counted at the feed server), whichever replica claimed it. On both
// dialects.
func TestReplicasPollEachDueFeedOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		srv := newFeedServer(t)
		clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		db := storagetest.Open(t, clock.Now)
		acct := storagetest.Account(t, db, "alice")
		var managers []*Manager
		for i := range 3 {
			h := db
			if i > 0 {
				h = storagetest.Reopen(t, db, clock.Now)
			}
			svc := ingest.NewService(ingest.Options{Queue: h, Now: clock.Now})
			m := NewManager(ManagerOptions{Store: h, Fetcher: testFetcher(), Enqueuer: ServiceEnqueuer{svc},
				Now: clock.Now, DefaultInterval: 10 * time.Minute, MinInterval: time.Minute,
				Jitter: func(time.Duration) time.Duration { return 0 }})
			t.Cleanup(func() { _ = m.Close(context.Background()) })
			managers = append(managers, m)
		}
		const feeds, dueTimes = 12, 3
		for i := range feeds {
			path := fmt.Sprintf("/f%d.xml", i)
			srv.set(path, rssDoc(fmt.Sprint("Feed ", i), numberedItems(0, 2)), "application/rss+xml")
			if _, err := managers[i%3].Add(context.Background(), AddRequest{URL: srv.URL + path, AccountID: acct.ID,
				Interval: 10 * time.Minute}); err != nil {
				t.Fatal(err)
			}
		}
		for range dueTimes {
			clock.Advance(10 * time.Minute)
			var wg sync.WaitGroup
			for _, m := range managers {
				for range 2 { // two rounds at once on each replica too
					wg.Go(func() {
						if err := m.PollDue(context.Background()); err != nil {
							t.Error(err)
						}
					})
				}
			}
			wg.Wait()
		}
		fetched := map[string]int{}
		for _, s := range srv.served() {
			fetched[s.path]++
		}
		for i := range feeds {
			path := fmt.Sprintf("/f%d.xml", i)
			if got := fetched[path]; got != 1+dueTimes {
				t.Errorf("%s fetched %d times, want %d (the first poll, then once per due time)", path, got, 1+dueTimes)
			}
		}
		var paths []storage.Feed
		paths, err := db.Feeds(context.Background(), nil)
		if err != nil || len(paths) != feeds {
			t.Fatalf("feeds: %d, %v", len(paths), err)
		}
		for _, f := range paths {
			if want := clock.Now().Add(10 * time.Minute); !f.NextPollAt.Equal(want) {
				t.Errorf("feed %d next poll %v, want %v (the poll's outcome, not a claim)", f.ID, f.NextPollAt, want)
			}
		}
	})
}

// TestAReplicasClockDoesNotDecideFeedClaims: two replicas, with their clocks four minutes
// apart (NTP broken on one host), on production-like handles (no injected storage clock). A
// claims a due feed and is fetching it; B's round runs meanwhile. Whether A's claim has
// ended is the database's to say, not B's clock's: B must not fetch the feed too. On both
// dialects (SQLite's one process has one clock, but the managers' clocks must not decide
// there either).
func TestAReplicasClockDoesNotDecideFeedClaims(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		ctx := context.Background()
		var (
			mu      sync.Mutex
			holding bool
			arrived = make(chan struct{}, 4)
			release = make(chan struct{})
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hold := holding
			mu.Unlock()
			if hold {
				arrived <- struct{}{}
				<-release
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(rssDoc("Skew", numberedItems(0, 2)))
		}))
		t.Cleanup(srv.Close)
		var once sync.Once
		letGo := func() { once.Do(func() { close(release) }) }
		t.Cleanup(letGo)

		db := storagetest.Open(t, nil)
		acct := storagetest.Account(t, db, "alice")
		manager := func(h *storage.DB, now func() time.Time) *Manager {
			m := NewManager(ManagerOptions{Store: h, Fetcher: testFetcher(),
				Enqueuer: ServiceEnqueuer{ingest.NewService(ingest.Options{Queue: h, Now: now})},
				Now:      now, DefaultInterval: 10 * time.Minute, MinInterval: time.Minute,
				Jitter: func(time.Duration) time.Duration { return 0 }})
			t.Cleanup(func() { letGo(); _ = m.Close(ctx) })
			return m
		}
		a := manager(db, time.Now)
		b := manager(storagetest.Reopen(t, db, nil), func() time.Time { return time.Now().Add(4 * time.Minute) })
		added, err := a.Add(ctx, AddRequest{URL: srv.URL + "/feed.xml", AccountID: acct.ID, Interval: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetFeedEnabled(ctx, added.Feed.ID, true, "", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		holding = true
		mu.Unlock()
		started, err := a.StartDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			t.Fatal("replica A never fetched the due feed")
		}
		// B's round ends at once when it claims nothing; had it claimed the feed, its fetch
		// arrives at the server (and waits there) first.
		doneB := make(chan error, 1)
		go func() { doneB <- b.PollDue(ctx) }()
		select {
		case err := <-doneB:
			if err != nil {
				t.Fatal(err)
			}
		case <-arrived:
			t.Error("replica B, its clock 4m ahead, fetched the feed while A's claim on it was live")
		case <-time.After(30 * time.Second):
			t.Fatal("replica B's round did not end")
		}
		letGo()
		started.Wait()
	})
}
