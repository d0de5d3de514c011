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

func TestTelegramDraftRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	d, err := db.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: 42, UserID: 7, MessageID: 3,
		Text: "hello\nworld", Media: []storage.Media{{Kind: "image", URL: "https://x/media/a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ID) != 16 || d.State != storage.DraftOpen {
		t.Fatalf("created %+v", d)
	}
	got, err := db.TelegramDraft(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ChatID != 42 || got.UserID != 7 || got.MessageID != 3 || got.Text != "hello\nworld" ||
		len(got.Media) != 1 || got.Media[0].URL != "https://x/media/a" || got.State != storage.DraftOpen {
		t.Fatalf("read back %+v", got)
	}
	if _, err := db.TelegramDraft(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown draft: %v, want ErrNotFound", err)
	}
	if err := db.SetTelegramDraftPost(ctx, d.ID, "pabcdef"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.TelegramDraft(ctx, d.ID); got.PostID != "pabcdef" {
		t.Fatalf("post id %q", got.PostID)
	}
}

// Many presses of the same button at once: exactly one moves the draft.
func TestMoveTelegramDraftOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	d, err := db.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: 1, UserID: 1, MessageID: 1, Text: "x"})
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
			ok, err := db.MoveTelegramDraft(ctx, d.ID, storage.DraftOpen, to)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d presses moved the draft, want exactly 1", wins.Load())
	}
	got, _ := db.TelegramDraft(ctx, d.ID)
	if got.State == storage.DraftOpen {
		t.Fatal("draft still open")
	}
	if ok, _ := db.MoveTelegramDraft(ctx, "unknown", storage.DraftOpen, storage.DraftPublished); ok {
		t.Fatal("moved an unknown draft")
	}
}

func TestHostedMediaLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	d1, _ := db.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: 1, UserID: 1, MessageID: 1})
	d2, _ := db.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: 1, UserID: 1, MessageID: 2})
	for _, m := range []storage.HostedMedia{
		{ID: "m1", DraftID: d1.ID, FileName: "m1", ContentType: "image/jpeg", Size: 10},
		{ID: "m2", DraftID: d1.ID, FileName: "m2", ContentType: "image/png", Size: 20},
		{ID: "m3", DraftID: d2.ID, FileName: "m3", ContentType: "video/mp4", Size: 30},
	} {
		if err := db.SaveHostedMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	m, err := db.HostedMediaByID(ctx, "m2")
	if err != nil || m.ContentType != "image/png" || m.Size != 20 || m.DraftID != d1.ID || !m.DeleteAfter.IsZero() {
		t.Fatalf("read m2: %+v, %v", m, err)
	}
	if _, err := db.HostedMediaByID(ctx, "zz"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown media: %v", err)
	}
	now := clock.Now()
	if due, _ := db.DueHostedMedia(ctx, now.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("due before any release: %v", due)
	}
	if err := db.SetTelegramDraftPost(ctx, d1.ID, "ppost01"); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleasePostMedia(ctx, "ppost01", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A second release (a repeated event) keeps the first mark.
	if err := db.ReleasePostMedia(ctx, "ppost01", now.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseDraftMedia(ctx, d2.ID, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueHostedMedia(ctx, now.Add(90*time.Minute), 10)
	if err != nil || len(due) != 2 || due[0].ID == "m3" || due[1].ID == "m3" {
		t.Fatalf("due at +90m: %+v, %v", due, err)
	}
	if err := db.DeleteHostedMedia(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	due, _ = db.DueHostedMedia(ctx, now.Add(3*time.Hour), 10)
	if len(due) != 2 || due[0].ID != "m2" || due[1].ID != "m3" {
		t.Fatalf("due at +3h after deleting m1: %+v", due)
	}
}
