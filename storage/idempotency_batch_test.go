package storage

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestKeyConflictKeepsTheBatch: a caller who reuses a key with another request (which anyone
// holding a token can do at will) gets its conflict, and the writes that shared its group
// commit are neither lost nor run again: the conflict wrote nothing, so the shared
// transaction commits as it is.
func TestKeyConflictKeepsTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec(`INSERT INTO accounts (threads_user_id, username, token_sealed, token_expires_at, created_at, updated_at)
		VALUES ('1', 'acme', x'00', 0, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	keyed := NewPost{AccountID: 1, Door: "api", Text: "first", IdempotencyKey: "k", IdempotencyScope: "s", RequestDigest: "d1"}
	if _, _, err := db.Enqueue(ctx, keyed); err != nil {
		t.Fatal(err)
	}
	conflicting := keyed
	conflicting.RequestDigest = "d2"

	const goroutines, each = 16, 40
	var reruns, conflicts atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if g%2 == 0 {
					_, _, err := db.Enqueue(ctx, conflicting)
					if _, ok := errors.AsType[*KeyConflictError](err); !ok {
						t.Errorf("conflicting enqueue: %v", err)
					}
					conflicts.Add(1)
					continue
				}
				runs := 0
				err := db.batch.do(ctx, func(tx *sql.Tx) error {
					if runs++; runs > 1 {
						reruns.Add(1)
					}
					_, _, err := db.EnqueueTx(ctx, tx, NewPost{AccountID: 1, Door: "api", Text: "good"})
					return err
				})
				if err != nil {
					t.Errorf("good enqueue: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if n := reruns.Load(); n != 0 {
		t.Errorf("%d good writes ran again after %d conflicts in their batch", n, conflicts.Load())
	}
}
