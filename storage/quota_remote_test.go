package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestSetRemoteQuotaKeepsTheNewerReport: reconciles of one account run at once (the gate, the
// quota job, on several replicas); the report checked last is kept whichever answer arrives
// last, so a slow reconcile cannot bring back a count that misses Threads' newer uses.
func TestSetRemoteQuotaKeepsTheNewerReport(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	report := func(usage int, checked time.Time) storage.RemoteQuota {
		return storage.RemoteQuota{AccountID: a.ID, Kind: storage.QuotaDeletes, Usage: usage, Total: 100, CheckedAt: checked}
	}
	steps := []struct {
		name  string
		set   storage.RemoteQuota
		stand storage.RemoteQuota
	}{
		{"first report", report(10, now), report(10, now)},
		{"a report checked earlier, answered later", report(7, now.Add(-time.Second)), report(10, now)},
		{"a report checked at the same instant", report(8, now), report(10, now)},
		{"a newer report", report(12, now.Add(time.Second)), report(12, now.Add(time.Second))},
	}
	for _, s := range steps {
		if err := db.SetRemoteQuota(ctx, s.set); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := db.QuotaStanding(ctx, a.ID, storage.QuotaDeletes, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Reported || got.Remote != s.stand {
			t.Errorf("after %s: %+v, want %+v", s.name, got.Remote, s.stand)
		}
	}
	// Another kind's report is its own.
	other := storage.RemoteQuota{AccountID: a.ID, Kind: storage.QuotaPosts, Usage: 1, Total: 250, CheckedAt: now.Add(-time.Hour)}
	if err := db.SetRemoteQuota(ctx, other); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.QuotaStanding(ctx, a.ID, storage.QuotaPosts, 24*time.Hour); got.Remote != other {
		t.Errorf("posts report: %+v, want %+v", got.Remote, other)
	}
}
