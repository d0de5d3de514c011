package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// everyTenMinutes is a slot every ten minutes from offset (minutes past the hour, below 10).
func everyTenMinutes(offset int) storage.SlotWeek {
	w := storage.SlotWeek{Zone: "UTC"}
	for m := offset; m < storage.MinutesPerWeek; m += 10 {
		w.Minutes = append(w.Minutes, m)
	}
	return w
}

// clockAhead returns db, a handle on first's database whose server clock is an hour ahead
// of this process's on PostgreSQL, and by how much: none on SQLite, whose clock is the
// process's.
func clockAhead(t *testing.T, first *storage.DB) (*storage.DB, time.Duration) {
	t.Helper()
	return storagetest.ReopenWithServerClock(t, first, time.Hour)
}

// TestSlotPlacementFollowsTheDatabaseClock: on PostgreSQL the queue judges due times by the
// server's clock. Placement counts slots from it too, so a replica whose clock is behind the
// database's never places a post in a slot that, by the clock the queue goes by, has passed
// (the post would be due at once, beside the post that held that slot): the post waits for
// the next free slot, as UpcomingSlots shows.
func TestSlotPlacementFollowsTheDatabaseClock(t *testing.T) {
	ctx := context.Background()
	first := storagetest.Open(t, nil)
	a := storagetest.Account(t, first, "alice")
	db, ahead := clockAhead(t, first)
	if _, err := db.SetSlots(ctx, a.ID, everyTenMinutes(0), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	up, err := db.UpcomingSlots(ctx, a.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !up[0].At.After(before.Add(ahead)) {
		t.Errorf("next slot shown at %s; by the database's clock (%s ahead) it has passed", up[0].At, ahead)
	}
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "next slot", BySlot: true})
	if err != nil {
		t.Fatal(err)
	}
	if !p.ScheduledAt.After(before.Add(ahead)) || !p.ScheduledAt.Equal(up[0].At) {
		t.Errorf("placed at %s, want the first slot after the database's now (%s ahead), which UpcomingSlots showed at %s",
			p.ScheduledAt, ahead, up[0].At)
	}
	got, err := db.Lease(ctx, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("post %s placed \"in the next free slot\" at %s was due at once by the database's clock: its slot had passed",
			p.ID, p.ScheduledAt)
	}
}

// TestSetSlotsFollowsTheDatabaseClock: a schedule change moves the waiting slot posts to slots
// after the database's now, never to one the queue counts as passed. The post placed a few
// minutes ahead (by a replica whose clock agreed with the database's then) is due by the
// database's clock an hour ahead: it is no longer waiting, and stays.
func TestSetSlotsFollowsTheDatabaseClock(t *testing.T) {
	ctx := context.Background()
	first := storagetest.Open(t, nil)
	a := storagetest.Account(t, first, "alice")
	db, ahead := clockAhead(t, first) // first reads pg_catalog's clock, db the one ahead
	if _, err := first.SetSlots(ctx, a.ID, everyTenMinutes(0), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	p := slotPost(t, first, a.ID, "soon", 0)
	before := time.Now()
	change, err := db.SetSlots(ctx, a.ID, everyTenMinutes(5), storage.SlotChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range change.Moved {
		if !m.To.After(before.Add(ahead)) {
			t.Errorf("%s moved from %s to %s; by the database's clock (%s ahead) that slot has passed", m.Post.ID, m.From, m.To, ahead)
		}
	}
	if got, _ := db.Get(ctx, p.ID); !got.NextAttemptAt.Equal(p.ScheduledAt) && !got.NextAttemptAt.After(before.Add(ahead)) {
		t.Errorf("%s now due at %s, before the database's now", p.ID, got.NextAttemptAt)
	}
}
