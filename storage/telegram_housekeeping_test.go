package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// hostedDraft stores a draft with n hosted files of size bytes each.
func hostedDraft(t *testing.T, db *storage.DB, user, msg int64, n int, size int64) storage.TelegramDraft {
	t.Helper()
	ctx := context.Background()
	d, err := db.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: user, UserID: user, MessageID: msg})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		id := d.ID + string(rune('a'+i))
		if err := db.SaveHostedMedia(ctx, storage.HostedMedia{ID: id, DraftID: d.ID, FileName: id, ContentType: "image/jpeg", Size: size}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestTelegramMediaUsageAndLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	d := hostedDraft(t, db, 7, 100, 3, 1000)
	hostedDraft(t, db, 7, 101, 1, 500)
	hostedDraft(t, db, 8, 102, 2, 9999)
	if u, err := db.TelegramMediaUsage(ctx, 7); err != nil || u != (storage.MediaUsage{Files: 4, Bytes: 3500}) {
		t.Fatalf("usage %+v %v", u, err)
	}
	if err := db.ReleaseDraftMedia(ctx, d.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.TelegramMediaUsage(ctx, 7); u != (storage.MediaUsage{Files: 1, Bytes: 500}) {
		t.Fatalf("usage after release %+v: released files are no longer held", u)
	}
	got, err := db.TelegramDraftByMessage(ctx, 7, 100)
	if err != nil || got.ID != d.ID {
		t.Fatalf("by message: %+v %v", got, err)
	}
	if _, err := db.TelegramDraftByMessage(ctx, 7, 999); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown message: %v", err)
	}
}

// Expiry takes open drafts older than the cut-off only, a batch at a time, and releases
// their media at once.
func TestExpireTelegramDraftsInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	var clock time.Time
	db := storagetest.Open(t, func() time.Time { return clock })
	clock = now.Add(-48 * time.Hour)
	var old []storage.TelegramDraft
	for i := range 3 {
		old = append(old, hostedDraft(t, db, 7, int64(i), 1, 10))
	}
	published := hostedDraft(t, db, 7, 10, 1, 10)
	if moved, err := db.MoveTelegramDraft(ctx, published.ID, storage.DraftOpen, storage.DraftPublished); err != nil || !moved {
		t.Fatal(moved, err)
	}
	clock = now
	fresh := hostedDraft(t, db, 7, 20, 1, 10)
	if n, err := db.ExpireTelegramDrafts(ctx, now.Add(-24*time.Hour), now, 2); err != nil || n != 2 {
		t.Fatalf("first batch %d %v, want 2", n, err)
	}
	if n, err := db.ExpireTelegramDrafts(ctx, now.Add(-24*time.Hour), now, 2); err != nil || n != 1 {
		t.Fatalf("second batch %d %v, want 1", n, err)
	}
	for _, d := range old {
		if got, _ := db.TelegramDraft(ctx, d.ID); got.State != storage.DraftDiscarded {
			t.Fatalf("old draft %s is %s", d.ID, got.State)
		}
	}
	for id, want := range map[string]storage.DraftState{published.ID: storage.DraftPublished, fresh.ID: storage.DraftOpen} {
		if got, _ := db.TelegramDraft(ctx, id); got.State != want {
			t.Fatalf("draft %s is %s, want %s", id, got.State, want)
		}
	}
	due, err := db.DueHostedMedia(ctx, now, 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("due %+v %v: want the 3 expired drafts' files", due, err)
	}
}
