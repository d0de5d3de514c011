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
	}, store: func(db *storage.DB) publisher.Store { store.Store = db; return store }})
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

// gatedStore holds NextDue's answer, which the drain asks for after its last look at whether
// it was woken, until the test opens the gate.
type gatedStore struct {
	publisher.Store
	arrived chan struct{} // one value per NextDue call, once it has read the queue
	gate    chan struct{} // closed to let the answers through
}

func (s *gatedStore) NextDue(ctx context.Context) (time.Time, bool, error) {
	at, ok, err := s.Store.NextDue(ctx)
	select {
	case s.arrived <- struct{}{}:
	default: // the test waits for the first
	}
	<-s.gate
	return at, ok, err
}

// TestWakeDuringTheDrainsLastStepIsNotLost: a Wake that comes while the drain job is past its
// last look at being woken (arming its next wake) finds the job still running, and gocron
// drops the run it asks for. The post it was for must still go out long before the next poll.
func TestWakeDuringTheDrainsLastStepIsNotLost(t *testing.T) {
	t.Parallel()
	store := &gatedStore{arrived: make(chan struct{}, 1), gate: make(chan struct{})}
	e := newEnv(t, envOptions{tweak: func(o *publisher.Options) { o.PollInterval = time.Hour },
		store: func(db *storage.DB) publisher.Store { store.Store = db; return store }})
	a := e.account("woken-late")
	e.startJobs()
	<-store.arrived // the start-up drain found nothing, and nothing due, and is about to return
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "queued while the drain was finishing"})
	e.pub.Wake()
	close(store.gate)
	e.kit.Signals.Stepped.Until(t, "the post published without waiting for the hourly poll", func() bool {
		return e.get(p.ID).State == storage.StatePosted
	})
}
