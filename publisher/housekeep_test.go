package publisher_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestHousekeepDeletesFinishedPostsPastRetention publishes two posts a month apart; a
// housekeeping run with a 30-day retention deletes the older one only, and the queue counts
// follow.
func TestHousekeepDeletesFinishedPostsPastRetention(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now,
		tweak: func(o *publisher.Options) { o.Retention = 30 * 24 * time.Hour }})
	a := e.account("alice")
	old := e.enqueue(storage.NewPost{AccountID: a.ID, Door: "cli", Text: "a month ago"})
	e.settle(clock)
	clock.Advance(31 * 24 * time.Hour)
	recent := e.enqueue(storage.NewPost{AccountID: a.ID, Door: "cli", Text: "today"})
	e.settle(clock)
	for _, p := range []storage.Post{old, recent} {
		if got := e.get(p.ID); got.State != storage.StatePosted {
			t.Fatalf("post %s is %s before housekeeping, want posted", p.ID, got.State)
		}
	}
	if err := e.pub.Housekeep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Get(context.Background(), old.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the post finished 31 days ago is still kept (%v), retention is 30 days", err)
	}
	if got := e.get(recent.ID); got.State != storage.StatePosted {
		t.Errorf("today's post is %s after housekeeping, want kept and posted", got.State)
	}
	counts, err := e.db.PostCounts(context.Background())
	if err != nil || len(counts) != 1 || counts[0].N != 1 {
		t.Errorf("post counts after housekeeping: %v %v, want one posted", counts, err)
	}
}
