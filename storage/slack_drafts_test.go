package storage_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestSlackDraftRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	d, err := db.CreateSlackDraft(ctx, storage.SlackDraft{Team: "T1", Channel: "C1", User: "UALICE",
		Command: "preview --poll \"A | B\" Which?\nsecond line", ResponseURL: "https://hooks.slack.com/r/1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ID) != 16 || d.State != storage.DraftOpen || !d.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("created %+v", d)
	}
	got, err := db.SlackDraft(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != d {
		t.Fatalf("read back %+v, want %+v", got, d)
	}
	if _, err := db.SlackDraft(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown draft: %v, want ErrNotFound", err)
	}
	if err := db.SetSlackDraftPost(ctx, d.ID, "pabcdef"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSlackDraftResponseURL(ctx, d.ID, "https://hooks.slack.com/r/2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.SlackDraft(ctx, d.ID); got.PostID != "pabcdef" || got.ResponseURL != "https://hooks.slack.com/r/2" {
		t.Fatalf("after the setters: %+v", got)
	}
}

// Many presses at once: exactly one moves the draft; an expired draft is not moved at all.
func TestMoveSlackDraftOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	d, err := db.CreateSlackDraft(ctx, storage.SlackDraft{Team: "T1", User: "U1", Command: "preview x"})
	if err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := storage.DraftPublished
			if i%2 == 1 {
				to = storage.DraftDiscarded
			}
			moved, err := db.MoveSlackDraft(ctx, d.ID, storage.DraftOpen, to, time.Time{})
			if err != nil {
				t.Error(err)
			}
			if moved {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d presses moved the draft, want exactly 1", wins.Load())
	}

	old, err := db.CreateSlackDraft(ctx, storage.SlackDraft{Team: "T1", User: "U1", Command: "preview y"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(25 * time.Hour)
	moved, err := db.MoveSlackDraft(ctx, old.ID, storage.DraftOpen, storage.DraftPublished, clock.Now().Add(-24*time.Hour))
	if err != nil || moved {
		t.Fatalf("an expired draft moved: %v %v", moved, err)
	}
}

// DeleteSlackDrafts deletes drafts by age, in batches, whatever their state.
func TestDeleteSlackDrafts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	var old []string
	for i := range 3 {
		d, err := db.CreateSlackDraft(ctx, storage.SlackDraft{Team: "T1", User: "U1", Command: "preview old"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := db.MoveSlackDraft(ctx, d.ID, storage.DraftOpen, storage.DraftPublished, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		old = append(old, d.ID)
		clock.Advance(time.Minute)
	}
	clock.Advance(24 * time.Hour)
	young, err := db.CreateSlackDraft(ctx, storage.SlackDraft{Team: "T1", User: "U1", Command: "preview young"})
	if err != nil {
		t.Fatal(err)
	}
	before := clock.Now().Add(-time.Hour)
	if n, err := db.DeleteSlackDrafts(ctx, before, 2); err != nil || n != 2 {
		t.Fatalf("first batch: %d, %v; want 2", n, err)
	}
	if n, err := db.DeleteSlackDrafts(ctx, before, 2); err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v; want 1", n, err)
	}
	for _, id := range old {
		if _, err := db.SlackDraft(ctx, id); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("old draft %s: %v, want it deleted", id, err)
		}
	}
	if _, err := db.SlackDraft(ctx, young.ID); err != nil {
		t.Errorf("the young draft: %v", err)
	}
}
