package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestEditedTimeLeavesItsSlot: a post placed by slot that an edit gives an exact time is a
// post with an exact time: the slot it left is free for the next post, and a schedule change,
// which never moves posts given an exact time, leaves it at the time the person chose.
func TestEditedTimeLeavesItsSlot(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	if _, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "09:00"), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	p := slotPost(t, db, a.ID, "first in a slot", 0)
	exact := time.Date(2026, 12, 10, 15, 30, 0, 0, time.UTC)
	if _, err := db.EditQueued(ctx, p.ID, storage.PostEdit{ScheduledAt: exact}); err != nil {
		t.Fatal(err)
	}
	up, err := db.UpcomingSlots(ctx, a.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if up[0].PostID != "" {
		t.Errorf("slot %s still shows %s, which an edit moved to %s", up[0].At, up[0].PostID, exact)
	}
	change, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "10:00"), storage.SlotChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.NextAttemptAt.Equal(exact) || len(change.Moved) != 0 {
		t.Errorf("the post edited to %s is at %s after a schedule change (moved %d)", exact, got.NextAttemptAt, len(change.Moved))
	}
	if next := slotPost(t, db, a.ID, "next", 0); !next.ScheduledAt.Equal(p.ScheduledAt.Add(time.Hour)) {
		t.Errorf("next post at %s, want the first slot of the new schedule, %s", next.ScheduledAt, p.ScheduledAt.Add(time.Hour))
	}
}

// TestSlotMarkHoldsOnlyAtItsPostsTime: a slot mark whose post is no longer scheduled at the
// slot (left by a schedule change on one replica that re-marked the post while an edit on
// another gave it an exact time) holds nothing: the slot shows free, placement takes it over,
// and a schedule change does not move the post.
func TestSlotMarkHoldsOnlyAtItsPostsTime(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	if _, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "09:00"), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	var posts []storage.Post
	exact := []time.Time{time.Date(2026, 12, 10, 15, 30, 0, 0, time.UTC), time.Date(2026, 12, 11, 15, 30, 0, 0, time.UTC)}
	for i, at := range exact {
		p := slotPost(t, db, a.ID, fmt.Sprint("placed ", i), 0)
		// The edit's row as committed, with the mark a racing schedule change wrote after it.
		if _, err := db.Exec(ctx, `UPDATE posts SET scheduled_at = ?, next_attempt_at = ? WHERE id = ?`,
			at.UnixMilli(), at.UnixMilli(), p.ID); err != nil {
			t.Fatal(err)
		}
		posts = append(posts, p)
	}
	up, err := db.UpcomingSlots(ctx, a.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if up[0].PostID != "" || up[1].PostID != "" {
		t.Errorf("upcoming %+v: slots shown taken by posts scheduled at %s and %s", up, exact[0], exact[1])
	}
	next := slotPost(t, db, a.ID, "next", 0)
	if !next.ScheduledAt.Equal(posts[0].ScheduledAt) {
		t.Errorf("next post at %s, want the slot %s no post holds", next.ScheduledAt, posts[0].ScheduledAt)
	}
	change, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "10:00"), storage.SlotChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(change.Moved) != 1 || change.Moved[0].Post.ID != next.ID {
		t.Errorf("schedule change moved %+v, want %s alone", change.Moved, next.ID)
	}
	for i, p := range posts {
		if got, _ := db.Get(ctx, p.ID); !got.NextAttemptAt.Equal(exact[i]) {
			t.Errorf("%s, scheduled at %s, was moved to %s by a schedule change", p.ID, exact[i], got.NextAttemptAt)
		}
	}
}
