package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// Identity keys of the round tests: the grantee who wrote the post, an approver who is also a
// grantee and edits it, and another approver.
const (
	writerKey = "slack:T:UG"
	editorKey = "slack:T:UE"
	otherKey  = "slack:T:UX"
)

// editAs edits p on db as editor, sending it back for approval (as ingest does for a post
// that waits): new text, the editor as the request's author, one round more.
func editAs(t *testing.T, db *storage.DB, clock *storagetest.Clock, id, editor, text string) storage.Post {
	t.Helper()
	got, err := db.EditQueued(context.Background(), id, storage.PostEdit{Text: ptr(text),
		Rehold: storage.ApprovalHold{Author: editor, ExpiresAt: clock.Now().Add(time.Hour)}})
	if err != nil || got.State != storage.StatePendingApproval {
		t.Fatalf("edit as %s: %+v %v", editor, got, err)
	}
	return got
}

// decision is a decision by who on the given round, which writes one outbox event when it
// applies, so a refused decision can be seen to have written none.
func decision(outcome, who string, round int) storage.Decision {
	return storage.Decision{Outcome: outcome, By: who, ByName: who, Round: round,
		Events: func(p storage.Post) []storage.OutboxEvent {
			return []storage.OutboxEvent{{Key: p.ID + ":" + outcome, Door: p.Door, Payload: []byte(`{}`)}}
		}}
}

// stillWaiting fails t unless post id waits, undecided, with text on round, and nothing was
// written to the outbox.
func stillWaiting(t *testing.T, db *storage.DB, clock *storagetest.Clock, id, text string, round int) {
	t.Helper()
	ctx := context.Background()
	p, err := db.Get(ctx, id)
	if err != nil || p.State != storage.StatePendingApproval || p.Text != text {
		t.Fatalf("post after a refused decision: %+v %v", p, err)
	}
	a, err := db.ApprovalOf(ctx, id)
	if err != nil || a.Decision != "" || a.DecidedBy != "" || a.Rounds != round {
		t.Fatalf("request after a refused decision: %+v %v", a, err)
	}
	if out, err := db.DueOutbox(ctx, clock.Now().Add(time.Second), 10); err != nil || len(out) != 0 {
		t.Fatalf("a refused decision wrote to the outbox: %+v %v", out, err)
	}
}

// TestDecisionOnAnOldRoundIsRefused: an approver read round 1 (the card, on replica A); the
// post is edited on replica B (new text, round 2); the approver's decision on round 1, approve
// or reject, changes nothing and says which round waits. A decision on round 2 applies.
func TestDecisionOnAnOldRoundIsRefused(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	replicaB := storagetest.Reopen(t, db, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")
	p := hold(t, db, clock, acct.ID, "the words the approver read")
	seen, err := db.ApprovalOf(ctx, p.ID)
	if err != nil || seen.Rounds != 1 {
		t.Fatalf("round of a new request: %+v %v", seen, err)
	}
	editAs(t, replicaB, clock, p.ID, editorKey, "the words nobody read")

	for _, outcome := range []string{storage.DecisionApproved, storage.DecisionRejected} {
		_, err := db.Decide(ctx, p.ID, decision(outcome, otherKey, seen.Rounds))
		re, ok := errors.AsType[*storage.RoundError](err)
		if !ok || re.ID != p.ID || re.Seen != 1 || re.Waiting != 2 {
			t.Fatalf("%s on round 1 after the edit: %v, want a *RoundError (round 2 waits)", outcome, err)
		}
		stillWaiting(t, db, clock, p.ID, "the words nobody read", 2)
	}
	got, err := db.Decide(ctx, p.ID, decision(storage.DecisionApproved, otherKey, 2))
	if err != nil || got.State != storage.StateQueued || got.Text != "the words nobody read" {
		t.Fatalf("approve round 2: %+v %v", got, err)
	}
}

// TestNamedApproverNeverDecidesTheirOwnEdit: whoever last edited a waiting post is the author
// of the round that waits, and no decision by them applies, with or without a round, unless
// they decide as the account's owner. The post's first writer, no longer its author, may.
func TestNamedApproverNeverDecidesTheirOwnEdit(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")

	p := hold(t, db, clock, acct.ID, "the writer's words")
	editAs(t, db, clock, p.ID, editorKey, "the editor's words")
	for _, round := range []int{0, 2} {
		for _, outcome := range []string{storage.DecisionApproved, storage.DecisionRejected} {
			_, err := db.Decide(ctx, p.ID, decision(outcome, editorKey, round))
			if oe, ok := errors.AsType[*storage.OwnPostError](err); !ok || oe.ID != p.ID {
				t.Fatalf("%s by the editor, round %d: %v, want an *OwnPostError", outcome, round, err)
			}
			stillWaiting(t, db, clock, p.ID, "the editor's words", 2)
		}
	}
	// Its first writer is no longer its author.
	if got, err := db.Decide(ctx, p.ID, decision(storage.DecisionApproved, writerKey, 0)); err != nil || got.State != storage.StateQueued {
		t.Fatalf("approve by the first writer: %+v %v", got, err)
	}

	// The owner decides as the owner, a post they last edited too.
	q := hold(t, db, clock, acct.ID, "the writer's words")
	editAs(t, db, clock, q.ID, editorKey, "the owner's words")
	d := decision(storage.DecisionApproved, editorKey, 2)
	d.Owner = true
	if got, err := db.Decide(ctx, q.ID, d); err != nil || got.State != storage.StateQueued {
		t.Fatalf("approve by the owner who edited it: %+v %v", got, err)
	}
	// Expiry is nobody's decision.
	r := hold(t, db, clock, acct.ID, "expire me")
	if got, err := db.Decide(ctx, r.ID, storage.Decision{Outcome: storage.DecisionExpired}); err != nil || got.State != storage.StateCancelled {
		t.Fatalf("expire: %+v %v", got, err)
	}
}

// TestEditRacingOwnApprovalNeverApprovesTheEditorsText: on two handles of one database (two
// replicas), an approver who is also a grantee edits a post someone else wrote and approves it
// at the same instant, round after round. Whichever commits first, the editor's own text is
// never queued: either the approval came first (the writer's text was approved, and the edit
// sent it back, the editor its author) or the edit did, and the approval is refused.
func TestEditRacingOwnApprovalNeverApprovesTheEditorsText(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	replicaB := storagetest.Reopen(t, db, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")
	for i := range 20 {
		p := hold(t, db, clock, acct.ID, fmt.Sprintf("the writer's words %d", i))
		mine := fmt.Sprintf("the editor's words %d", i)
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := replicaB.EditQueued(ctx, p.ID, storage.PostEdit{Text: ptr(mine),
				Rehold: storage.ApprovalHold{Author: editorKey, ExpiresAt: clock.Now().Add(time.Hour)}}); err != nil {
				t.Errorf("edit: %v", err)
			}
		})
		wg.Go(func() {
			_, err := db.Decide(ctx, p.ID, storage.Decision{Outcome: storage.DecisionApproved, By: editorKey})
			if _, own := errors.AsType[*storage.OwnPostError](err); err != nil && !own {
				t.Errorf("approve: %v", err)
			}
		})
		wg.Wait()
		got, err := db.Get(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == storage.StateQueued && got.Text == mine {
			t.Fatalf("round %d: the editor's own text is queued, approved by the editor", i)
		}
	}
}
