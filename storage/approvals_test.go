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

func hold(t *testing.T, db *storage.DB, clock *storagetest.Clock, acct int64, text string) storage.Post {
	t.Helper()
	p := enqueue(t, db, storage.NewPost{AccountID: acct, Door: "slack", Text: text,
		Approval: storage.ApprovalHold{Author: "slack:T:UG", ExpiresAt: clock.Now().Add(time.Hour)}})
	if p.State != storage.StatePendingApproval {
		t.Fatalf("enqueued as %s, want pending_approval", p.State)
	}
	return p
}

// TestPendingPostIsNeverLeased: a post held for approval is not published until approved,
// and then it is, once.
func TestPendingPostIsNeverLeased(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	p := hold(t, db, clock, a.ID, "needs a look")
	if got := lease(t, db, 10); len(got) != 0 {
		t.Fatalf("leased a pending post: %+v", got)
	}
	got, err := db.Get(ctx, p.ID)
	if err != nil || got.State != storage.StatePendingApproval {
		t.Fatalf("get: %+v %v", got, err)
	}
	listed, err := db.List(ctx, storage.ListFilter{States: []storage.State{storage.StatePendingApproval}})
	if err != nil || len(listed) != 1 {
		t.Fatalf("list pending: %v %v", listed, err)
	}
	dp, err := db.Decide(ctx, p.ID, storage.Decision{Outcome: storage.DecisionApproved, By: "slack:T:UO",
		Events: func(p storage.Post) []storage.OutboxEvent {
			return []storage.OutboxEvent{{Key: p.ID + ":approved", Door: p.Door, Payload: []byte(`{}`)}}
		}})
	if err != nil || dp.State != storage.StateQueued {
		t.Fatalf("approve: %+v %v", dp, err)
	}
	if got := lease(t, db, 10); len(got) != 1 || got[0].ID != p.ID {
		t.Fatalf("approved post not leased: %+v", got)
	}
	ap, err := db.ApprovalOf(ctx, p.ID)
	if err != nil || ap.Decision != storage.DecisionApproved || ap.DecidedBy != "slack:T:UO" || ap.DecidedAt.IsZero() {
		t.Fatalf("record: %+v %v", ap, err)
	}
	out, err := db.DueOutbox(ctx, clock.Now().Add(time.Second), 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("outbox: %+v %v", out, err)
	}
}

// TestDecideRaceHasOneOutcome: approvers racing to approve and reject the same post yield one
// decision; every other gets a *StateError and writes nothing.
func TestDecideRaceHasOneOutcome(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	p := hold(t, db, clock, a.ID, "race")
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []string
	)
	for i := range n {
		wg.Go(func() {
			outcome := storage.DecisionApproved
			if i%2 == 1 {
				outcome = storage.DecisionRejected
			}
			_, err := db.Decide(ctx, p.ID, storage.Decision{Outcome: outcome, By: "x",
				Events: func(p storage.Post) []storage.OutboxEvent {
					return []storage.OutboxEvent{{Key: p.ID + ":decided:" + outcome, Door: p.Door, Payload: []byte(`{}`)}}
				}})
			var se *storage.StateError
			switch {
			case err == nil:
				mu.Lock()
				wins = append(wins, outcome)
				mu.Unlock()
			case !errors.As(err, &se):
				t.Errorf("decide: %v", err)
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d decisions won: %v", len(wins), wins)
	}
	out, err := db.DueOutbox(ctx, clock.Now().Add(time.Second), 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("outbox after the race: %d %v", len(out), err)
	}
}

// TestRejectExpireAndEditRehold: rejection and expiry cancel with the reason; an edit of an
// approved post sends it back for approval.
func TestRejectExpireAndEditRehold(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	rej := hold(t, db, clock, a.ID, "reject me")
	got, err := db.Decide(ctx, rej.ID, storage.Decision{Outcome: storage.DecisionRejected, By: "o", Reason: "off brand"})
	if err != nil || got.State != storage.StateCancelled || got.LastError != "rejected by an approver: off brand" {
		t.Fatalf("reject: %+v %v", got, err)
	}
	if _, err := db.Decide(ctx, rej.ID, storage.Decision{Outcome: storage.DecisionApproved, By: "o"}); err == nil {
		t.Fatal("approved a rejected post")
	}
	exp := hold(t, db, clock, a.ID, "expire me")
	if ids, err := db.DueApprovals(ctx, clock.Now(), 10); err != nil || len(ids) != 0 {
		t.Fatalf("due before its time: %v %v", ids, err)
	}
	clock.Advance(2 * time.Hour)
	ids, err := db.DueApprovals(ctx, clock.Now(), 10)
	if err != nil || len(ids) != 1 || ids[0] != (storage.DueApproval{PostID: exp.ID, Round: 1}) {
		t.Fatalf("due: %v %v", ids, err)
	}
	if got, err := db.Decide(ctx, exp.ID, storage.Decision{Outcome: storage.DecisionExpired}); err != nil || got.State != storage.StateCancelled {
		t.Fatalf("expire: %+v %v", got, err)
	}
	// Approved, then edited: back to pending, undecided.
	ed := hold(t, db, clock, a.ID, "edit me")
	if _, err := db.Decide(ctx, ed.ID, storage.Decision{Outcome: storage.DecisionApproved, By: "o"}); err != nil {
		t.Fatal(err)
	}
	got, err = db.EditQueued(ctx, ed.ID, storage.PostEdit{Text: ptr("edited"),
		Rehold: storage.ApprovalHold{Author: "slack:T:UG", ExpiresAt: clock.Now().Add(time.Hour)}})
	if err != nil || got.State != storage.StatePendingApproval || got.Text != "edited" {
		t.Fatalf("edit: %+v %v", got, err)
	}
	if ap, err := db.ApprovalOf(ctx, ed.ID); err != nil || ap.Decision != "" {
		t.Fatalf("record after the edit: %+v %v", ap, err)
	}
	if got := lease(t, db, 10); len(got) != 0 {
		t.Fatalf("leased a re-held post: %+v", got)
	}
}

func TestApprovalPolicyRoundTrip(t *testing.T) {
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	if p, err := db.ApprovalPolicyFor(ctx, a.ID); err != nil || p.On() {
		t.Fatalf("default: %+v %v", p, err)
	}
	if err := db.SetApprovalPolicy(ctx, storage.ApprovalPolicy{AccountID: a.ID, Grantees: true, Feeds: true, UpdatedBy: "o"}); err != nil {
		t.Fatal(err)
	}
	p, err := db.ApprovalPolicyFor(ctx, a.ID)
	if err != nil || !p.Grantees || !p.Feeds || p.Webhooks || p.API || p.UpdatedBy != "o" {
		t.Fatalf("stored: %+v %v", p, err)
	}
}
