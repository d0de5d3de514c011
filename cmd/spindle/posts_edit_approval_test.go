package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// TestCLIEditOfAHeldPostStartsARoundLikeAnyEdit: `spindle posts edit` of a post waiting for
// approval starts a new round that behaves as every other re-hold: it expires after the
// configured SPINDLE_APPROVAL_TTL, and the owner gets the edit's own approval notice (README:
// "the owner gets a new notice"), so approvers get a card for the text they must decide.
func TestCLIEditOfAHeldPostStartsARoundLikeAnyEdit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_TIMEZONE": "UTC", "SPINDLE_APPROVAL_TTL": "1h"}
	if code, _, errOut := spindle(t, env, "migrate"); code != 0 {
		t.Fatal(errOut)
	}
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.SaveAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "alice", TokenSealed: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "telegram", Text: "old words",
		ScheduledAt: time.Now().Add(3 * time.Hour),
		Approval:    storage.ApprovalHold{Author: "telegram:7", ExpiresAt: time.Now().Add(time.Hour), Notice: publisher.PendingApprovalEvent}})
	if err != nil || p.State != storage.StatePendingApproval {
		t.Fatalf("hold: %+v %v", p, err)
	}
	db.Close()

	if code, out, errOut := spindle(t, env, "posts", "edit", p.ID, "--text", "new words"); code != 0 {
		t.Fatalf("edit: %d %q %q", code, out, errOut)
	}

	db, err = storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ap, err := db.ApprovalOf(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ap.Rounds != 2 {
		t.Fatalf("rounds %d after the edit, want 2", ap.Rounds)
	}
	if max := time.Now().Add(time.Hour + time.Minute); ap.ExpiresAt.After(max) {
		t.Errorf("round 2 expires at %s, %s from now: SPINDLE_APPROVAL_TTL is 1h", ap.ExpiresAt.UTC().Format(time.RFC3339), time.Until(ap.ExpiresAt).Round(time.Hour))
	}
	items, err := db.DueOutbox(ctx, time.Now().Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	notices := 0
	for _, it := range items {
		if strings.Contains(string(it.Payload), "pending_approval") {
			notices++
		}
	}
	if notices != 2 {
		t.Errorf("%d pending-approval notices after the edit, want 2 (the hold's and round 2's): approvers' old cards are refused as stale and no new card follows", notices)
	}
}
