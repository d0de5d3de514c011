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
	got := enqueueAtOnce(t, db, n, func(i int) storage.NewPost {
		np := storage.NewPost{AccountID: alice.ID, Door: "cli", Text: fmt.Sprintf("post %d", i), RequestID: fmt.Sprint(i)}
		if i%2 == 1 {
			np.AccountID, np.ScheduledAt = bob.ID, later
		}
		return np
	})
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

// TestEnqueueWhoseDrawnIDIsTaken: ids are drawn at random, so a new post's id is sometimes
// taken, by a stored post or by another post of the same group insert. Every caller still
// gets a post of its own under a free id, with its post.queued event.
func TestEnqueueWhoseDrawnIDIsTaken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	if _, err := db.CreateEventSubscription(ctx, storage.EventSubscription{URL: "https://example.com/h",
		Events: []string{"post.queued"}, SecretSealed: []byte("sealed")}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		mu    sync.Mutex
		draws int
	)
	// The first post draws pdup001; the n after it draw pdup001 (taken by a stored post) and
	// pdup002 (taken by whichever of them is written first, perhaps in the same group) in
	// turn, then random ids.
	db.DrawPostIDs(func() string {
		mu.Lock()
		defer mu.Unlock()
		draws++
		if draws > 1+n {
			return storage.NewPostID(time.Now())
		}
		return fmt.Sprintf("pdup00%d", 2-draws%2)
	})
	first := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "first"})
	if first.ID != "pdup001" {
		t.Fatalf("first post %s, want the drawn pdup001", first.ID)
	}
	got := enqueueAtOnce(t, db, n, func(i int) storage.NewPost {
		return storage.NewPost{AccountID: acct.ID, Door: "cli", Text: fmt.Sprint("post ", i)}
	})
	ids := map[string]bool{first.ID: true}
	for i, p := range got {
		stored, err := db.Get(ctx, p.ID)
		if err != nil || stored.Text != fmt.Sprint("post ", i) {
			t.Fatalf("caller %d was answered %s, which holds %q (%v)", i, p.ID, stored.Text, err)
		}
		ids[p.ID] = true
	}
	if len(ids) != n+1 {
		t.Fatalf("%d distinct ids for %d posts", len(ids), n+1)
	}
	if events := storagetest.Watch(t, db).Count(t, "outbox"); events != n+1 {
		t.Errorf("%d post.queued events, want %d", events, n+1)
	}
}

// enqueueAtOnce enqueues post(i) for i < n, all at once, and returns what each was answered;
// none may fail or find its post already stored.
func enqueueAtOnce(t *testing.T, db *storage.DB, n int, post func(i int) storage.NewPost) []storage.Post {
	t.Helper()
	got := make([]storage.Post, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			p, existed, err := db.Enqueue(context.Background(), post(i))
			if err != nil || existed {
				t.Errorf("enqueue %d: existed %v, %v", i, existed, err)
			}
			got[i] = p
		})
	}
	close(start)
	wg.Wait()
	return got
}
