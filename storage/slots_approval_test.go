package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// heldSlotPost queues a post by slot that waits for an approver, as a grantee's does.
func heldSlotPost(t *testing.T, db *storage.DB, clock *storagetest.Clock, acct int64, text string, limit int) storage.Post {
	t.Helper()
	p, _, err := db.Enqueue(context.Background(), storage.NewPost{AccountID: acct, Door: "slack", Text: text, BySlot: true,
		SlotDailyPosts: limit, Approval: storage.ApprovalHold{Author: "slack:T1:U2", ExpiresAt: clock.Now().Add(72 * time.Hour)}})
	if err != nil {
		t.Fatalf("queue %q for approval: %v", text, err)
	}
	return p
}

// TestHeldPostKeepsItsSlot: a post queued by slot that waits for approval keeps its slot's
// time and goes out then once approved, so it holds the slot: the next post queued by slot
// meanwhile goes to the next one (not into the same slot, where both would publish at once),
// the slot shows as taken, and a rejection frees it.
func TestHeldPostKeepsItsSlot(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)) // Thursday
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	if _, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "09:00"), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	friday, saturday := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	held := heldSlotPost(t, db, clock, a.ID, "by a grantee", 0)
	if !held.ScheduledAt.Equal(friday) || held.State != storage.StatePendingApproval {
		t.Fatalf("held post at %s (%s), want %s pending approval", held.ScheduledAt, held.State, friday)
	}
	up, err := db.UpcomingSlots(ctx, a.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if up[0].PostID != held.ID || up[1].PostID != "" {
		t.Errorf("upcoming %+v: the slot of %s, waiting for approval, shows free", up, held.ID)
	}
	other := slotPost(t, db, a.ID, "by the owner", 0)
	if !other.ScheduledAt.Equal(saturday) {
		t.Errorf("post queued while %s waits for approval placed at %s, want the next slot %s", held.ID, other.ScheduledAt, saturday)
	}
	approved, err := db.Decide(ctx, held.ID, storage.Decision{Outcome: storage.DecisionApproved, By: "slack:T1:U1"})
	if err != nil {
		t.Fatal(err)
	}
	if !approved.NextAttemptAt.Equal(friday) || approved.NextAttemptAt.Equal(other.NextAttemptAt) {
		t.Errorf("approved %s due at %s, %s at %s: want %s alone in its slot", held.ID, approved.NextAttemptAt, other.ID, other.NextAttemptAt, friday)
	}

	// A rejected post no longer holds its slot: the next post takes it.
	rejected := heldSlotPost(t, db, clock, a.ID, "rejected", 0)
	if _, err := db.Decide(ctx, rejected.ID, storage.Decision{Outcome: storage.DecisionRejected, By: "slack:T1:U1"}); err != nil {
		t.Fatal(err)
	}
	if p := slotPost(t, db, a.ID, "after the rejection", 0); !p.ScheduledAt.Equal(rejected.ScheduledAt) {
		t.Errorf("after rejecting %s: next post at %s, want its freed slot %s", rejected.ID, p.ScheduledAt, rejected.ScheduledAt)
	}
}

// TestHeldPostCountsAgainstTheDailyQuota: placement keeps every 24 hours within the posts
// quota counting the posts held for approval, which go out at their slots once approved.
func TestHeldPostCountsAgainstTheDailyQuota(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	var hourly storage.SlotWeek
	hourly.Zone = "UTC"
	for m := 0; m < storage.MinutesPerWeek; m += 60 {
		hourly.Minutes = append(hourly.Minutes, m)
	}
	if _, err := db.SetSlots(ctx, a.ID, hourly, storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	held := heldSlotPost(t, db, clock, a.ID, "held", 1)
	next := slotPost(t, db, a.ID, "next", 1)
	if got := next.ScheduledAt.Sub(held.ScheduledAt); got < 24*time.Hour {
		t.Errorf("with one post a day, the post after %s (held for approval at %s) is placed %s later, within the same 24 hours",
			held.ID, held.ScheduledAt, got)
	}
}

// TestSetSlotsMovesHeldPosts: a schedule change moves the posts placed by slot that wait for
// approval with the queued ones, in slot order, and an approval then makes the post due at its
// new slot.
func TestSetSlotsMovesHeldPosts(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	if _, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "09:00"), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	held := heldSlotPost(t, db, clock, a.ID, "held", 0)
	queued := slotPost(t, db, a.ID, "queued", 0)
	change, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "10:00"), storage.SlotChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wants := []struct {
		id string
		at time.Time
	}{{held.ID, time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}, {queued.ID, time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}}
	if len(change.Moved) != len(wants) {
		t.Fatalf("moved %d posts, want %d", len(change.Moved), len(wants))
	}
	for i, w := range wants {
		if m := change.Moved[i]; m.Post.ID != w.id || !m.To.Equal(w.at) {
			t.Errorf("move %d: %s to %s, want %s to %s", i, m.Post.ID, m.To, w.id, w.at)
		}
	}
	approved, err := db.Decide(ctx, held.ID, storage.Decision{Outcome: storage.DecisionApproved, By: "slack:T1:U1"})
	if err != nil {
		t.Fatal(err)
	}
	if !approved.NextAttemptAt.Equal(wants[0].at) {
		t.Errorf("approved after the move: due at %s, want its new slot %s", approved.NextAttemptAt, wants[0].at)
	}
}
