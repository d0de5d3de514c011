package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestEachPolicyColumnHolds: through Enqueue and the stored policy, each of the four columns
// holds exactly the posts it names and no others.
func TestEachPolicyColumnHolds(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	svc := ingest.NewService(ingest.Options{Queue: db, Approvals: db})
	type src struct {
		name    string
		door    ingest.Door
		author  string
		grantee bool
	}
	sources := []src{
		{"grantee", ingest.DoorSlack, "slack:T1:UG", true},
		{"owner", ingest.DoorTelegram, "telegram:1", false},
		{"webhook", ingest.DoorWebhook, "", false},
		{"feed", ingest.DoorFeed, "", false},
		{"api", ingest.DoorAPI, "api:owner", false},
		{"cli", ingest.DoorCLI, "", false},
	}
	for i, tc := range []struct {
		policy storage.ApprovalPolicy
		holds  string // the source it holds
	}{
		{storage.ApprovalPolicy{Grantees: true}, "grantee"},
		{storage.ApprovalPolicy{Webhooks: true}, "webhook"},
		{storage.ApprovalPolicy{Feeds: true}, "feed"},
		{storage.ApprovalPolicy{API: true}, "api"},
	} {
		acct := storagetest.Account(t, db, "brand"+string(rune('a'+i)))
		tc.policy.AccountID = acct.ID
		if err := db.SetApprovalPolicy(ctx, tc.policy); err != nil {
			t.Fatal(err)
		}
		for _, s := range sources {
			acc, err := svc.Enqueue(ctx, ingest.Request{Origin: ingest.Origin{Door: s.door}, AccountID: acct.ID,
				Text: "from " + s.name, Author: s.author, Grantee: s.grantee})
			if err != nil {
				t.Fatalf("%+v %s: %v", tc.policy, s.name, err)
			}
			want := storage.StateQueued
			if s.name == tc.holds {
				want = storage.StatePendingApproval
			}
			if acc.Post.State != want {
				t.Errorf("policy holding %s, a post by %s: %s, want %s", tc.holds, s.name, acc.Post.State, want)
			}
		}
	}
}

// TestEditSendsANewNotice: each edit of a held (or approved) post by a grantee sends it back
// for approval with a fresh notice to the owner carrying the new text, and clears the old
// decision.
func TestEditSendsANewNotice(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	acct := storagetest.Account(t, db, "brand")
	if err := db.SetApprovalPolicy(ctx, storage.ApprovalPolicy{AccountID: acct.ID, Grantees: true}); err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(ingest.Options{Queue: db, Approvals: db, Now: clock.Now, ApprovalNotice: publisher.PendingApprovalEvent})
	acc, err := svc.Enqueue(ctx, ingest.Request{Origin: ingest.Origin{Door: ingest.DoorSlack}, AccountID: acct.ID,
		Text: "first draft", Author: "slack:T1:UG", Grantee: true})
	if err != nil || acc.Post.State != storage.StatePendingApproval {
		t.Fatalf("enqueue: %+v %v", acc.Post, err)
	}
	d := storage.Decision{Outcome: storage.DecisionApproved, By: "slack:T1:UO", ByName: "Olga"}
	if _, err := db.Decide(ctx, acc.Post.ID, d); err != nil {
		t.Fatal(err)
	}
	p, _ := db.Get(ctx, acc.Post.ID)
	for _, text := range []string{"second draft", "third draft"} { // the same instant: keys must still differ
		if p, err = svc.Edit(ctx, p, ingest.Edit{Text: &text, Grantee: true, Author: "slack:T1:UG"}); err != nil {
			t.Fatal(err)
		}
		if p.State != storage.StatePendingApproval {
			t.Fatalf("after the edit to %q: %s", text, p.State)
		}
	}
	ap, err := db.ApprovalOf(ctx, p.ID)
	if err != nil || ap.Decision != "" || ap.DecidedByName != "" || ap.Rounds != 3 {
		t.Fatalf("the old decision survived the edit: %+v %v", ap, err)
	}
	out, err := db.DueOutbox(ctx, clock.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	for _, o := range out {
		if strings.Contains(string(o.Payload), string(publisher.EventPendingApproval)) {
			notices = append(notices, string(o.Payload))
		}
	}
	if len(notices) != 3 {
		t.Fatalf("%d pending-approval notices, want 3 (the hold and two edits): %v", len(notices), notices)
	}
	for i, want := range []string{"first draft", "second draft", "third draft"} {
		if !strings.Contains(notices[i], want) {
			t.Errorf("notice %d lacks %q: %s", i, want, notices[i])
		}
	}
}

// TestAnEditWithoutPoliciesStillStartsANewRound: the operator's command line edits without
// reading approval policies, yet a post that waits for approval goes back for it with the new
// text (a new round), so an approver's decision on the round they saw decides nothing.
func TestAnEditWithoutPoliciesStillStartsANewRound(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	acct := storagetest.Account(t, db, "brand")
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "slack", Text: "first draft",
		Approval: storage.ApprovalHold{Author: "slack:T1:UG", ExpiresAt: clock.Now().Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	cli := ingest.NewService(ingest.Options{Queue: db, Now: clock.Now})
	text := "rewritten by the operator"
	if p, err = cli.Edit(ctx, p, ingest.Edit{Text: &text, Author: "cli"}); err != nil {
		t.Fatal(err)
	}
	if ap, err := db.ApprovalOf(ctx, p.ID); err != nil || ap.Rounds != 2 || p.State != storage.StatePendingApproval {
		t.Fatalf("after the edit: %s, request %+v %v; want it waiting in round 2", p.State, ap, err)
	}
	_, err = db.Decide(ctx, p.ID, storage.Decision{Outcome: storage.DecisionApproved, By: "slack:T1:UO", Owner: true, Round: 1})
	if _, ok := errors.AsType[*storage.RoundError](err); !ok {
		t.Fatalf("approving round 1 after the edit: %v, want a RoundError", err)
	}
}
