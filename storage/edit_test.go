package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func ptr[T any](v T) *T { return &v }

func TestEditQueuedChangesTextMediaAndTime(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	p := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "old",
		Media: []storage.Media{{Kind: "image", URL: "https://x.example/a.png"}}})
	at := clock.Now().Add(time.Hour).Truncate(time.Millisecond)
	got, err := db.EditQueued(context.Background(), p.ID, storage.PostEdit{Text: ptr("new"), ScheduledAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "new" || !got.ScheduledAt.Equal(at) || !got.NextAttemptAt.Equal(at) || len(got.Media) != 1 {
		t.Fatalf("edit: %+v", got)
	}
	got, err = db.EditQueued(context.Background(), p.ID, storage.PostEdit{Media: &[]storage.Media{}})
	if err != nil || len(got.Media) != 0 || got.Text != "new" {
		t.Fatalf("removing media: %+v %v", got, err)
	}
	if _, err := db.EditQueued(context.Background(), "nosuch1", storage.PostEdit{Text: ptr("x")}); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

// TestEditRefusedOncePublishing: a leased post, a cancelled one and a queued one with a
// container already made from its old text are all refused, and left as they were.
func TestEditRefusedOncePublishing(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	b := storagetest.Account(t, db, "bob")
	leased := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "leased"})
	l := lease(t, db, 1)[0]
	if l.ID != leased.ID {
		t.Fatalf("leased %s", l.ID)
	}
	_, err := db.EditQueued(ctx, leased.ID, storage.PostEdit{Text: ptr("changed")})
	var se *storage.StateError
	if !errors.As(err, &se) || se.State != storage.StatePublishing || !strings.Contains(err.Error(), "already publishing") {
		t.Fatalf("edit of a leased post: %v", err)
	}
	// Hand a container to Threads, then retry: queued again, but not editable.
	err = db.Advance(ctx, storage.LeaseOf(l), storage.Step{Parts: []storage.Part{{Part: 0, ContainerID: "c1", ContainerAt: clock.Now()}},
		Retry: &storage.RetryAt{Next: clock.Now(), Reason: "transient"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EditQueued(ctx, leased.ID, storage.PostEdit{Text: ptr("changed")}); !errors.As(err, &se) || se.State != storage.StatePublishing {
		t.Fatalf("edit of a retried post with a container: %v", err)
	}
	cancelled := enqueue(t, db, storage.NewPost{AccountID: b.ID, Door: "cli", Text: "c"})
	if _, err := db.Cancel(ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EditQueued(ctx, cancelled.ID, storage.PostEdit{Text: ptr("changed")}); !errors.As(err, &se) || se.State != storage.StateCancelled {
		t.Fatalf("edit of a cancelled post: %v", err)
	}
	for _, id := range []string{leased.ID, cancelled.ID} {
		if p, _ := db.Get(ctx, id); p.Text == "changed" {
			t.Fatalf("refused edit changed %s", id)
		}
	}
}

// TestEditRacesLease runs an edit and a real lease at the same instant, many times: the
// leased post carries the edited text exactly when the edit reported success, and the stored
// text is the leased one. Never the old text under a successful edit, never a change after the
// lease.
func TestEditRacesLease(t *testing.T) {
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	var won, lost int
	for i := range 40 {
		p := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: fmt.Sprint("old ", i)})
		var (
			wg      sync.WaitGroup
			leased  []storage.Post
			leaseEr error
			editErr error
			start   = make(chan struct{})
		)
		wg.Go(func() {
			<-start
			leased, leaseEr = db.Lease(ctx, 1, time.Minute)
		})
		wg.Go(func() {
			<-start
			_, editErr = db.EditQueued(ctx, p.ID, storage.PostEdit{Text: ptr(fmt.Sprint("new ", i))})
		})
		close(start)
		wg.Wait()
		if leaseEr != nil || len(leased) != 1 || leased[0].ID != p.ID {
			t.Fatalf("round %d: lease %v %v", i, leased, leaseEr)
		}
		var se *storage.StateError
		switch {
		case editErr == nil:
			won++
			if leased[0].Text != fmt.Sprint("new ", i) {
				t.Fatalf("round %d: the edit succeeded but the old text was leased", i)
			}
		case errors.As(editErr, &se) && se.State == storage.StatePublishing:
			lost++
			if leased[0].Text != fmt.Sprint("old ", i) {
				t.Fatalf("round %d: the edit was refused but the leased text changed", i)
			}
		default:
			t.Fatalf("round %d: edit: %v", i, editErr)
		}
		stored, err := db.Get(ctx, p.ID)
		if err != nil || stored.Text != leased[0].Text {
			t.Fatalf("round %d: stored %q, leased %q (%v)", i, stored.Text, leased[0].Text, err)
		}
		if err := db.Complete(ctx, storage.LeaseOf(leased[0]), fmt.Sprint("m", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("edits first: %d, leases first: %d", won, lost)
}
