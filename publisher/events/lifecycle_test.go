package events_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/storage"
)

// doorSpy is a door's notifier that records what it is told.
type doorSpy struct{ got []publisher.EventKind }

func (d *doorSpy) Notify(_ context.Context, e publisher.Event) error {
	d.got = append(d.got, e.Kind)
	return nil
}

type spyDoors struct{ n *doorSpy }

func (s spyDoors) Notifier(string) publisher.Notifier { return s.n }

// pump hands the due outbox events to the Doors wrapper, as the publisher's delivery does.
func (k *kit) pump(t *testing.T, inner publisher.Doors) {
	t.Helper()
	ctx := context.Background()
	items, err := k.db.DueOutbox(ctx, k.clock.Now(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		var e publisher.Event
		if err := json.Unmarshal(it.Payload, &e); err != nil {
			t.Fatal(err)
		}
		e.ID = it.ID
		if err := events.Doors(inner, k.fan).Notifier(it.Door).Notify(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := k.db.OutboxDelivered(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func (k *kit) account(t *testing.T) storage.Account {
	t.Helper()
	ctx := context.Background()
	owner, err := k.db.UpsertIdentity(ctx, storage.Identity{Door: "telegram", User: "1"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.db.LinkAccount(ctx, storage.Account{ThreadsUserID: "17841", Username: "brand",
		TokenSealed: k.keys.Seal("tok", "17841"), TokenExpiresAt: k.clock.Now().Add(time.Hour)}, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A post queued, cancelled or held for approval reaches the subscriptions that want it, signed;
// the door's notifier is never told of post.queued or post.cancelled.
func TestLifecycleEventsDelivered(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	acct := k.account(t)
	ctx := context.Background()

	// Nobody subscribes yet: enqueueing writes no outbox row.
	if _, _, err := k.db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "telegram", Text: "before"}); err != nil {
		t.Fatal(err)
	}
	if items, err := k.db.DueOutbox(ctx, k.clock.Now(), 10); err != nil || len(items) != 0 {
		t.Fatalf("outbox without subscriptions: %d rows, %v", len(items), err)
	}

	all := newReceiver(t, k.clock, nil)
	k.add(t, all, events.Spec{Events: []string{"post.queued", "post.cancelled", "post.pending_approval"}})
	p, _, err := k.db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "telegram", Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.db.Cancel(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	held, _, err := k.db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "telegram", Text: "held",
		Approval: storage.ApprovalHold{Author: "telegram:2", ExpiresAt: k.clock.Now().Add(time.Hour), Notice: publisher.PendingApprovalEvent}})
	if err != nil {
		t.Fatal(err)
	}
	// An approval decision reads as what it did: approved is queued, rejected is cancelled.
	rejected, _, err := k.db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "telegram", Text: "to be rejected",
		Approval: storage.ApprovalHold{Author: "telegram:2", ExpiresAt: k.clock.Now().Add(time.Hour), Notice: publisher.PendingApprovalEvent}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		id      string
		outcome string
	}{{held.ID, storage.DecisionApproved}, {rejected.ID, storage.DecisionRejected}} {
		dec := storage.Decision{Outcome: d.outcome, By: "telegram:1"}
		dec.Events = publisher.DecisionEvents(dec, "the owner")
		if _, err := k.db.Decide(ctx, d.id, dec); err != nil {
			t.Fatal(err)
		}
	}
	spy := &doorSpy{}
	k.pump(t, spyDoors{spy})
	k.deliverer(nil, nil).Drain(ctx)

	got := all.delivered()
	want := []struct{ typ, post string }{{"post.queued", p.ID}, {"post.cancelled", p.ID}, {"post.pending_approval", held.ID},
		{"post.pending_approval", rejected.ID}, {"post.queued", held.ID}, {"post.cancelled", rejected.ID}}
	if len(got) != len(want) {
		t.Fatalf("delivered %+v, want %v", got, want)
	}
	for i, w := range want {
		if got[i].Type != w.typ || got[i].Data.PostID != w.post || got[i].Data.AccountID != acct.ID {
			t.Fatalf("delivery %d: %+v, want %v", i, got[i], w)
		}
	}
	for _, kind := range spy.got {
		if kind == publisher.EventQueued || kind == publisher.EventCancelled {
			t.Fatalf("the door was told %s: %v", kind, spy.got)
		}
	}
}

// Linking an account sends account.connected to the subscriptions that want it, signed, and
// tells no door.
func TestAccountConnectedDelivered(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	r := newReceiver(t, k.clock, nil)
	other := newReceiver(t, k.clock, nil)
	k.add(t, r, events.Spec{Events: []string{"account.connected"}})
	k.add(t, other, events.Spec{Events: []string{"post.published"}})
	acct := k.account(t)
	spy := &doorSpy{}
	k.pump(t, spyDoors{spy})
	k.deliverer(nil, nil).Drain(ctx)

	got := r.delivered()
	if len(got) != 1 || got[0].Type != "account.connected" || got[0].Data.AccountID != acct.ID || got[0].Data.Text != "@brand" {
		t.Fatalf("delivered %+v, want one account.connected for account %d", got, acct.ID)
	}
	if got := other.delivered(); len(got) != 0 {
		t.Fatalf("a post.published subscription got %+v", got)
	}
	if len(spy.got) != 0 {
		t.Fatalf("a door was told %v", spy.got)
	}
}
