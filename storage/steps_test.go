package storage_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestAdvanceIsFencedAndAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	a := storagetest.Account(t, db, "steps")
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v %d", err, len(leased))
	}
	l := storage.LeaseOf(leased[0])
	stale := storage.Lease{ID: l.ID, Attempt: l.Attempt - 1}
	ev := storage.OutboxEvent{Key: p.ID + ":posted", Door: "slack", Payload: []byte(`{}`)}
	if err := db.Advance(ctx, stale, storage.Step{Complete: &storage.Completion{MediaID: "m"}}); !errors.Is(err, storage.ErrLeaseLost) {
		t.Fatalf("stale lease: %v", err)
	}
	// A stale step writes nothing, whichever way it would have ended.
	for _, end := range []storage.Step{
		{Complete: &storage.Completion{MediaID: "stale"}},
		{Retry: &storage.RetryAt{Next: time.Now(), Reason: "stale"}},
		{Fail: "stale"},
		{}, // stays in flight
	} {
		end.Parts = []storage.Part{{Part: 0, ContainerID: "stale-container"}}
		end.Quota = []storage.QuotaUse{{AccountID: a.ID, Kind: storage.QuotaPosts, At: time.Now(), PostID: p.ID}}
		end.Events = []storage.OutboxEvent{{Key: p.ID + ":stale", Door: "slack", Payload: []byte(`{}`)}}
		if err := db.Advance(ctx, stale, end); !errors.Is(err, storage.ErrLeaseLost) {
			t.Fatalf("stale step %+v: %v", end, err)
		}
	}
	if parts, _, err := db.Progress(ctx, p.ID); err != nil || len(parts) != 0 {
		t.Fatalf("stale steps left parts %+v (%v)", parts, err)
	}
	if n, _, _ := db.QuotaWindow(ctx, a.ID, storage.QuotaPosts, time.Now().Add(-time.Hour)); n != 0 {
		t.Fatalf("stale steps left %d quota uses", n)
	}
	if due, _ := db.DueOutbox(ctx, time.Now().Add(time.Second), 10); len(due) != 0 {
		t.Fatalf("stale steps left %d results to deliver", len(due))
	}
	step := storage.Step{
		Parts:    []storage.Part{{Part: 0, ContainerID: "c1", MediaID: "m1", PublishedAt: time.Now()}},
		Quota:    []storage.QuotaUse{{AccountID: a.ID, Kind: storage.QuotaPosts, At: time.Now(), PostID: p.ID}},
		Events:   []storage.OutboxEvent{ev, ev}, // deduplicated
		Complete: &storage.Completion{MediaID: "m1", Permalink: "https://threads.net/p/1"},
	}
	if err := db.Advance(ctx, l, step); err != nil {
		t.Fatal(err)
	}
	if err := db.Advance(ctx, l, step); !errors.Is(err, storage.ErrLeaseLost) {
		t.Fatalf("advance after completion: %v", err)
	}
	got, _ := db.Get(ctx, p.ID)
	if got.State != storage.StatePosted || got.MediaID != "m1" {
		t.Fatalf("post %+v", got)
	}
	parts, _, err := db.Progress(ctx, p.ID)
	if err != nil || len(parts) != 1 || parts[0].ContainerID != "c1" || !parts[0].Published() {
		t.Fatalf("parts %+v %v", parts, err)
	}
	if taken, _ := db.MediaIDTaken(ctx, "m1"); !taken {
		t.Error("m1 not taken")
	}
	n, oldest, err := db.QuotaWindow(ctx, a.ID, storage.QuotaPosts, time.Now().Add(-time.Hour))
	if err != nil || n != 1 || oldest.IsZero() {
		t.Fatalf("quota window %d %v %v", n, oldest, err)
	}
	due, err := db.DueOutbox(ctx, time.Now().Add(time.Second), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("outbox %d %v", len(due), err)
	}
	if err := db.OutboxDelivered(ctx, due[0].ID); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueOutbox(ctx, time.Now().Add(time.Second), 10); len(due) != 0 {
		t.Errorf("delivered event still due")
	}
}

