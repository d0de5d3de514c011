package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// Group commit. With synchronous=FULL every commit costs an fsync (about 2 ms on this class of
// disk), so one transaction per enqueue caps throughput near 500/s however many producers wait.
// The batcher runs the writes of every caller that arrives while the previous commit is syncing
// in one transaction (a failing write is taken out and the rest run again, so one caller's
// failure does not undo the others), and answers each caller only after that transaction
// committed. Nobody is acknowledged
// before their row is durable; callers just share the fsync. (ntfy's fire-and-forget batching is
// what this must not become.)

// maxBatch bounds one transaction, so a flood cannot hold the write lock for long.
const maxBatch = 512

// errClosed is returned to writes submitted after Close.
var errClosed = errors.New("storage: database is closed")

type batchReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	errc chan error
}

type batcher struct {
	w       *sql.DB
	reqs    chan *batchReq
	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

func newBatcher(w *sql.DB) *batcher {
	b := &batcher{w: w, reqs: make(chan *batchReq), closing: make(chan struct{})}
	b.wg.Add(1)
	go b.loop()
	return b
}

// do runs fn inside a shared write transaction and returns once that transaction committed
// (nil) or fn or the commit failed. It waits for the outcome even if ctx ends meanwhile: fn
// itself sees ctx, and an answer that arrived after the caller left would otherwise be a lie.
func (b *batcher) do(ctx context.Context, fn func(*sql.Tx) error) error {
	r := &batchReq{ctx: ctx, fn: fn, errc: make(chan error, 1)}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.closing:
		return errClosed
	}
	return <-r.errc
}

func (b *batcher) close() {
	b.once.Do(func() { close(b.closing) })
	b.wg.Wait()
}

func (b *batcher) loop() {
	defer b.wg.Done()
	batch := make([]*batchReq, 0, maxBatch)
	for {
		select {
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		case <-b.closing:
			return
		}
		// The callers answered by the last commit are waking up to send their next write.
		// When the queue looks empty, yield so they can, and again as long as yielding
		// brought more: a batch twice the size costs the same fsync.
		for arrived := true; len(batch) < maxBatch; {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
				arrived = true
				continue
			default:
			}
			if !arrived {
				break
			}
			runtime.Gosched()
			arrived = false
		}
		b.commit(batch)
	}
}

// commit runs one batch in one transaction and answers every caller in it.
func (b *batcher) commit(batch []*batchReq) {
	errs := make([]error, len(batch))
	err := b.run(batch, errs)
	for i, r := range batch {
		if err != nil {
			r.errc <- err
		} else {
			r.errc <- errs[i]
		}
	}
}

func (b *batcher) run(batch []*batchReq, errs []error) error {
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
func (b *batcher) try(batch []*batchReq, live []int, errs []error) (failed int, err error) {
	// The transaction serves many callers, so it is not bound to any one caller's context.
	tx, err := b.w.BeginTx(context.Background(), nil)
	if err != nil {
		return -1, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			failed, err = -1, fmt.Errorf("write panicked: %v", p)
		}
	}()
	for k, i := range live {
		if errs[i] = batch[i].fn(tx); errs[i] != nil {
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
