package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestRetryFailedAndQuotaHourly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "carol")
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "api", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var se *storage.StateError
	if _, err := db.RetryFailed(ctx, p.ID); !errors.As(err, &se) || se.State != storage.StateQueued {
		t.Fatalf("retry of a queued post: %v, want a StateError saying queued", err)
	}
	if _, err := db.RetryFailed(ctx, "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("retry of a missing post: %v, want ErrNotFound", err)
	}
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v %d", err, len(leased))
	}
	if err := db.Fail(ctx, storage.LeaseOf(leased[0]), "boom"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	got, err := db.RetryFailed(ctx, strings.ToUpper(p.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.State != storage.StateQueued || !got.NextAttemptAt.Equal(clock.Now()) {
		t.Errorf("after retry: %s due %v, want queued due %v", got.State, got.NextAttemptAt, clock.Now())
	}

	now := clock.Now()
	uses := []storage.QuotaUse{
		{AccountID: a.ID, Kind: storage.QuotaPosts, At: now.Add(-90 * time.Minute), PostID: p.ID}, // hour 22
		{AccountID: a.ID, Kind: storage.QuotaPosts, At: now.Add(-80 * time.Minute), PostID: p.ID}, // hour 22
		{AccountID: a.ID, Kind: storage.QuotaPosts, At: now, PostID: p.ID},                        // last hour
		{AccountID: a.ID, Kind: storage.QuotaPosts, At: now.Add(-25 * time.Hour), PostID: p.ID},   // outside
		{AccountID: a.ID, Kind: storage.QuotaReplies, At: now.Add(-time.Minute), PostID: p.ID},    // other kind
	}
	if err := db.RecordDeletion(ctx, p.ID, uses, nil); err != nil {
		t.Fatal(err)
	}
	hours, err := db.QuotaHourly(ctx, a.ID, storage.QuotaPosts, now, 24)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 24)
	want[22], want[23] = 2, 1
	for i := range want {
		if hours[i] != want[i] {
			t.Fatalf("hourly counts %v, want %v", hours, want)
		}
	}
}
