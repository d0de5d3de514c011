package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestMigrationKeepsOldKeys: rows keyed before 0009 (one key per door) still answer a retry of
// their key on their account after the upgrade, whoever the new scope says sent it; a post for
// another account with the same key is a new post.
func TestMigrationKeepsOldKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.OpenUnmigrated(t, clock.Now)
	if _, err := db.MigrateTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO accounts (threads_user_id, username, token_sealed, token_expires_at, created_at, updated_at)
		VALUES ('1', 'alice', NULL, 0, 0, 0), ('2', 'bob', NULL, 0, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO posts (id, account_id, door, text, scheduled_at, next_attempt_at,
		idempotency_key, created_at, updated_at) VALUES ('pold001', 1, 'webhook', 'old', 0, 0, 'ci:key:deploy-1', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if applied, err := db.Migrate(ctx); err != nil || len(applied) == 0 {
		t.Fatalf("migrate to latest: %v %v", applied, err)
	}
	np := storage.NewPost{AccountID: 1, Door: "webhook", Text: "old", IdempotencyKey: "ci:key:deploy-1",
		IdempotencyScope: "source:ci", RequestDigest: "d1"}
	p, existed, err := db.Enqueue(ctx, np)
	if err != nil || !existed || p.ID != "pold001" {
		t.Fatalf("retry of an old key: %s existed=%v err=%v, want pold001", p.ID, existed, err)
	}
	np.AccountID = 2
	if p, existed, err = db.Enqueue(ctx, np); err != nil || existed || p.ID == "pold001" {
		t.Fatalf("same key for another account: %s existed=%v err=%v, want a new post", p.ID, existed, err)
	}
}

// TestEnqueueKeyScopes: a key is the caller's; its repeat with another digest is a conflict
// that stores nothing; a signed body is remembered for its scope within the replay window.
func TestEnqueueKeyScopes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	acct := storagetest.Account(t, db, "acme")
	post := func(scope, digest, body, text string) (storage.Post, bool, error) {
		return db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "api", Text: text, IdempotencyKey: "k",
			IdempotencyScope: scope, RequestDigest: digest, BodyDigest: body})
	}
	a, _, err := post("slack:T1:UA", "d1", "", "a")
	if err != nil {
		t.Fatal(err)
	}
	if b, existed, err := post("slack:T1:UB", "d2", "", "b"); err != nil || existed || b.ID == a.ID {
		t.Fatalf("another caller's key: %+v %v %v", b, existed, err)
	}
	if again, existed, err := post("slack:T1:UA", "d1", "", "a"); err != nil || !existed || again.ID != a.ID {
		t.Fatalf("replay: %+v %v %v", again, existed, err)
	}
	_, _, err = post("slack:T1:UA", "d9", "", "changed")
	var conflict *storage.KeyConflictError
	if !errors.As(err, &conflict) || conflict.PostID != a.ID {
		t.Fatalf("same key, other request: %v, want a KeyConflictError naming %s", err, a.ID)
	}

	body := func(scope, digest string) (storage.Post, bool, error) {
		return db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "webhook", Text: "t",
			IdempotencyScope: scope, BodyDigest: digest})
	}
	first, _, err := body("source:gh", "b1")
	if err != nil {
		t.Fatal(err)
	}
	if p, existed, err := body("source:gh", "b1"); err != nil || !existed || p.ID != first.ID {
		t.Fatalf("same body, same source: %+v %v %v", p, existed, err)
	}
	if p, existed, err := body("source:other", "b1"); err != nil || existed || p.ID == first.ID {
		t.Fatalf("same body, another source: %+v %v %v", p, existed, err)
	}
	clock.Advance(storage.BodyReplayWindow + time.Minute)
	later, existed, err := body("source:gh", "b1")
	if err != nil || existed || later.ID == first.ID {
		t.Fatalf("same body after the window: %+v %v %v", later, existed, err)
	}
	if p, existed, err := body("source:gh", "b1"); err != nil || !existed || p.ID != later.ID {
		t.Fatalf("the body is remembered again for its new post: %+v %v %v", p, existed, err)
	}
	// Writing a body pruned the ones that left the window (source:other's).
	if n := storagetest.Watch(t, db).Count(t, "signed_bodies"); n != 1 {
		t.Errorf("%d signed bodies remembered, want 1 once the old ones are pruned", n)
	}
	if _, _, err := body("", "b2"); err == nil {
		t.Fatal("a body digest without a scope was accepted")
	}
}
