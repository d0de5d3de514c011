package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func enqueue(t *testing.T, db *storage.DB, np storage.NewPost) storage.Post {
	t.Helper()
	p, _, err := db.Enqueue(context.Background(), np)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return p
}

func TestEnqueueGetRoundTrip(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	acct := storagetest.Account(t, db, "alice")
	at := clock.Now().Add(2 * time.Hour)
	in := storage.NewPost{
		AccountID: acct.ID, Door: "slack", OriginRef: []byte(`{"channel":"C1"}`),
		Text: "hello 👋", Media: []storage.Media{{Kind: "image", URL: "https://x/1.jpg", AltText: "a cat"}},
		ReplyToID: "111", QuoteID: "222", LinkAttachment: "https://e.com", TopicTag: "Go", Thread: true,
		ScheduledAt: at, IdempotencyKey: "k1", RequestID: "req-1",
	}
	p := enqueue(t, db, in)
	if len(p.ID) != 7 || p.ID[0] != 'p' {
		t.Errorf("id %q: want p and six characters", p.ID)
	}
	got, err := db.Get(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != storage.StateQueued || got.Text != in.Text || string(got.OriginRef) != string(in.OriginRef) ||
		len(got.Media) != 1 || got.Media[0] != in.Media[0] || got.ReplyToID != "111" || got.QuoteID != "222" ||
		got.LinkAttachment != in.LinkAttachment || got.TopicTag != "Go" || !got.Thread ||
		!got.ScheduledAt.Equal(at) || !got.NextAttemptAt.Equal(at) || got.IdempotencyKey != "k1" || got.RequestID != "req-1" {
		t.Errorf("round trip mismatch:\n got %+v\nwant %+v", got, in)
	}
	if _, err := db.Get(context.Background(), "pzzzzzz"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("get unknown: %v, want ErrNotFound", err)
	}
}

func TestEnqueueIdempotencyPerDoor(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	first := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "webhook", Text: "one", IdempotencyKey: "deploy-881"})

	again, existed, err := db.Enqueue(context.Background(), storage.NewPost{AccountID: acct.ID, Door: "webhook", Text: "two", IdempotencyKey: "deploy-881"})
	if err != nil || !existed || again.ID != first.ID || again.Text != "one" {
		t.Fatalf("same key, same door: got %s existed=%v err=%v; want %s existed", again.ID, existed, err, first.ID)
	}
	other, existed, err := db.Enqueue(context.Background(), storage.NewPost{AccountID: acct.ID, Door: "slack", Text: "three", IdempotencyKey: "deploy-881"})
	if err != nil || existed || other.ID == first.ID {
		t.Fatalf("same key, other door must be a new post: got %s existed=%v err=%v", other.ID, existed, err)
	}
	noKey1 := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "slack", Text: "x"})
	noKey2 := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "slack", Text: "x"})
	if noKey1.ID == noKey2.ID {
		t.Fatal("posts without a key must never be merged")
	}
}

func TestEnqueueUnknownAccountFailsAlone(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := acct.ID
			if i%4 == 0 {
				id = 999 // no such account: the foreign key refuses it
			}
			_, _, errs[i] = db.Enqueue(context.Background(), storage.NewPost{AccountID: id, Door: "cli", Text: "t"})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%4 == 0) != (err != nil) {
			t.Errorf("enqueue %d: err=%v; only bad-account enqueues may fail, and they must", i, err)
		}
	}
	posts, err := db.List(context.Background(), storage.ListFilter{Limit: 100})
	if err != nil || len(posts) != 30 {
		t.Fatalf("stored %d posts (err %v), want the 30 good ones", len(posts), err)
	}
}

