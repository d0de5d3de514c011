package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestReplicasDeletingAtOnceStopAtTheQuota: two replicas (two database handles, two
// publishers, one Threads) delete more posts of one account at once than its deletion quota
// allows: exactly the quota succeeds, the rest are refused with ErrQuotaExceeded, and Threads
// saw exactly that many deletions. On both dialects.
func TestReplicasDeletingAtOnceStopAtTheQuota(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		const limit, posts = 4, 12
		limits := func(o *publisher.Options) { o.Limits.Deletes = limit }
		one := publishertest.New(t, publishertest.Options{})
		limits(&one.Opts)
		one.Pub = publisher.New(one.Opts)
		two := publishertest.New(t, publishertest.Options{DB: storagetest.Reopen(t, one.DB, nil), Server: one.Sim})
		limits(&two.Opts)
		two.Pub = publisher.New(two.Opts)
		a := one.Account("dora")
		var ids []string
		for i := range posts {
			ids = append(ids, one.Enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprint("post ", i)}).ID)
		}
		one.Finish(ids...)

		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			deleted int
		)
		start := make(chan struct{})
		for i, id := range ids {
			pub := []*publisher.Publisher{one.Pub, two.Pub}[i%2]
			wg.Go(func() {
				<-start
				err := pub.Delete(context.Background(), id)
				switch {
				case err == nil:
					mu.Lock()
					deleted++
					mu.Unlock()
				case !errors.Is(err, publisher.ErrQuotaExceeded):
					t.Errorf("delete %s: %v, want success or ErrQuotaExceeded", id, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if deleted != limit {
			t.Fatalf("%d deletions succeeded, want the quota of %d", deleted, limit)
		}
		atThreads := 0
		for _, p := range one.Sim.Ledger() {
			if p.Deleted {
				atThreads++
			}
		}
		if atThreads != limit {
			t.Fatalf("Threads deleted %d posts, want %d", atThreads, limit)
		}
	})
}

// TestReplicasDeletingOnePostDeleteItOnce: two replicas asked to delete the same posts at the
// same moment delete each once: one request per post succeeds, the other is told that the
// post is being deleted (or, once done, that it was), and Threads gets one DELETE per post,
// each counted once in the local ledger. On both dialects.
func TestReplicasDeletingOnePostDeleteItOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		one := publishertest.New(t, publishertest.Options{})
		two := publishertest.New(t, publishertest.Options{DB: storagetest.Reopen(t, one.DB, nil), Server: one.Sim})
		a := one.Account("twice")
		var ids []string
		for i := range 8 {
			ids = append(ids, one.Enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprint("post ", i)}).ID)
		}
		one.Finish(ids...)
		ctx := context.Background()
		for _, id := range ids {
			start := make(chan struct{})
			errs := make(chan error, 2)
			for _, p := range []*publisher.Publisher{one.Pub, two.Pub} {
				go func() { <-start; errs <- p.Delete(ctx, id) }()
			}
			close(start)
			succeeded := 0
			for range 2 {
				switch err := <-errs; {
				case err == nil:
					succeeded++
				case !errors.Is(err, publisher.ErrDeleteInProgress) && !errors.Is(err, publisher.ErrAlreadyDeleted):
					t.Errorf("delete %s: %v, want success, ErrDeleteInProgress or ErrAlreadyDeleted", id, err)
				}
			}
			if succeeded != 1 {
				t.Errorf("delete %s: %d requests succeeded, want 1", id, succeeded)
			}
		}
		local, _, err := one.DB.QuotaWindow(ctx, a.ID, storage.QuotaDeletes, time.Now().Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		calls := one.Sim.CallCount(threadstest.EndpointDelete)
		if n := deletedOnThreads(one.Sim); n != len(ids) || local != len(ids) || calls != len(ids) {
			t.Errorf("Threads deleted %d posts in %d DELETE calls, the local ledger counts %d; want %d each",
				n, calls, local, len(ids))
		}
	})
}

// heldDeletes is the Threads client with its first DELETE held back: entered is closed when
// it arrives, and it goes on when release is closed.
type heldDeletes struct {
	publisher.API
	once             sync.Once
	entered, release chan struct{}
}

func (h *heldDeletes) Delete(ctx context.Context, token, mediaID string) error {
	h.once.Do(func() {
		close(h.entered)
		<-h.release
	})
	return h.API.Delete(ctx, token, mediaID)
}

