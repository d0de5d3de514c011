package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestDeletedPostSaysDeleted: a posted post deleted from Threads keeps state posted (its counts
// and quota uses stand) and reads as "deleted" wherever it is read: by id and in lists.
func TestDeletedPostSaysDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "dora")
	p := completed(t, db, a)
	if got, _ := db.Get(ctx, p.ID); got.Status() != "posted" || !got.DeletedAt.IsZero() {
		t.Fatalf("before deletion: %s %v", got.Status(), got.DeletedAt)
	}
	clock.Advance(time.Minute)
	if err := db.RecordDeletion(ctx, p.ID, []storage.QuotaUse{{AccountID: a.ID, Kind: storage.QuotaDeletes, At: clock.Now(), PostID: p.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != storage.StatePosted || got.Status() != storage.StatusDeleted || !got.DeletedAt.Equal(clock.Now()) {
		t.Errorf("after deletion: state %s, status %s, deleted at %v; want posted, deleted, %v", got.State, got.Status(), got.DeletedAt, clock.Now())
	}
	list, err := db.List(ctx, storage.ListFilter{AccountID: a.ID})
	if err != nil || len(list) != 1 || list[0].Status() != storage.StatusDeleted {
		t.Errorf("list: %v %+v, want the post deleted", err, list)
	}
	_, st, err := db.Progress(ctx, p.ID)
	if err != nil || !st.DeletedAt.Equal(clock.Now()) {
		t.Errorf("publish state deleted at %v (%v)", st.DeletedAt, err)
	}
}
