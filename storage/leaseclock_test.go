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
	db, acct, ahead := serverClockOff(t, time.Hour)
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

// TestTheQuotaLedgerFollowsTheDatabaseClock: a quota use whose time the caller leaves zero (the
// publisher does) is dated by the ledger's clock, as Clock reads it: on PostgreSQL the server's,
// here an hour ahead of this process, so the uses of replicas whose clocks disagree, and the
// reports they reconcile, are dated alike. On SQLite it is the process's clock.
func TestTheQuotaLedgerFollowsTheDatabaseClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, acct, ahead := serverClockOff(t, time.Hour)
	p := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "gone"})
	before := time.Now()
	clock, err := db.Clock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordDeletion(ctx, p.ID, []storage.QuotaUse{{AccountID: acct.ID, Kind: storage.QuotaDeletes, PostID: p.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	lo, hi := before.Add(ahead-time.Second), after.Add(ahead+time.Second)
	if clock.Before(lo) || clock.After(hi) {
		t.Errorf("Clock = %s, want between %s and %s", clock, lo, hi)
	}
	at, err := db.QuotaNth(ctx, acct.ID, storage.QuotaDeletes, before.Add(-time.Minute), 1)
	if err != nil {
		t.Fatal(err)
	}
	if at.Before(lo) || at.After(hi) {
		t.Errorf("the use is dated %s, want the ledger's clock, between %s and %s", at, lo, hi)
	}
	// The gate's window ends at the ledger's clock, which it is given to judge by.
	u, err := db.QuotaStanding(ctx, acct.ID, storage.QuotaDeletes, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if u.Now.Before(lo) || u.Now.After(time.Now().Add(ahead+time.Second)) || u.Local != 1 {
		t.Errorf("standing: now %s with %d uses, want the ledger's clock (after %s) and 1 use", u.Now, u.Local, lo)
	}
	// A post told to wait for the quota until half an hour from now by this process's clock
	// waits no longer by the ledger's, when that runs an hour ahead.
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v %v", leased, err)
	}
	told := storage.PublishState{DelayedUntil: before.Add(30 * time.Minute), DelayedKind: storage.QuotaPosts}
	if err := db.Advance(ctx, storage.LeaseOf(leased[0]), storage.Step{State: &told,
		Retry: &storage.RetryAt{Next: before.Add(3 * time.Hour), Reason: "quota"}}); err != nil {
		t.Fatal(err)
	}
	want := 0 // the half hour has passed by the ledger's clock
	if ahead == 0 {
		want = 1 // SQLite: the ledger's clock is this process's
	}
	waiting, err := db.QuotaWaiting(ctx, acct.ID, "another post", storage.QuotaPosts)
	if err != nil || waiting != want {
		t.Errorf("posts waiting for the quota: %d (%v), want %d", waiting, err, want)
	}
}

// serverClockOff opens a database with an account, alice, whose server clock runs off ahead
// of this process (behind, when negative) on PostgreSQL, and reports the offset: zero on
// SQLite, whose clock is the process's.
func serverClockOff(t *testing.T, off time.Duration) (*storage.DB, storage.Account, time.Duration) {
	t.Helper()
	first := storagetest.Open(t, nil)
	acct := storagetest.Account(t, first, "alice")
	db, off := storagetest.ReopenWithServerClock(t, first, off)
	return db, acct, off
}

// TestWhatAProcessWritesFollowsTheDatabaseClock: a replica whose clock runs an hour ahead of
// the server's writes the times it stamps by the server's clock (Now): a post to go out now is
// due at once, and so is an event to deliver. Stamped by the replica's own clock, both waited
// an hour.
func TestWhatAProcessWritesFollowsTheDatabaseClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	before := time.Now()
	db, acct, off := serverClockOff(t, -time.Hour)
	if now := db.Now(); now.Before(before.Add(off-time.Second)) || now.After(time.Now().Add(off+time.Second)) {
		t.Fatalf("Now = %s, want the server's clock, %s from this process's", now, off)
	}
	p := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "now"})
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != p.ID {
		t.Fatalf("lease = %v, %v; a post to go out now is due by the server's clock", leased, err)
	}
	if err := db.AddOutbox(ctx, storage.OutboxEvent{Key: "k", Door: "cli", Payload: []byte("{}"), PostID: p.ID}); err != nil {
		t.Fatal(err)
	}
	items, err := db.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(items) != 1 {
		t.Fatalf("claim outbox = %v, %v; an event written now is due by the server's clock", items, err)
	}
}

// TestNowFollowsTheServersClockWhenItMoves: the offset Now keeps is heard again at each read
// of the server's clock, so a clock stepped (by NTP, on either machine) after the database
// was opened is followed from the next claim on, not only after a restart.
func TestNowFollowsTheServersClockWhenItMoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := storagetest.Open(t, nil)
	db, _ := storagetest.ReopenWithServerClock(t, first, 0)
	if !db.Postgres() {
		return // one process's clock: nothing to follow
	}
	if d := time.Until(db.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("Now is %s off this process's clock before the server's moved", d)
	}
	if _, err := first.Exec(ctx, `CREATE OR REPLACE FUNCTION clock_timestamp() RETURNS timestamptz LANGUAGE sql
		AS $$ SELECT pg_catalog.clock_timestamp() + interval '1 hour' $$`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimOutbox(ctx, time.Minute, 1); err != nil { // as the delivery job does every 2 s
		t.Fatal(err)
	}
	if d := time.Until(db.Now()); d < time.Hour-time.Second || d > time.Hour+time.Second {
		t.Fatalf("after a claim, Now is %s ahead of this process's clock, want the server's hour", d)
	}
}
