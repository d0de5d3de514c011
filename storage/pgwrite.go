package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL's hot writes. Most writes run as SERIALIZABLE transactions (see txOpts), which
// keep SQLite's read-then-write code correct among many writers at the price of failed and
// retried transactions whenever two touch neighbouring rows, which concurrent inserts into
// posts' indexes always do. The hottest writes do not need that: each is one statement whose
// own WHERE or unique index decides, so it runs alone in READ COMMITTED, autocommitted, in one
// round trip, and never fails for serialization.

// readCommitted is the isolation of the few PostgreSQL transactions that guard themselves.
var readCommitted = &sql.TxOptions{Isolation: sql.LevelReadCommitted}

// poolExec returns q (its twin on PostgreSQL) bound to the pool: prepared once when it is one
// of the hot statements, so each connection parses it once.
func (db *DB) poolExec(q string) func(context.Context, ...any) (sql.Result, error) {
	q = db.twin(q)
	if st, ok := db.stmts.Load(q); ok {
		return st.(*sql.Stmt).ExecContext
	}
	return func(ctx context.Context, args ...any) (sql.Result, error) { return db.w.ExecContext(ctx, q, args...) }
}

// enqueuePG is Enqueue on PostgreSQL for a post without a signed body (those keep the
// serializable path: two replicas may receive the same signed body at once, and only a
// serializable read of signed_bodies tells the second about the first).
//
// Without an idempotency key the post is one autocommitted INSERT: there is nothing to read
// first. With a key, the lookup and the insert run in READ COMMITTED; two callers racing with
// one key both miss in the lookup, one insert wins, and the other fails on the unique index
// (after waiting for the winner to commit), so running it again finds the winner's post.
func (db *DB) enqueuePG(ctx context.Context, np NewPost) (Post, bool, error) {
	if np.IdempotencyKey == "" {
		var p Post
		err := retrying(ctx, func() (err error) {
			p, _, err = db.insertNew(ctx, np, db.poolExec(insertPost), func(string) error { return nil })
			return err
		})
		if err != nil {
			return Post{}, false, fmt.Errorf("storage: enqueue: %w", err)
		}
		// A second autocommitted statement, not the insert's transaction, so the hot path
		// takes no transaction; when nobody subscribes its EXISTS finds nothing. The post is
		// committed either way, so a failure here (or a crash before it) loses this post.queued
		// event and never fails the enqueue (a caller retrying without a key would post twice).
		if args, aerr := db.lifecycleArgs(EventKindQueued, "post.queued", p); aerr == nil {
			_ = retrying(ctx, func() error { _, err := db.poolExec(addLifecycleQ)(ctx, args...); return err })
		}
		if err != nil {
			return Post{}, false, fmt.Errorf("storage: enqueue: %w", err)
		}
		return p, false, nil
	}
	for try := 1; ; try++ {
		var (
			p       Post
			existed bool
		)
		err := txOnce(ctx, db.w, readCommitted, func(tx *sql.Tx) (err error) {
			p, existed, err = db.EnqueueTx(ctx, tx, np)
			return err
		})
		if err == nil {
			return p, existed, nil
		}
		if conflict, ok := errors.AsType[*KeyConflictError](err); ok {
			return Post{}, false, fmt.Errorf("storage: enqueue: %w", conflict)
		}
		if !uniqueViolation(err) || try == 3 {
			return Post{}, false, fmt.Errorf("storage: enqueue: %w", err)
		}
	}
}

// uniqueViolation reports PostgreSQL's unique_violation (23505).
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// fencedPG is fenced on PostgreSQL: the update's WHERE (this post, still publishing, at this
// attempt) is the whole guard, and READ COMMITTED evaluates it again on the newest version of
// the row after waiting for any transaction holding it, so one autocommitted statement is
// exact. It reports how many rows changed.
func (db *DB) fencedPG(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := retrying(ctx, func() error {
		res, err := db.poolExec(q)(ctx, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
