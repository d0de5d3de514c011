package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
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

// errClosed is returned to writes submitted after Close.
var errClosed = errors.New("storage: database is closed")

type batchReq struct {
	fn     func(*sql.Tx) error
	answer chan answer // one outcome; before it, perhaps the call to lead
	pinned bool        // under batcher.mu: taken into a batch or chosen to lead, so it must wait
}

// answer tells a waiting caller either the outcome of its write or that it leads next.
type answer struct {
	err  error
	lead bool
}

// batcher is the group committer. It has no goroutine of its own: the caller that finds no
// batch running leads, runs every write queued so far in one transaction, answers each caller
// in it, and hands the lead to the oldest caller still waiting. A lone caller thus commits its
// own write with no hand-off between goroutines (each costs tens of microseconds of wake-up),
// while under load the writes that queue during one commit share the next.
type batcher struct {
	w       *sql.DB
	mu      sync.Mutex
	queue   []*batchReq // waiting for a leader to take them
	leading bool        // a caller is leading
	closed  bool
	leaders sync.WaitGroup // held while anyone leads, so close waits for the last commit
	// alone: PostgreSQL, where each write is its own transaction (retried on serialization
	// failures and deadlocks) and nothing is batched; the server has many writers.
	alone    bool
	inflight sync.WaitGroup // alone writes running, so close waits for them
}

func newBatcher(w *sql.DB) *batcher { return &batcher{w: w} }

// do runs fn inside a shared write transaction and returns once that transaction committed
// (nil) or fn or the commit failed. If ctx ends while fn still waits in the queue, do returns
// ctx's error and fn never runs; once fn was taken into a batch, do waits for the outcome
// whatever ctx does: fn itself sees ctx, and an answer that arrived after the caller left
// would otherwise be a lie.
func (b *batcher) do(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.alone {
		return b.doAlone(ctx, fn)
	}
	r := &batchReq{fn: fn, answer: make(chan answer, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return errClosed
	}
	b.queue = append(b.queue, r)
	lead := !b.leading
	if lead {
		b.leading = true
		b.leaders.Add(1)
	}
	b.mu.Unlock()
	if !lead {
		a, err := b.wait(ctx, r)
		if err != nil || !a.lead {
			return cmp.Or(err, a.err)
		}
	}
	b.lead()
	return (<-r.answer).err
}

// wait waits for r's answer; when ctx ends first and r is still only queued, it takes r out.
func (b *batcher) wait(ctx context.Context, r *batchReq) (answer, error) {
	select {
	case a := <-r.answer:
		return a, nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	if !r.pinned {
		b.queue = slices.DeleteFunc(b.queue, func(q *batchReq) bool { return q == r })
		b.mu.Unlock()
		return answer{}, ctx.Err()
	}
	b.mu.Unlock()
	return <-r.answer, nil
}

// close refuses new writes and waits until every write already queued was answered.
func (b *batcher) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.leaders.Wait()
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

// lead commits one batch (the leader's own write among it) and passes the lead on.
func (b *batcher) lead() {
	// The callers answered by the last commit are waking up to queue their next write. Yield
	// while the queue keeps growing, so they can: a batch twice the size costs the same fsync.
	for prev := -1; ; {
		b.mu.Lock()
		n := len(b.queue)
		b.mu.Unlock()
		if n == prev || n >= maxBatch {
			break
		}
		prev = n
		runtime.Gosched()
	}
	b.mu.Lock()
	n := min(len(b.queue), maxBatch)
	batch := b.queue[:n:n]
	b.queue = slices.Clone(b.queue[n:])
	for _, r := range batch {
		r.pinned = true
	}
	b.mu.Unlock()

	b.commit(batch)

	b.mu.Lock()
	if len(b.queue) == 0 {
		b.leading = false
		b.mu.Unlock()
		b.leaders.Done()
		return
	}
	next := b.queue[0]
	next.pinned = true
	b.mu.Unlock()
	next.answer <- answer{lead: true}
}

// commit runs one batch in one transaction and answers every caller in it.
func (b *batcher) commit(batch []*batchReq) {
	errs := make([]error, len(batch))
	err := b.run(batch, errs)
	for i, r := range batch {
		r.answer <- answer{err: cmp.Or(err, errs[i])}
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
	for k, i := range live {
		if errs[i] = safely(batch[i].fn, tx); errs[i] != nil {
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
