package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestLeaseKeepsAccountWhileItsContainerAwaits: a post requeued while its container is in
// flight (created, not published) is the only post its account leases, once it is due, until
// it is published, failed or cancelled; a post requeued with no container holds nothing.
func TestLeaseKeepsAccountWhileItsContainerAwaits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	alice := storagetest.Account(t, db, "alice")
	bob := storagetest.Account(t, db, "bob")
	var posts []storage.Post
	for _, text := range []string{"first", "second", "third", "fourth"} {
		posts = append(posts, enqueue(t, db, storage.NewPost{AccountID: alice.ID, Door: "cli", Text: text}))
		clock.Advance(time.Millisecond)
	}
	leaseOnly := func(when string, want ...string) storage.Post {
		t.Helper()
		got := lease(t, db, 10)
		var ids []string
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		if len(ids) != len(want) || len(want) == 1 && ids[0] != want[0] {
			t.Fatalf("%s: leased %v, want %v", when, ids, want)
		}
		if len(got) == 0 {
			return storage.Post{}
		}
		return got[0]
	}
	advance := func(p storage.Post, s storage.Step) {
		t.Helper()
		if err := db.Advance(ctx, storage.LeaseOf(p), s); err != nil {
			t.Fatal(err)
		}
	}
	requeue := func(p storage.Post, parts ...storage.Part) {
		advance(p, storage.Step{Parts: parts, Retry: &storage.RetryAt{Next: clock.Now().Add(2 * time.Second), Reason: "waiting"}})
	}

	first := leaseOnly("the queue's head", posts[0].ID)
	requeue(first, storage.Part{Part: 0, ContainerID: "c-first", ContainerAt: clock.Now()})
	leaseOnly("while the first post's container is processed")
	b := enqueue(t, db, storage.NewPost{AccountID: bob.ID, Door: "cli", Text: "bob"})
	leaseOnly("another account", b.ID)

	clock.Advance(2 * time.Second)
	first = leaseOnly("the awaiting post, once due", posts[0].ID)
	advance(first, storage.Step{
		Parts:    []storage.Part{{Part: 0, ContainerID: "c-first", MediaID: "m1", PublishedAt: clock.Now()}},
		Complete: &storage.Completion{MediaID: "m1", Permalink: "https://www.threads.net/@alice/post/1"},
	})

	// A retry before any container exists (a transient failure) holds nothing: the
	// account's next post may go while it waits.
	second := leaseOnly("after the first is published", posts[1].ID)
	requeue(second)
	third := leaseOnly("while the second waits with no container", posts[2].ID)

	// A carousel waiting for its item containers holds its account like a container.
	requeue(third, storage.Part{Part: 0, Children: []string{"i1", "i2"}, ContainerAt: clock.Now()})
	leaseOnly("while the carousel's items are processed")
	clock.Advance(2 * time.Second)
	third = leaseOnly("the carousel once due, before the older second post", posts[2].ID)
	advance(third, storage.Step{Parts: []storage.Part{{Part: 0, ContainerID: "c-third", Children: []string{"i1", "i2"},
		ContainerAt: clock.Now()}}, Retry: &storage.RetryAt{Next: clock.Now().Add(time.Hour), Reason: "waiting"}})

	// Cancelling the awaiting post frees its account.
	leaseOnly("while the carousel container is processed")
	if _, err := db.Cancel(ctx, posts[2].ID); err != nil {
		t.Fatal(err)
	}
	// (The fourth post has been due since it was queued, before the second's retry time.)
	leaseOnly("after the awaiting post was cancelled", posts[3].ID)
}

// TestLeaseFindsIdleAccountBehindAwaitingBacklog: an account whose container is in flight,
// with more queued posts than a lease reads in due order, does not hide another account's
// post queued after them all.
func TestLeaseFindsIdleAccountBehindAwaitingBacklog(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	busy := storagetest.Account(t, db, "backlog")
	idle := storagetest.Account(t, db, "idle")
	for range 300 {
		enqueue(t, db, storage.NewPost{AccountID: busy.ID, Door: "cli", Text: "x"})
	}
	first := lease(t, db, 1)
	if len(first) != 1 {
		t.Fatalf("leased %d posts, want the backlog's first", len(first))
	}
	if err := db.Advance(context.Background(), storage.LeaseOf(first[0]), storage.Step{
		Parts: []storage.Part{{Part: 0, ContainerID: "c1", ContainerAt: clock.Now()}},
		Retry: &storage.RetryAt{Next: clock.Now().Add(time.Minute), Reason: "waiting"},
	}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	late := enqueue(t, db, storage.NewPost{AccountID: idle.ID, Door: "cli", Text: "behind the backlog"})
	for _, n := range []int{1, 8} {
		got := lease(t, db, n)
		if len(got) != 1 || got[0].ID != late.ID {
			t.Fatalf("lease(%d): the idle account's post was not found behind 299 posts of an account awaiting its container: %+v", n, got)
		}
		if err := db.Retry(context.Background(), storage.LeaseOf(got[0]), clock.Now(), "again"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNextDueSkipsAccountsThatCannotLease: the drain, when it goes idle, wakes at NextDue. A
// post due behind its account's post in flight (on another replica) or awaiting its
// container cannot be leased, so it must not count, or the drain would wake at once, lease
// nothing, and wake again, until the account is free.
func TestNextDueSkipsAccountsThatCannotLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	start := clock.Now()
	awaiting := storagetest.Account(t, db, "awaiting")
	busy := storagetest.Account(t, db, "busy")
	later := storagetest.Account(t, db, "later")
	a1 := enqueue(t, db, storage.NewPost{AccountID: awaiting.ID, Door: "cli", Text: "a1"})
	enqueue(t, db, storage.NewPost{AccountID: awaiting.ID, Door: "cli", Text: "a2"})
	b1 := enqueue(t, db, storage.NewPost{AccountID: busy.ID, Door: "cli", Text: "b1"})
	enqueue(t, db, storage.NewPost{AccountID: busy.ID, Door: "cli", Text: "b2"})
	enqueue(t, db, storage.NewPost{AccountID: later.ID, Door: "cli", Text: "c1", ScheduledAt: start.Add(5 * time.Second)})

	leased := map[string]storage.Post{}
	for _, p := range lease(t, db, 10) {
		leased[p.ID] = p
	}
	if _, ok := leased[a1.ID]; !ok || len(leased) != 2 {
		t.Fatalf("leased %v, want a1 and b1", leased)
	}
	if err := db.Advance(ctx, storage.LeaseOf(leased[a1.ID]), storage.Step{
		Parts: []storage.Part{{Part: 0, ContainerID: "c-a1", ContainerAt: start}},
		Retry: &storage.RetryAt{Next: start.Add(2 * time.Second), Reason: "waiting"},
	}); err != nil {
		t.Fatal(err)
	}
	nextDue := func(when string, want time.Time) {
		t.Helper()
		got, ok, err := db.NextDue(ctx)
		if err != nil || !ok || !got.Equal(want) {
			t.Fatalf("%s: NextDue = %v %v %v, want %v", when, got, ok, err, want)
		}
	}
	// a2 and b2 have been due since they were queued, but their accounts cannot lease.
	nextDue("a1 awaiting its container, b1 in flight", start.Add(2*time.Second))
	if err := db.Complete(ctx, storage.LeaseOf(leased[b1.ID]), "m-b1", "https://www.threads.net/@busy/post/1"); err != nil {
		t.Fatal(err)
	}
	nextDue("b1 published", start)
}
