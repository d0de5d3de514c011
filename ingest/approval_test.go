package ingest_test

import (
	"context"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestNeedsApproval(t *testing.T) {
	def := storage.ApprovalPolicy{Grantees: true, Feeds: true}
	all := storage.ApprovalPolicy{Grantees: true, Feeds: true, Webhooks: true, API: true}
	cases := []struct {
		name    string
		p       storage.ApprovalPolicy
		door    ingest.Door
		grantee bool
		want    bool
	}{
		{"off: grantee posts freely", storage.ApprovalPolicy{}, ingest.DoorSlack, true, false},
		{"owner in chat never waits", all, ingest.DoorSlack, false, false},
		{"grantee in slack waits", def, ingest.DoorSlack, true, true},
		{"grantee in telegram waits", def, ingest.DoorTelegram, true, true},
		{"feed waits", def, ingest.DoorFeed, false, true},
		{"webhook free by default", def, ingest.DoorWebhook, false, false},
		{"webhook waits when asked", all, ingest.DoorWebhook, false, true},
		{"api token of a grantee waits", def, ingest.DoorAPI, true, true},
		{"api of the owner free unless asked", def, ingest.DoorAPI, false, false},
		{"api waits when asked", all, ingest.DoorAPI, false, true},
		{"cli never waits", all, ingest.DoorCLI, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ingest.NeedsApproval(tc.p, tc.door, tc.grantee); got != tc.want {
				t.Fatalf("NeedsApproval = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDoorThatDoesNotSayWhoPostsIsHeld: with approvals on for grantees, a post from a person's
// door (Slack, Telegram, REST) that does not say who wrote it is held as a grantee's would be,
// so a door that forgets Author and Grantee cannot skip the owner's policy; a post that names
// its author and is the owner's goes out, and the operator's command line never waits.
func TestDoorThatDoesNotSayWhoPostsIsHeld(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "brand")
	if err := db.SetApprovalPolicy(ctx, storage.ApprovalPolicy{AccountID: acct.ID, Grantees: true}); err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(ingest.Options{Queue: db, Approvals: db})
	for _, tc := range []struct {
		name   string
		door   ingest.Door
		author string
		want   storage.State
	}{
		{"telegram without an author", ingest.DoorTelegram, "", storage.StatePendingApproval},
		{"rest without an author", ingest.DoorAPI, "", storage.StatePendingApproval},
		{"slack owner named", ingest.DoorSlack, "slack:T1:UOWNER", storage.StateQueued},
		{"command line", ingest.DoorCLI, "", storage.StateQueued},
	} {
		acc, err := svc.Enqueue(ctx, ingest.Request{Origin: ingest.Origin{Door: tc.door}, AccountID: acct.ID,
			Text: "from " + tc.name, Author: tc.author})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if acc.Post.State != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, acc.Post.State, tc.want)
		}
	}
}