func TestLeaseSkipsAccountsThatNeedReconnecting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	a := storagetest.Account(t, db, "parked")
	if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	changed, err := db.MarkNeedsReconnect(ctx, a.ID, nil, []storage.OutboxEvent{{Key: "k", Door: "", Payload: []byte(`{}`)}})
	if err != nil || !changed {
		t.Fatalf("mark: %v %v", changed, err)
	}
	if changed, _ := db.MarkNeedsReconnect(ctx, a.ID, nil, nil); changed {
		t.Error("marked twice")
	}
	if got, err := db.Lease(ctx, 5, time.Minute); err != nil || len(got) != 0 {
		t.Fatalf("leased %d posts of a parked account (%v)", len(got), err)
	}
	if _, ok, err := db.NextDue(ctx); err != nil || ok {
		t.Errorf("a parked account's post counts as due (%v)", err)
	}
	if err := db.SetAccountStatus(ctx, a.ID, storage.AccountActive); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.NextDue(ctx); err != nil || !ok {
		t.Errorf("after reconnecting, its post is not due (%v)", err)
	}
	if got, err := db.Lease(ctx, 5, time.Minute); err != nil || len(got) != 1 {
		t.Fatalf("after reconnecting leased %d (%v)", len(got), err)
	}
}

// TestProgress: one read gives a run what it starts from, whatever the post has recorded so
// far: nothing, parts only, bookkeeping only, or both (parts in order, a carousel's children
// whole), and never another post's.
func TestProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	a := storagetest.Account(t, db, "progress")
	at := time.UnixMilli(1_780_000_000_000).UTC() // as storage reads times back
	state := storage.PublishState{Failures: 2, FirstFailureAt: at, DelayedUntil: at.Add(time.Hour), DelayedKind: storage.QuotaReplies}
	carousel := storage.Part{Part: 0, ContainerID: "car", Children: []string{"k1", "k2"}, ContainerAt: at, MediaID: "m0",
		Permalink: "https://www.threads.com/@progress/post/m0", PublishedAt: at.Add(time.Minute)}
	reply := storage.Part{Part: 1, ContainerID: "c1", ContainerAt: at, NotReady: 3, Recreates: 1}
	for _, c := range []struct {
		name  string
		step  storage.Step
		parts []storage.Part
		state storage.PublishState
	}{
		{name: "nothing yet"},
		{name: "state only", step: storage.Step{State: &state}, state: state},
		{name: "parts only", step: storage.Step{Parts: []storage.Part{reply, carousel}}, parts: []storage.Part{carousel, reply}},
		{name: "both", step: storage.Step{Parts: []storage.Part{carousel, reply}, State: &state}, parts: []storage.Part{carousel, reply}, state: state},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: c.name})
			if err != nil {
				t.Fatal(err)
			}
			leased, err := db.Lease(ctx, 1, time.Minute)
			if err != nil || len(leased) != 1 || leased[0].ID != p.ID {
				t.Fatalf("lease: %v %v", leased, err)
			}
			// The step leaves the post in flight; the next case's lease needs the account idle.
			c.step.Retry = &storage.RetryAt{Next: time.Now().Add(time.Hour), Reason: "test"}
			if err := db.Advance(ctx, storage.LeaseOf(leased[0]), c.step); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `UPDATE posts SET state = 'cancelled' WHERE id = ?`, p.ID); err != nil {
				t.Fatal(err)
			}
			parts, st, err := db.Progress(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.parts {
				c.parts[i].PostID = p.ID
			}
			if !reflect.DeepEqual(parts, c.parts) || !reflect.DeepEqual(st, c.state) {
				t.Fatalf("progress:\n parts %#v\n state %#v\nwant\n parts %#v\n state %#v", parts, st, c.parts, c.state)
			}
		})
	}
}
