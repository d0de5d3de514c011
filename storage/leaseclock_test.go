package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestLeasesFollowTheDatabaseClock: on PostgreSQL, replicas share the queue, so whether a post
// is due and when its lease expires is judged by the server's clock, never by the process's.
// The test moves the server's clock an hour ahead of this process (a clock_timestamp of the
// test's own schema); a post scheduled in 30 minutes by the process's clock is then due, and
// its lease runs out an hour and a minute from the process's now. On SQLite, one process per
// data dir, the process's clock is the database's: the same post is not due.
func TestLeasesFollowTheDatabaseClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := storagetest.Open(t, nil)
	acct := storagetest.Account(t, first, "alice")
	db := storagetest.ReopenServerFunctionsFirst(t, first)
	ahead := time.Duration(0)
	if db.Postgres() {
		ahead = time.Hour
		if _, err := db.Exec(ctx, `CREATE FUNCTION clock_timestamp() RETURNS timestamptz LANGUAGE sql
			AS $$ SELECT pg_catalog.clock_timestamp() + interval '1 hour' $$`); err != nil {
			t.Fatal(err)
		}
	}
	p := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "later",
		ScheduledAt: time.Now().Add(30 * time.Minute)})
	before := time.Now()
	got, err := db.Lease(ctx, 1, time.Minute)
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if !db.Postgres() {
		if len(got) != 0 {
			t.Fatalf("leased %v 30 minutes before it is due", got)
		}
		return
	}
	if len(got) != 1 || got[0].ID != p.ID {
		t.Fatalf("lease = %v; the server's clock says %s is due", got, p.ID)
	}
	lo, hi := before.Add(ahead+time.Minute-time.Second), after.Add(ahead+time.Minute+time.Second)
	if exp := got[0].LeaseExpiresAt; exp.Before(lo) || exp.After(hi) {
		t.Fatalf("lease expires at %s, want the server's now + 1m, between %s and %s", exp, lo, hi)
	}
	// Extending reads the server's clock too.
	if err := db.Extend(ctx, storage.LeaseOf(got[0]), 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	again, err := db.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if exp := again.LeaseExpiresAt; exp.Before(lo.Add(time.Minute)) {
		t.Fatalf("extended lease expires at %s, want after %s", exp, lo.Add(time.Minute))
	}
}
