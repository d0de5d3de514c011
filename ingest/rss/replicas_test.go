package rss

import (
	"context"
	"fmt"
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
