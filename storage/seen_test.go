package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestFirstSeenRemembersUntilExpiry: a key is new once, a replay within its window is not,
// and after the window the same key is new again; a second handle on the same file (another
// process, a restarted daemon) sees the first one's record.
func TestFirstSeenRemembersUntilExpiry(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	dir := t.TempDir()
	db := openAt(t, dir, clock.Now)
	other := openAt(t, dir, clock.Now)
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

func openAt(t *testing.T, dir string, now func() time.Time) *storage.DB {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
