package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestSameKeyFromManyReplicasMakesOnePost: replicas (separate handles, many connections)
// enqueue one request with one idempotency key at the same moment: one post is created and
// every caller gets it, the others told it existed; a different request under the key is a
// conflict. On PostgreSQL this is the READ COMMITTED enqueue, guarded by the unique index.
func TestSameKeyFromManyReplicasMakesOnePost(t *testing.T) {
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	handles := []*storage.DB{db, storagetest.Reopen(t, db, nil), storagetest.Reopen(t, db, nil)}
	const callers = 24
	np := storage.NewPost{AccountID: acct.ID, Door: "api", Text: "once", IdempotencyKey: "k-1",
		IdempotencyScope: "token:1", RequestDigest: "d1"}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ids     = map[string]int{}
		created int
	)
	start := make(chan struct{})
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p, existed, err := handles[i%len(handles)].Enqueue(context.Background(), np)
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[p.ID]++
			if !existed {
				created++
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(ids) != 1 || created != 1 {
		t.Fatalf("posts %v, created %d times; want one post created once", ids, created)
	}
	other := np
	other.RequestDigest = "d2"
	if _, _, err := db.Enqueue(context.Background(), other); !errors.As(err, new(*storage.KeyConflictError)) {
		t.Fatalf("another request under the same key: %v, want a KeyConflictError", err)
	}
}

// TestPostCountsExactAcrossConnections: posts enqueued and moved on many connections at once
// (on PostgreSQL each counts in its own slot) add up to the exact counts.
func TestPostCountsExactAcrossConnections(t *testing.T) {
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "bob")
	other := storagetest.Reopen(t, db, nil)
	const n = 60
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := db
			if i%2 == 1 {
				h = other
			}
			if _, _, err := h.Enqueue(context.Background(), storage.NewPost{AccountID: acct.ID, Door: "cli", Text: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// One at a time (one in flight per account), from alternating handles: lease and complete.
	for i := 0; i < 10; i++ {
		h := db
		if i%2 == 1 {
			h = other
		}
		ps, err := h.Lease(context.Background(), 1, time.Minute)
		if err != nil || len(ps) != 1 {
			t.Fatalf("lease %d: %v %v", i, ps, err)
		}
		if err := h.Complete(context.Background(), storage.LeaseOf(ps[0]), "m", "https://threads.net/p"); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := db.PostCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range counts {
		got[c.Door+"/"+c.State] = c.N
	}
	want := map[string]int{"cli/queued": n - 10, "cli/posted": 10}
	if len(got) != len(want) || got["cli/queued"] != want["cli/queued"] || got["cli/posted"] != want["cli/posted"] {
		t.Fatalf("counts %v, want %v", got, want)
	}
}
