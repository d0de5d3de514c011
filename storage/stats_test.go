package storage_test

import (
	"context"
	"fmt"
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

// TestPublishLatencySumsAcrossConnections: posts completed from two handles (on PostgreSQL two
// connections, which measure into slots of their own) make one histogram.
func TestPublishLatencySumsAcrossConnections(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	other := storagetest.Reopen(t, db, clock.Now)
	ctx := context.Background()
	for i, h := range []*storage.DB{db, other, db} {
		acct := storagetest.Account(t, db, fmt.Sprint("acct", i))
		enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "published"})
		leased := lease(t, h, 1)
		if len(leased) != 1 {
			t.Fatalf("leased %d posts, want 1", len(leased))
		}
		p := leased[0]
		step := storage.Step{Complete: &storage.Completion{MediaID: "m-" + p.ID, Permalink: "https://www.threads.net/p"},
			Parts: []storage.Part{{PostID: p.ID, MediaID: "m-" + p.ID, PublishedAt: clock.Now().Add(time.Duration(i+1) * time.Second)}}}
		if err := h.Advance(ctx, storage.LeaseOf(p), step); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range []*storage.DB{db, other} {
		l, err := h.PublishLatencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if l.Count != 3 || l.Sum != 6*time.Second || l.Buckets[0] != 1 || l.Buckets[1] != 3 {
			t.Fatalf("measured %d posts, %v in all, %d within %v and %d within %v; want 3 posts, 6s, 1 and 3",
				l.Count, l.Sum, l.Buckets[0], l.Bounds[0], l.Buckets[1], l.Bounds[1])
		}
	}
}
