package storage

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Group commit. With synchronous=FULL every commit costs an fsync (0.2-2 ms on this class of
// disk), so one transaction per write would cap throughput at the fsync rate however many
// callers wait. The batcher runs the writes of every caller that arrives while the previous
// commit is syncing in one transaction (a failing write is taken out and the rest run again,
// so one caller's failure does not undo the others), and answers each caller only after that
// transaction committed. Nobody is acknowledged before their row is durable; callers just
// share the fsync. (ntfy's fire-and-forget batching is what this must not become.)

// maxBatch bounds one transaction, so a flood cannot hold the write lock for long.
const maxBatch = 512

// batcher is the group committer: one lane of gather (SQLite has one writer), each group one
// transaction.
type batcher struct {
	w *sql.DB
	g gather[func(*sql.Tx) error]
	// alone: PostgreSQL, where each write is its own transaction (retried on serialization
	// failures and deadlocks) and nothing is batched; the server has many writers.
	alone    bool
	mu       sync.Mutex
	closed   bool           // alone writes are refused
	inflight sync.WaitGroup // alone writes running, so close waits for them
}

func newBatcher(w *sql.DB) *batcher {
	b := &batcher{w: w}
	b.g = gather[func(*sql.Tx) error]{run: b.commit, lanes: 1, max: maxBatch}
	return b
}

// do runs fn inside a shared write transaction and returns once that transaction committed
// (nil) or fn or the commit failed. If ctx ends while fn still waits in the queue, do returns
// ctx's error and fn never runs; once fn was taken into a batch, do waits for the outcome
// whatever ctx does (see gather.join); fn itself sees ctx.
func (b *batcher) do(ctx context.Context, fn func(*sql.Tx) error) error {
	if !b.alone {
		return b.g.join(ctx, fn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.doAlone(ctx, fn)
}

// close refuses new writes and waits until every write already queued was answered.
func (b *batcher) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.g.close()
	b.inflight.Wait()
}

// doAlone runs fn in a transaction of its own, again on a serialization failure or deadlock.
func (b *batcher) doAlone(ctx context.Context, fn func(*sql.Tx) error) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return errClosed
	}
	b.inflight.Add(1)
	b.mu.Unlock()
	defer b.inflight.Done()
	return retrying(ctx, func() error {
		return txOnce(ctx, b.w, serializable, func(tx *sql.Tx) error { return safely(fn, tx) })
	})
}

// commit runs one batch in one transaction and returns each caller's outcome.
func (b *batcher) commit(batch []func(*sql.Tx) error) []error {
	errs := make([]error, len(batch))
	if err := b.run(batch, errs); err != nil {
		for i := range errs {
			errs[i] = cmp.Or(err, errs[i])
		}
	}
	return errs
}

func (b *batcher) run(batch []func(*sql.Tx) error, errs []error) error {
	// Optimistic: run every write in one transaction without per-item savepoints (they would
	// triple the statements per item). If one write fails, roll back, give that caller its
	// error, and run the rest again; failures are rare (a bad foreign key, a cancelled caller).
	live := make([]int, len(batch))
	for i := range live {
		live[i] = i
	}
	for len(live) > 0 {
		failed, err := b.try(batch, live, errs)
		if err != nil || failed < 0 {
			return err
		}
		live = append(live[:failed:failed], live[failed+1:]...)
	}
	return nil
}

// try runs the live items in one transaction. It returns the index into live of the first item
// that failed (the transaction is then rolled back), or -1 once all committed.
func (b *batcher) try(batch []func(*sql.Tx) error, live []int, errs []error) (failed int, err error) {
	// The transaction serves many callers, so it is not bound to any one caller's context.
	tx, err := b.w.BeginTx(context.Background(), nil)
	if err != nil {
		return -1, fmt.Errorf("begin: %w", err)
	}
	for k, i := range live {
		if errs[i] = safely(batch[i], tx); errs[i] != nil {
			if err := tx.Rollback(); err != nil {
				return -1, fmt.Errorf("rollback: %w", err)
			}
			return k, nil
		}
	}
	if err := tx.Commit(); err != nil {
		return -1, fmt.Errorf("commit: %w", err)
	}
	return -1, nil
}

// safely runs one caller's write, turning a panic into that caller's error, so it is taken
// out of the batch like any failing write instead of failing everyone's.
func safely(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(tx)
}