func TestStateMachine(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")
	p := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "hi"})

	leased := lease(t, db, 10)
	if len(leased) != 1 || leased[0].ID != p.ID || leased[0].State != storage.StatePublishing || leased[0].Attempts != 1 {
		t.Fatalf("lease: %+v", leased)
	}
	l := storage.LeaseOf(leased[0])
	if err := db.SetContainer(ctx, l, "c-1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Retry(ctx, l, clock.Now().Add(time.Minute), "Threads answered 503; retrying"); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(ctx, p.ID)
	if got.State != storage.StateQueued || got.ContainerID != "c-1" || got.LastError == "" {
		t.Fatalf("after retry: %+v", got)
	}
	if n := len(lease(t, db, 10)); n != 0 {
		t.Fatalf("a post retried for later was leased early (%d)", n)
	}
	clock.Advance(time.Minute)
	leased = lease(t, db, 10)
	if len(leased) != 1 || leased[0].Attempts != 2 {
		t.Fatalf("second lease: %+v", leased)
	}
	// The first attempt's token no longer holds.
	if err := db.Complete(ctx, l, "m", "x"); !errors.Is(err, storage.ErrLeaseLost) {
		t.Fatalf("complete with a stale lease: %v, want ErrLeaseLost", err)
	}
	if err := db.Complete(ctx, storage.LeaseOf(leased[0]), "m-9", "https://www.threads.net/@alice/post/abc"); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Get(ctx, p.ID)
	if got.State != storage.StatePosted || got.MediaID != "m-9" || got.Permalink == "" || got.LastError != "" {
		t.Fatalf("after complete: %+v", got)
	}

	q := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "doomed"})
	leased = lease(t, db, 10)
	if err := db.Fail(ctx, storage.LeaseOf(leased[0]), "Threads rejected the text"); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Get(ctx, q.ID)
	if got.State != storage.StateFailed || got.LastError != "Threads rejected the text" {
		t.Fatalf("after fail: %+v", got)
	}
}

func TestCancelOnlyQueued(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")
	scheduled := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "later", ScheduledAt: clock.Now().Add(time.Hour)})
	inFlight := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "now"})
	lease(t, db, 1)

	got, err := db.Cancel(ctx, scheduled.ID)
	if err != nil || got.State != storage.StateCancelled {
		t.Fatalf("cancel scheduled: %+v %v", got, err)
	}
	var se *storage.StateError
	if _, err := db.Cancel(ctx, inFlight.ID); !errors.As(err, &se) || se.State != storage.StatePublishing {
		t.Fatalf("cancel publishing: %v, want a StateError saying publishing", err)
	}
	if _, err := db.Cancel(ctx, scheduled.ID); !errors.As(err, &se) || se.State != storage.StateCancelled {
		t.Fatalf("cancel twice: %v", err)
	}
	if _, err := db.Cancel(ctx, "pnone22"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("cancel unknown: %v", err)
	}
	if p, _ := db.Get(ctx, inFlight.ID); p.State != storage.StatePublishing {
		t.Fatalf("a refused cancel changed the post: %s", p.State)
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	a := storagetest.Account(t, db, "alice")
	b := storagetest.Account(t, db, "bob")
	for i := 0; i < 3; i++ {
		enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "a"})
		enqueue(t, db, storage.NewPost{AccountID: b.ID, Door: "telegram", Text: "b"})
	}
	c, _ := db.Cancel(context.Background(), enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "slack"}).ID)
	cases := []struct {
		name string
		f    storage.ListFilter
		want int
	}{
		{"all", storage.ListFilter{}, 7},
		{"account", storage.ListFilter{AccountID: a.ID}, 4},
		{"door", storage.ListFilter{Door: "telegram"}, 3},
		{"queued of alice", storage.ListFilter{AccountID: a.ID, States: []storage.State{storage.StateQueued}}, 3},
		{"cancelled", storage.ListFilter{States: []storage.State{storage.StateCancelled}}, 1},
		{"limit", storage.ListFilter{Limit: 2}, 2},
	}
	for _, tc := range cases {
		got, err := db.List(context.Background(), tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: %d posts (err %v), want %d", tc.name, len(got), err, tc.want)
		}
	}
	if got, _ := db.List(context.Background(), storage.ListFilter{Limit: 1}); got[0].ID != c.ID {
		t.Errorf("list is not newest first")
	}
}
