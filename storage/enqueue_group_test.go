package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestConcurrentEnqueuesEachGetTheirOwnPost: 64 enqueues at once (on PostgreSQL they share
// group inserts; on SQLite group commits) each get back their own post as stored, and the
// post.queued events of a subscription to one account are written for exactly that
// account's posts; the counts add up.
func TestConcurrentEnqueuesEachGetTheirOwnPost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	alice := storagetest.Account(t, db, "alice")
	bob := storagetest.Account(t, db, "bob")
	if _, err := db.CreateEventSubscription(ctx, storage.EventSubscription{URL: "https://example.com/h",
		Events: []string{"post.queued"}, AccountID: alice.ID, SecretSealed: []byte("sealed")}); err != nil {
		t.Fatal(err)
	}
	const n = 64
	later := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	got := make([]storage.Post, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			np := storage.NewPost{AccountID: alice.ID, Door: "cli", Text: fmt.Sprintf("post %d", i), RequestID: fmt.Sprint(i)}
			if i%2 == 1 {
				np.AccountID, np.ScheduledAt = bob.ID, later
			}
			p, existed, err := db.Enqueue(ctx, np)
			if err != nil || existed {
				t.Errorf("enqueue %d: existed %v, %v", i, existed, err)
			}
			got[i] = p
		})
	}
	close(start)
	wg.Wait()
	ids := map[string]bool{}
	for i, p := range got {
		stored, err := db.Get(ctx, p.ID)
		if err != nil {
			t.Fatalf("post %d (%s): %v", i, p.ID, err)
		}
		if stored.Text != fmt.Sprintf("post %d", i) || stored.RequestID != fmt.Sprint(i) || stored.AccountID != p.AccountID ||
			!stored.NextAttemptAt.Equal(p.NextAttemptAt) || stored.State != storage.StateQueued {
			t.Errorf("caller %d was answered %+v, but stored is %+v", i, p, stored)
		}
		if i%2 == 1 && !stored.NextAttemptAt.Equal(later) {
			t.Errorf("post %d due %s, want %s", i, stored.NextAttemptAt, later)
		}
		ids[p.ID] = true
	}
	if len(ids) != n {
		t.Fatalf("%d distinct ids for %d enqueues", len(ids), n)
	}
	if events := storagetest.Watch(t, db).Count(t, "outbox"); events != n/2 {
		t.Errorf("%d post.queued events, want %d (alice's posts only)", events, n/2)
	}
	counts, err := db.PostCounts(ctx)
	if err != nil || len(counts) != 1 || counts[0] != (storage.PostCount{Door: "cli", State: "queued", N: n}) {
		t.Fatalf("post counts %+v (%v), want cli/queued %d", counts, err, n)
	}
}
