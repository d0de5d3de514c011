package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestQuotaStanding: the gate's one read gives the ledger's clock and counts this account's
// uses of this quota in the window that ends there (not older ones, not another kind's or
// account's), and gives Threads' last report with the local uses since it, or says there was
// none.
func TestQuotaStanding(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	db := storagetest.Open(t, func() time.Time { return now }) // the ledger's clock, on both engines
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	b := storagetest.Account(t, db, "bob")
	use := func(acct int64, kind storage.QuotaKind, n int, ago time.Duration) {
		t.Helper()
		uses := make([]storage.QuotaUse, n)
		for i := range uses {
			uses[i] = storage.QuotaUse{AccountID: acct, Kind: kind, At: now.Add(-ago), PostID: "p"}
		}
		if err := db.AddQuotaUses(ctx, uses...); err != nil {
			t.Fatalf("record %d uses: %v", n, err)
		}
	}
	use(a.ID, storage.QuotaPosts, 3, 30*time.Hour) // left the window
	use(a.ID, storage.QuotaPosts, 2, 10*time.Hour)
	use(a.ID, storage.QuotaPosts, 4, time.Hour)
	use(a.ID, storage.QuotaReplies, 5, time.Hour)
	use(b.ID, storage.QuotaPosts, 7, time.Hour)

	got, err := db.QuotaStanding(ctx, a.ID, storage.QuotaPosts, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := (storage.QuotaStanding{Now: now, Local: 6}); got != want {
		t.Fatalf("never reconciled: %+v, want %+v", got, want)
	}

	report := storage.RemoteQuota{AccountID: a.ID, Kind: storage.QuotaPosts, Usage: 40, Total: 250, CheckedAt: now.Add(-5 * time.Hour)}
	if err := db.SetRemoteQuota(ctx, report); err != nil {
		t.Fatal(err)
	}
	got, err = db.QuotaStanding(ctx, a.ID, storage.QuotaPosts, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := (storage.QuotaStanding{Now: now, Local: 6, Remote: report, Reported: true, SinceReport: 4}); got != want {
		t.Fatalf("reconciled: %+v, want %+v", got, want)
	}
	got, err = db.QuotaStanding(ctx, a.ID, storage.QuotaReplies, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := (storage.QuotaStanding{Now: now, Local: 5}); got != want {
		t.Fatalf("another kind: %+v, want %+v (the posts report is not the replies')", got, want)
	}
}
