package storage_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestQuotaReservationsRacingStopAtTheLimit: three handles (three replicas) reserve the last
// slots of an account's deletion quota at once: exactly the limit is granted, and another
// account's quota is untouched.
func TestQuotaReservationsRacingStopAtTheLimit(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	b := storagetest.Account(t, db, "bob")
	handles := replicas(t, db)
	now := time.Now()
	const limit, used = 20, 12
	if _, ok, err := db.ReserveQuota(ctx, storage.QuotaReservation{AccountID: a.ID, Kind: storage.QuotaDeletes,
		N: used, Limit: limit, At: now.Add(-time.Hour), Window: 24 * time.Hour}); err != nil || !ok {
		t.Fatalf("reserving the used part: %v, %v", ok, err)
	}
	var granted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 30 {
		wg.Go(func() {
			<-start
			_, ok, err := handles[i%len(handles)].ReserveQuota(ctx, storage.QuotaReservation{AccountID: a.ID,
				Kind: storage.QuotaDeletes, PostID: "p", N: 1, Limit: limit, At: now, Window: 24 * time.Hour})
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := granted.Load(); got != limit-used {
		t.Fatalf("%d reservations granted, want %d", got, limit-used)
	}
	if n, _, _ := db.QuotaWindow(ctx, a.ID, storage.QuotaDeletes, now.Add(-24*time.Hour)); n != limit {
		t.Fatalf("ledger holds %d uses, want %d", n, limit)
	}
	if _, ok, err := db.ReserveQuota(ctx, storage.QuotaReservation{AccountID: b.ID, Kind: storage.QuotaDeletes,
		N: 2, Limit: limit, At: now, Window: 24 * time.Hour}); err != nil || !ok {
		t.Fatalf("another account: %v, %v", ok, err)
	}
}

// TestQuotaReservationCountsThreadsAndReleases: Threads' own count, when higher, is what a
// reservation measures against, and a smaller total it reported caps the limit; a released
// reservation frees its slots; a reservation that does not fit writes nothing.
func TestQuotaReservationCountsThreadsAndReleases(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	now := time.Now()
	r := storage.QuotaReservation{AccountID: a.ID, Kind: storage.QuotaDeletes, N: 3, Limit: 100, At: now, Window: 24 * time.Hour}
	if err := db.SetRemoteQuota(ctx, storage.RemoteQuota{AccountID: a.ID, Kind: storage.QuotaDeletes, Usage: 95,
		Total: 100, CheckedAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	ids, ok, err := db.ReserveQuota(ctx, r)
	if err != nil || !ok || len(ids) != 3 {
		t.Fatalf("95 used by Threads, 3 more: %v %v %v", ids, ok, err)
	}
	if more, ok, err := db.ReserveQuota(ctx, r); err != nil || ok || len(more) != 0 {
		t.Fatalf("98 used, 3 more granted: %v %v %v", more, ok, err)
	}
	if n, _, _ := db.QuotaWindow(ctx, a.ID, storage.QuotaDeletes, now.Add(-24*time.Hour)); n != 3 {
		t.Fatalf("a refused reservation wrote: %d uses", n)
	}
	if err := db.ReleaseQuota(ctx, ids[1:]); err != nil {
		t.Fatal(err)
	}
	r.N = 2
	if _, ok, err := db.ReserveQuota(ctx, r); err != nil || !ok {
		t.Fatalf("after releasing two: %v, %v", ok, err)
	}
	// A newer report (an older one would be ignored: SetRemoteQuota keeps the newest).
	if err := db.SetRemoteQuota(ctx, storage.RemoteQuota{AccountID: a.ID, Kind: storage.QuotaDeletes, Usage: 0,
		Total: 4, CheckedAt: now.Add(-30 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	r.N = 2
	if _, ok, err := db.ReserveQuota(ctx, r); err != nil || ok {
		t.Fatalf("Threads' total of 4 with 3 used, 2 more: granted %v, %v", ok, err)
	}
	r.N = 1
	if _, ok, err := db.ReserveQuota(ctx, r); err != nil || !ok {
		t.Fatalf("Threads' total of 4 with 3 used, 1 more: refused %v, %v", ok, err)
	}
}
