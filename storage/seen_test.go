package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestFirstSeenRemembersUntilExpiry: a key is new once, a replay within its window is not,
// and after the window the same key is new again; a second handle on the same database
// (another process, a restarted daemon, another replica) sees the first one's record.
func TestFirstSeenRemembersUntilExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	other := storagetest.Reopen(t, db, clock.Now)
	window := 10 * time.Minute
	steps := []struct {
		db      *storage.DB
		advance time.Duration
		want    bool
	}{
		{db, 0, true},
		{db, time.Minute, false},
		{other, time.Minute, false}, // the restarted daemon or another replica
		{db, window, true},          // past the first record's expiry
		{other, 0, false},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got, err := s.db.FirstSeen(ctx, "slack:abc", clock.Now().Add(window))
		if err != nil || got != s.want {
			t.Fatalf("step %d: FirstSeen = %v, %v; want %v", i, got, err, s.want)
		}
	}
	if got, err := db.FirstSeen(ctx, "slack:other", clock.Now().Add(window)); err != nil || !got {
		t.Fatalf("a different key: %v %v, want new", got, err)
	}
}
