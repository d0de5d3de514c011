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
