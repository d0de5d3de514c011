package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestDatabaseRefusesTwoInFlightPerAccount: whatever Lease decides, the database itself
// refuses a second post of an account in 'publishing' (a careless or buggy writer going around
// Lease, or another replica), and allows it again once the first is done.
func TestDatabaseRefusesTwoInFlightPerAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	other := storagetest.Account(t, db, "bob")
	first := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "1"})
	second := enqueue(t, db, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "2"})
	bobs := enqueue(t, db, storage.NewPost{AccountID: other.ID, Door: "cli", Text: "b"})
	got, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(got) != 1 || got[0].ID != first.ID {
		t.Fatalf("lease = %v, %v; want %s", got, err, first.ID)
	}
	sneak := `UPDATE posts SET state = 'publishing', attempts = attempts + 1 WHERE id = ?`
	if _, err := db.Exec(ctx, sneak, second.ID); err == nil {
		t.Fatalf("a second post of %s went in flight beside %s", acct.Username, first.ID)
	}
	if _, err := db.Exec(ctx, sneak, bobs.ID); err != nil {
		t.Fatalf("another account's post must go in flight: %v", err)
	}
	if err := db.Complete(ctx, storage.LeaseOf(got[0]), "m1", "https://threads.net/p/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, sneak, second.ID); err != nil {
		t.Fatalf("once the first is posted, the next may go: %v", err)
	}
}

// TestMigrationRequeuesExtraInFlight: a database from before 0019 that somehow holds two posts
// of one account in flight migrates: the oldest stays in flight, the other waits in the queue.
func TestMigrationRequeuesExtraInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.OpenUnmigrated(t, nil)
	if _, err := db.MigrateTo(ctx, 18); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO accounts (id, threads_user_id, username, created_at, updated_at)
		VALUES (1, '1', 'alice', 0, 0), (2, '2', 'bob', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		id      string
		account int
	}{{"pa00001", 1}, {"pa00002", 1}, {"pb00001", 2}} {
		if _, err := db.Exec(ctx, `INSERT INTO posts (id, account_id, door, scheduled_at, state, next_attempt_at,
			lease_expires_at, attempts, created_at, updated_at) VALUES (?, ?, 'cli', 0, 'publishing', 0, 99, 1, 0, 0)`,
			p.id, p.account); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	for id, want := range map[string]string{"pa00001": "publishing", "pa00002": "queued", "pb00001": "publishing"} {
		p, err := db.Get(ctx, id)
		if err != nil || string(p.State) != want {
			t.Errorf("%s is %s (%v), want %s", id, p.State, err, want)
		}
	}
}