// TestDeleteWhileAnotherReplicaDeletes: while one replica's deletion of a post is under way,
// a request on another replica is answered at once that the post is being deleted, with when
// to try again, and sends Threads nothing; once the first is done, the post reads deleted and
// the second request is told so. On both dialects.
func TestDeleteWhileAnotherReplicaDeletes(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		one := publishertest.New(t, publishertest.Options{})
		hold := &heldDeletes{API: one.Opts.API, entered: make(chan struct{}), release: make(chan struct{})}
		one.Opts.API = hold
		one.Pub = publisher.New(one.Opts)
		two := publishertest.New(t, publishertest.Options{DB: storagetest.Reopen(t, one.DB, nil), Server: one.Sim})
		a := one.Account("busy")
		p := one.Enqueue(storage.NewPost{AccountID: a.ID, Text: "deleted once"})
		one.Finish(p.ID)

		ctx := context.Background()
		first := make(chan error, 1)
		go func() { first <- one.Pub.Delete(ctx, p.ID) }()
		<-hold.entered
		err := two.Pub.Delete(ctx, p.ID)
		var de *publisher.DeleteError
		if !errors.Is(err, publisher.ErrDeleteInProgress) || !errors.As(err, &de) || !de.Until.After(time.Now()) ||
			!strings.Contains(de.UserMessage(), "being deleted") {
			t.Errorf("a second deletion meanwhile: %v, want ErrDeleteInProgress saying when to try again", err)
		}
		if n := one.Sim.CallCount(threadstest.EndpointDelete); n != 0 {
			t.Errorf("Threads got %d DELETE calls while the first was held", n)
		}
		close(hold.release)
		if err := <-first; err != nil {
			t.Fatalf("the first deletion: %v", err)
		}
		if err := two.Pub.Delete(ctx, p.ID); !errors.Is(err, publisher.ErrAlreadyDeleted) {
			t.Errorf("the second request again: %v, want ErrAlreadyDeleted", err)
		}
		if n := one.Sim.CallCount(threadstest.EndpointDelete); n != 1 {
			t.Errorf("%d DELETE calls, want 1", n)
		}
	})
}

// dyingStore is a store whose process dies once a deletion has called Threads: from then on
// nothing it would record is written.
type dyingStore struct {
	publisher.Store
	dead atomic.Bool
}

func (d *dyingStore) SettleDeletion(ctx context.Context, c storage.DeletionClaim, s storage.DeletionStep) error {
	d.dead.Store(true)
	return errors.New("the process died")
}

// TestCrashedDeletionIsFinishedByAnother: a replica dies while deleting a chain, after Threads
// deleted its last part and before anything was recorded. Its claim holds the post for a
// while (another request is told it is being deleted), then lapses by the database's clock,
// and another replica deletes the rest: every part is gone, the use the dead replica reserved
// is the one its part counts (the ledger counts three deletions for three), and the post's
// door is told once. On both dialects.
func TestCrashedDeletionIsFinishedByAnother(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		clock := threadstest.NewManualClock(time.Time{})
		db := storagetest.Open(t, clock.Now)
		dying := &dyingStore{Store: db}
		one := publishertest.New(t, publishertest.Options{DB: db, Clock: clock, Publisher: publisher.Options{Store: dying}})
		note := &recorder{}
		two := publishertest.New(t, publishertest.Options{DB: storagetest.Reopen(t, db, clock.Now), Server: one.Sim, Clock: clock,
			Publisher: publisher.Options{Notifiers: map[string]publisher.Notifier{"": note}}})
		a := one.Account("crash")
		chain := one.Enqueue(storage.NewPost{AccountID: a.ID, Text: strings.Repeat("Word ", 250), Thread: true})
		one.Finish(chain.ID)
		if n := len(one.Sim.Ledger()); n != 3 {
			t.Fatalf("published %d parts, want 3", n)
		}

		ctx := context.Background()
		if err := one.Pub.Delete(ctx, chain.ID); err == nil || !dying.dead.Load() {
			t.Fatalf("the dying replica's deletion: %v", err)
		}
		if n := deletedOnThreads(one.Sim); n != 1 {
			t.Fatalf("%d parts deleted before the replica died, want 1", n)
		}
		err := two.Pub.Delete(ctx, chain.ID)
		var de *publisher.DeleteError
		if !errors.Is(err, publisher.ErrDeleteInProgress) || !errors.As(err, &de) || !de.Until.After(clock.Now()) {
			t.Fatalf("deleting while the dead replica's claim holds: %v, want ErrDeleteInProgress", err)
		}
		clock.Set(de.Until.Add(time.Millisecond))
		if err := two.Pub.Delete(ctx, chain.ID); err != nil {
			t.Fatalf("deleting once the claim lapsed: %v", err)
		}
		local, _, err := db.QuotaWindow(ctx, a.ID, storage.QuotaDeletes, clock.Now().Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n := deletedOnThreads(one.Sim); n != 3 || local != 3 {
			t.Errorf("Threads deleted %d parts, the local ledger counts %d; want 3 each", n, local)
		}
		if got, _ := db.Get(ctx, chain.ID); got.Status() != storage.StatusDeleted {
			t.Errorf("the chain reads %s", got.Status())
		}
		if err := two.Pub.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		if n := note.count(publisher.EventDeleted); n != 1 {
			t.Errorf("the door was told %d times that the chain is deleted, want once", n)
		}
	})
}
