package publisher_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// countingStore counts the leases the publisher asks for.
type countingStore struct {
	publisher.Store
	leases atomic.Int64
}

func (s *countingStore) Lease(ctx context.Context, n int, ttl time.Duration, held ...string) ([]storage.Post, error) {
	s.leases.Add(1)
	return s.Store.Lease(ctx, n, ttl, held...)
}

// TestIdleDrainWaitsForTheAwaitingPost: while an account's first post waits for Threads to
// process its container, its second post is due but cannot be leased. The idle drain must
// sleep until the first post's status check, not wake again and again for the second.
func TestIdleDrainWaitsForTheAwaitingPost(t *testing.T) {
	t.Parallel()
	store := &countingStore{}
	e := newEnv(t, envOptions{tweak: func(o *publisher.Options) {
		o.PollInterval = time.Hour
		o.Delays.TextCheck = 300 * time.Millisecond
	}})
	store.Store = e.db
	e.opts.Store = store
	e.pub = publisher.New(e.opts)
	a := e.account("patient")
	first := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "first"})
	second := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "second"})
	e.startJobs()
	e.kit.Signals.Stepped.Until(t, "both posts published", func() bool {
		return e.get(first.ID).State == storage.StatePosted && e.get(second.ID).State == storage.StatePosted
	})
	// Each post is leased twice (create, then check and publish), in a handful of drains (11
	// here). Woken for the second post while the first awaited, the drain ran again and again
	// and the two posts were not published within 30 s.
	if n := store.leases.Load(); n > 20 {
		t.Errorf("the publisher leased %d times to publish two posts: the idle drain did not wait for the due time", n)
	}
}
