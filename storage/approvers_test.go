package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

var (
	ann = storage.ApproverIdentity{Door: "slack", Team: "T1", User: "UANN", Name: "Ann"}
	tom = storage.ApproverIdentity{Door: "telegram", User: "4242", Name: "tom"}
)

// TestApproversAddListRemove: approvers are stored per account, listed in order, found by
// person, and removed; removing someone who approves nothing is ErrNotFound.
func TestApproversAddListRemove(t *testing.T) {
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	b := storagetest.Account(t, db, "bob")
	for _, who := range []storage.ApproverIdentity{ann, tom, ann} { // twice is not an error
		if err := db.AddApprover(ctx, a.ID, who, "slack:T1:UOWNER"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddApprover(ctx, b.ID, tom, "cli"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Approvers(ctx, a.ID)
	if err != nil || len(got) != 2 || got[0] != ann || got[1] != tom {
		t.Fatalf("approvers of alice: %+v %v", got, err)
	}
	list, err := db.ApproverList(ctx, b.ID)
	if err != nil || len(list) != 1 || list[0].AddedBy != "cli" || list[0].CreatedAt.IsZero() {
		t.Fatalf("approver list of bob: %+v %v", list, err)
	}
	accs, err := db.ApprovedAccounts(ctx, "telegram", "", "4242")
	if err != nil || len(accs) != 2 || accs[0].Username != "alice" || accs[1].Username != "bob" {
		t.Fatalf("accounts tom approves: %+v %v", accs, err)
	}
	if accs, err := db.ApprovedAccounts(ctx, "slack", "T2", "UANN"); err != nil || len(accs) != 0 {
		t.Fatalf("the same user id in another team approves: %+v %v", accs, err)
	}
	if err := db.RemoveApprover(ctx, a.ID, tom); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveApprover(ctx, a.ID, tom); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
	if accs, err := db.ApprovedAccounts(ctx, "telegram", "", "4242"); err != nil || len(accs) != 1 || accs[0].ID != b.ID {
		t.Fatalf("after removal: %+v %v", accs, err)
	}
	if err := db.AddApprover(ctx, a.ID, storage.ApproverIdentity{Door: "slack"}, "x"); err == nil {
		t.Fatal("an approver with no user was stored")
	}
}

// TestApproversGoWithTheAccountAndTakeover: deleting the account cascades; another identity
// taking over a disconnected account drops the previous owner's approvers.
func TestApproversGoWithTheAccountAndTakeover(t *testing.T) {
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	owner, err := db.UpsertIdentity(ctx, storage.Identity{Door: "slack", Team: "T1", User: "UOWNER"})
	if err != nil {
		t.Fatal(err)
	}
	newOwner, err := db.UpsertIdentity(ctx, storage.Identity{Door: "slack", Team: "T1", User: "UNEW"})
	if err != nil {
		t.Fatal(err)
	}
	acc := storage.Account{ThreadsUserID: "1784carol", Username: "carol", TokenSealed: []byte("s"), TokenExpiresAt: time.Now().Add(time.Hour)}
	a, err := db.LinkAccount(ctx, acc, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddApprover(ctx, a.ID, ann, "slack:T1:UOWNER"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE accounts SET status = 'disconnected' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LinkAccount(ctx, acc, newOwner.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Approvers(ctx, a.ID); err != nil || len(got) != 0 {
		t.Fatalf("the previous owner's approvers survived a takeover: %+v %v", got, err)
	}

	d := storagetest.Account(t, db, "dave")
	if err := db.AddApprover(ctx, d.ID, tom, "cli"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM accounts WHERE id = ?`, d.ID); err != nil {
		t.Fatalf("delete account with an approver: %v", err)
	}
	if accs, err := db.ApprovedAccounts(ctx, "telegram", "", "4242"); err != nil || len(accs) != 0 {
		t.Fatalf("approver of a deleted account: %+v %v", accs, err)
	}
}

// TestDecisionRecordsTheName: the decider's name is stored with the decision, and an edit
// clears it with the decision and makes its editor the author of the text waiting.
func TestDecisionRecordsTheName(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	p := hold(t, db, clock, a.ID, "name me")
	if _, err := db.Decide(ctx, p.ID, storage.Decision{Outcome: storage.DecisionApproved, By: ann.Key(), ByName: "Ann"}); err != nil {
		t.Fatal(err)
	}
	ap, err := db.ApprovalOf(ctx, p.ID)
	if err != nil || ap.DecidedByName != "Ann" || ap.DecidedBy != "slack:T1:UANN" || ap.Decider() != "Ann" || ap.Rounds != 1 {
		t.Fatalf("record: %+v %v", ap, err)
	}
	if _, err := db.EditQueued(ctx, p.ID, storage.PostEdit{Text: ptr("new"),
		Rehold: storage.ApprovalHold{ExpiresAt: clock.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	ap, err = db.ApprovalOf(ctx, p.ID)
	if err != nil || ap.Decision != "" || ap.DecidedBy != "" || ap.DecidedByName != "" || !ap.DecidedAt.IsZero() || ap.Rounds != 2 {
		t.Fatalf("record after the edit: %+v %v", ap, err)
	}
	if ap.Author != "slack:T:UG" {
		t.Fatalf("an edit that names no editor changed the author: %q", ap.Author)
	}
	if _, err := db.EditQueued(ctx, p.ID, storage.PostEdit{Text: ptr("newer"),
		Rehold: storage.ApprovalHold{Author: "slack:T:UE", ExpiresAt: clock.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if ap, err = db.ApprovalOf(ctx, p.ID); err != nil || ap.Author != "slack:T:UE" || ap.Rounds != 3 {
		t.Fatalf("the editor is not the author of the text waiting: %+v %v", ap, err)
	}
	if (storage.Approval{DecidedBy: "slack:T:U"}).Decider() != "slack:T:U" {
		t.Fatal("a nameless decision shows nobody")
	}
}

// TestEachReholdWritesItsOwnNotice: every edit of a pending post writes a new notice to the
// owner, even at the same instant (the round is in its key), in the edit's transaction.
func TestEachReholdWritesItsOwnNotice(t *testing.T) {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	notice := func(p storage.Post) storage.OutboxEvent {
		return storage.OutboxEvent{Key: p.ID + ":pending", Payload: []byte(`"` + p.Text + `"`)}
	}
	p := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "v1",
		Approval: storage.ApprovalHold{Author: "slack:T:UG", ExpiresAt: clock.Now().Add(time.Hour), Notice: notice}})
	for _, text := range []string{"v2", "v3"} {
		if _, err := db.EditQueued(ctx, p.ID, storage.PostEdit{Text: ptr(text),
			Rehold: storage.ApprovalHold{Author: "slack:T:UG", ExpiresAt: clock.Now().Add(time.Hour), Notice: notice}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := db.DueOutbox(ctx, clock.Now().Add(time.Second), 10)
	if err != nil || len(out) != 3 {
		t.Fatalf("outbox: %d events %v, want 3 (the hold and two edits)", len(out), err)
	}
	for i, want := range []string{"v1", "v2", "v3"} {
		if !strings.Contains(string(out[i].Payload), want) {
			t.Errorf("notice %d says %s, want %s", i, out[i].Payload, want)
		}
	}
}

func TestParseApproverKey(t *testing.T) {
	good := map[string]storage.ApproverIdentity{
		"slack:T0123:U0456": {Door: "slack", Team: "T0123", User: "U0456"},
		" telegram:4242 ":   {Door: "telegram", User: "4242"},
	}
	for in, want := range good {
		if got, err := storage.ParseApproverKey(in); err != nil || got != want {
			t.Errorf("ParseApproverKey(%q) = %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "slack", "slack:U0456", "slack:T1:u0456", "slack:T1:U1:x", "telegram:ann",
		"telegram:T1:4242", "api:ci", "cli:operator", "telegram:", "slack::U1", "discord:1"} {
		if got, err := storage.ParseApproverKey(in); err == nil || !strings.Contains(err.Error(), "telegram:<numeric user id>") {
			t.Errorf("ParseApproverKey(%q) = %+v %v, want an error saying the shape", in, got, err)
		}
	}
}

// FuzzParseApproverKey: what parses is a Slack or Telegram person whose Key is the input.
func FuzzParseApproverKey(f *testing.F) {
	for _, s := range []string{"slack:T0123:U0456", "telegram:4242", "slack:T1", "telegram:x", ":::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := storage.ParseApproverKey(s)
		if err != nil {
			return
		}
		if a.Key() != strings.TrimSpace(s) || (a.Door != "slack" && a.Door != "telegram") || a.User == "" {
			t.Fatalf("ParseApproverKey(%q) = %+v (key %q)", s, a, a.Key())
		}
	})
}

// TestAnOwnerNamesApproversOnlyWhileOwning: once another identity linked the account (a
// takeover, which drops every approver), its former owner's naming of an approver is refused
// in the write itself and changes nothing; the new owner's works, as the operator's does.
func TestAnOwnerNamesApproversOnlyWhileOwning(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	old := storage.ApproverIdentity{Door: "slack", Team: "T1", User: "UOLD"}
	now := storage.ApproverIdentity{Door: "slack", Team: "T1", User: "UNOW"}
	acc := storage.Account{ThreadsUserID: "1784erin", Username: "erin", TokenSealed: []byte("s"), TokenExpiresAt: time.Now().Add(time.Hour)}
	link := func(who storage.ApproverIdentity) storage.Account {
		t.Helper()
		id, err := db.UpsertIdentity(ctx, storage.Identity{Door: who.Door, Team: who.Team, User: who.User})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.LinkAccount(ctx, acc, id.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := link(old)
	if err := db.AddApproverAsOwner(ctx, a.ID, ann, old); err != nil {
		t.Fatalf("the owner names ann: %v", err)
	}
	if _, err := db.Exec(ctx, `UPDATE accounts SET status = 'disconnected' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	link(now)
	if err := db.AddApproverAsOwner(ctx, a.ID, tom, old); !errors.Is(err, storage.ErrNotOwner) {
		t.Fatalf("the former owner names tom after the takeover: %v, want ErrNotOwner", err)
	}
	if got, err := db.Approvers(ctx, a.ID); err != nil || len(got) != 0 {
		t.Fatalf("approvers after the takeover and a refused naming: %+v %v", got, err)
	}
	if err := db.AddApproverAsOwner(ctx, a.ID, tom, now); err != nil {
		t.Fatalf("the new owner names tom: %v", err)
	}
	if err := db.AddApprover(ctx, a.ID, ann, "cli"); err != nil {
		t.Fatalf("the operator names ann: %v", err)
	}
}
