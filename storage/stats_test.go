package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestPublishLatencyMeasuresOnlyPublishedPosts completes one post with a part published 3 s
// after it was accepted and one with no published part at all: only the first is measured,
// in every bucket of 5 s and up and in none below. (PostgreSQL's trigger once measured the
// second at 0 ms: GREATEST(0, NULL) is 0 there.)
func TestPublishLatencyMeasuresOnlyPublishedPosts(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	alice := storagetest.Account(t, db, "alice")
	bob := storagetest.Account(t, db, "bob")
	enqueue(t, db, storage.NewPost{AccountID: alice.ID, Door: "cli", Text: "published"})
	enqueue(t, db, storage.NewPost{AccountID: bob.ID, Door: "cli", Text: "no part"})
	leased := lease(t, db, 2)
	if len(leased) != 2 {
		t.Fatalf("leased %d posts, want 2", len(leased))
	}
	for _, p := range leased {
		step := storage.Step{Complete: &storage.Completion{MediaID: "m-" + p.ID, Permalink: "https://www.threads.net/p"}}
		if p.AccountID == alice.ID {
			step.Parts = []storage.Part{{PostID: p.ID, MediaID: "m-" + p.ID, PublishedAt: clock.Now().Add(3 * time.Second)}}
		}
		if err := db.Advance(ctx, storage.LeaseOf(p), step); err != nil {
			t.Fatal(err)
		}
	}
	l, err := db.PublishLatencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l.Count != 1 || l.Sum != 3*time.Second {
		t.Fatalf("measured %d posts, %v in all; want 1 post, 3s", l.Count, l.Sum)
	}
	for i, le := range l.Bounds {
		want := uint64(0)
		if le >= 3*time.Second {
			want = 1
		}
		if l.Buckets[i] != want {
			t.Errorf("bucket le=%v holds %d, want %d", le, l.Buckets[i], want)
		}
	}
}
