package publisher_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestApprovalFlowAgainstTheSimulator: a held post is never published nor counted while it
// waits; approved, it is published once; one nobody decides expires, is cancelled, and its
// author is told.
func TestApprovalFlowAgainstTheSimulator(t *testing.T) {
	clock := storagetest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s := publishertest.New(t, publishertest.Options{Clock: clock})
	ctx := context.Background()
	a := s.Account("acme")
	hold := storage.ApprovalHold{Author: "slack:T1:UBOB", ExpiresAt: clock.Now().Add(time.Hour), Notice: publisher.PendingApprovalEvent}
	ok := s.Enqueue(storage.NewPost{AccountID: a.ID, Door: "slack", OriginRef: []byte(`{"channel":"C1"}`), Text: "approve me", Approval: hold})
	late := s.Enqueue(storage.NewPost{AccountID: a.ID, Door: "slack", OriginRef: []byte(`{"channel":"C1"}`), Text: "nobody looks", Approval: hold})
	for range 3 {
		if err := s.Pub.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Sim.Ledger()); n != 0 {
		t.Fatalf("%d posts published while pending", n)
	}
	// The owner (door "") is told of each post that waits, in the enqueue's transaction.
	notices, err := s.DB.DueOutbox(ctx, clock.Now().Add(time.Minute), 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 2 || notices[0].Door != "" || !strings.Contains(string(notices[0].Payload), `"Kind":"pending_approval"`) {
		t.Fatalf("owner notices: %+v", notices)
	}
	if err := s.Pub.ExpireApprovals(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.DB.Get(ctx, late.ID); p.State != storage.StatePendingApproval {
		t.Fatalf("expired before its time: %s", p.State)
	}
	d := storage.Decision{Outcome: storage.DecisionApproved, By: "slack:T1:UALICE"}
	d.Events = publisher.DecisionEvents(d, "alice")
	if _, err := s.DB.Decide(ctx, ok.ID, d); err != nil {
		t.Fatal(err)
	}
	s.Finish(ok.ID)
	if n := len(s.Sim.Ledger()); n != 1 {
		t.Fatalf("%d posts published, want the approved one once", n)
	}
	clock.Advance(2 * time.Hour)
	if err := s.Pub.ExpireApprovals(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := s.DB.Get(ctx, late.ID)
	if err != nil || p.State != storage.StateCancelled || !strings.Contains(p.LastError, "expired") {
		t.Fatalf("after expiry: %+v %v", p, err)
	}
	if err := s.Pub.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Sim.Ledger()); n != 1 {
		t.Fatalf("%d posts published after expiry", n)
	}
	out, err := s.DB.DueOutbox(ctx, clock.Now().Add(time.Minute), 50)
	if err != nil {
		t.Fatal(err)
	}
	// (Finish delivered the approval's result already; the expiry's waits.)
	expired := 0
	for _, o := range out {
		if strings.Contains(string(o.Payload), `"Kind":"expired"`) && strings.Contains(string(o.Payload), late.ID) {
			expired++
		}
	}
	if expired != 1 {
		t.Fatalf("results: %d expired (of %d)", expired, len(out))
	}
}

// editAfterDue is the leader's store, with an edit committed on another replica right after
// expiry listed the requests that ran out.
type editAfterDue struct {
	*storage.DB
	edit func()
}

func (e *editAfterDue) DueApprovals(ctx context.Context, now time.Time, limit int) ([]storage.DueApproval, error) {
	due, err := e.DB.DueApprovals(ctx, now, limit)
	e.edit()
	return due, err
}

// TestExpiryLeavesAPostEditedSinceItWasDue: the leader lists a held post whose request ran
// out; before it cancels the post, an edit on another replica sends it back for approval with
// a new deadline three days away. The expiry decides only the round that ran out: the post
// keeps waiting under its new request, and expires when that one does.
func TestExpiryLeavesAPostEditedSinceItWasDue(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		ctx := context.Background()
		clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
		db := storagetest.Open(t, clock.Now)
		other := storagetest.Reopen(t, db, clock.Now)
		a := storagetest.Account(t, db, "erin")
		p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "draft",
			Approval: storage.ApprovalHold{Author: "slack:T1:U2", ExpiresAt: clock.Now().Add(time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour + time.Minute)
		text, renewed := "draft, fixed", clock.Now().Add(72*time.Hour)
		store := &editAfterDue{DB: db, edit: func() {
			if _, err := other.EditQueued(ctx, p.ID, storage.PostEdit{Text: &text,
				Rehold: storage.ApprovalHold{Author: "slack:T1:U2", ExpiresAt: renewed}}); err != nil {
				t.Errorf("edit on the other replica: %v", err)
			}
		}}
		pub := publisher.New(publisher.Options{Store: store, Now: clock.Now})
		if err := pub.ExpireApprovals(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Get(ctx, p.ID); got.State != storage.StatePendingApproval || got.Text != text {
			t.Fatalf("post edited and re-held until %s: %s %q after the expiry; want it still waiting with its new text", renewed, got.State, got.Text)
		}
		clock.Advance(72 * time.Hour)
		store.edit = func() {}
		if err := pub.ExpireApprovals(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Get(ctx, p.ID); got.State != storage.StateCancelled {
			t.Fatalf("after its new request ran out: %s, want cancelled", got.State)
		}
	})
}
