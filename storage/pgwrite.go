package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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

// guardedWrite runs fn as one write whose statements guard themselves (a row lock, an
// advisory lock, a WHERE checked again after a lock wait): on PostgreSQL a READ COMMITTED
// transaction, run again on a serialization failure or deadlock; on SQLite one write of the
// group committer, alone on the one writer.
func (db *DB) guardedWrite(ctx context.Context, fn func(*sql.Tx) error) error {
	if !db.pg {
		return db.batch.do(ctx, fn)
	}
	return retrying(ctx, func() error { return txOnce(ctx, db.w, readCommitted, fn) })
}

// poolExec returns q bound to the pool: prepared once when it is one
// of the hot statements, so each connection parses it once.
func (db *DB) poolExec(q string) func(context.Context, ...any) (sql.Result, error) {
	if st, ok := db.stmts.Load(q); ok {
		return st.(*sql.Stmt).ExecContext
	}
	return func(ctx context.Context, args ...any) (sql.Result, error) { return db.w.ExecContext(ctx, q, args...) }
}

// enqueuePG is Enqueue on PostgreSQL for a post without a signed body (those keep the
// serializable path: two replicas may receive the same signed body at once, and only a
// serializable read of signed_bodies tells the second about the first).
//
// Without an idempotency key the post goes into a group insert (pginsert.go) with the
// enqueues arriving beside it. With a key, or when its group did not write it, the lookup and
// the insert (and its event) run in one READ COMMITTED transaction; two callers racing with
// one key both miss in the lookup, one insert wins, and the other fails on the unique index
// (after waiting for the winner to commit), so running it again finds the winner's post.
func (db *DB) enqueuePG(ctx context.Context, np NewPost) (Post, bool, error) {
	if np.IdempotencyKey == "" {
		r, err := db.newRow(np)
		if err != nil {
			return Post{}, false, fmt.Errorf("storage: enqueue: %w", err)
		}
		r.id = db.postID()
		switch err := db.inserts.g.join(ctx, &r); {
		case err == nil:
			return r.post(), false, nil
		case !errors.Is(err, errAlone):
			return Post{}, false, fmt.Errorf("storage: enqueue: %w", err)
		}
	}
	for try := 1; ; try++ {
		var (
			p       Post
			existed bool
		)
		err := db.guardedWrite(ctx, func(tx *sql.Tx) (err error) {
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

// leasePG is Lease on PostgreSQL: one statement, so replicas lease beside each other instead
// of taking turns. It locks what it claims and skips what another leaser locked: a post in
// flight whose lease expired (FOR UPDATE), and an idle account whose oldest due post it takes
// (FOR NO KEY UPDATE, which inserts into posts, checking their account key, do not wait for).
// A leaser whose snapshot predates another's claim may pick that claimed post too; READ
// COMMITTED evaluates the UPDATE's WHERE again on the newest version of the row, which is no
// longer queued, so it is left out. posts_one_in_flight is the last guard: a second post of
// one account in flight fails the statement with 23505, and the lease runs again.
//
// now is the server's clock unless a test injected one (the first parameter is then set).
func (db *DB) leasePG(ctx context.Context, n int, ttl time.Duration, held []string) ([]Post, error) {
	var clock any
	if !db.serverClock {
		clock = ms(db.now())
	}
	if held == nil {
		held = []string{}
	}
	window := max(8*n, 64)
	for try := 1; ; try++ {
		out, err := claimQuery(ctx, db, scanPost, leaseQ, clock, ttl.Milliseconds(), held, n, window)
		if err == nil || !uniqueViolation(err) || try == 5 {
			return out, err
		}
	}
}

// leaseQ claims up to $4 posts: expired leases first, then the oldest due post of each idle
// active account; an account with a post whose container is in flight (awaiting, migration
// 0036) offers that post alone, once it is due. Like SQLite's leaseCandidates it reads the
// first $5 due posts in due order, whatever their account, and only when they were all of
// busy accounts and gave fewer than $4 heads probes account by account (the LATERAL, which a
// one-time filter skips otherwise): a filter skipping every busy account's backlog in the due
// scan cost a row per queued post of theirs on every lease. The accounts that cannot lease
// (busy, or not active) are read once into a hashed set rather than probed or joined for every
// due post, so the plan stays cheap whatever the planner guesses: the in-flight index holds an
// entry for every post that went through publishing until VACUUM removes it, and a schema
// without statistics had the planner scan every active account per due post (milliseconds per
// lease either way). $1 is an injected clock or NULL, $2 the lease's length in milliseconds,
// $3 the posts the caller still holds.
const leaseQ = `WITH clock AS (
		SELECT COALESCE(CAST($1 AS BIGINT), ` + serverNowExpr + `) AS now),
	expired AS (
		SELECT p.id FROM posts p
		WHERE p.state = 'publishing' AND p.lease_expires_at <= (SELECT now FROM clock)
			AND p.id <> ALL(CAST($3 AS TEXT[]))
		ORDER BY p.lease_expires_at
		LIMIT $4
		FOR UPDATE OF p SKIP LOCKED),
	unready AS MATERIALIZED (
		SELECT account_id FROM posts WHERE state = 'publishing'
		UNION ALL
		SELECT id FROM accounts WHERE status <> 'active'),
	awaiting AS MATERIALIZED (
		SELECT id, account_id, next_attempt_at, seq FROM posts
		WHERE state = 'queued' AND awaiting_container = 1),
	scan AS MATERIALIZED (
		SELECT id, account_id, next_attempt_at, seq FROM posts
		WHERE state = 'queued' AND next_attempt_at <= (SELECT now FROM clock)
		ORDER BY next_attempt_at, seq
		LIMIT $5),
	ready AS MATERIALIZED (
		SELECT id, account_id, next_attempt_at, seq FROM scan
		WHERE account_id NOT IN (SELECT account_id FROM unready)
			AND account_id NOT IN (SELECT account_id FROM awaiting)
		UNION ALL
		SELECT id, account_id, next_attempt_at, seq FROM awaiting
		WHERE next_attempt_at <= (SELECT now FROM clock)
			AND account_id NOT IN (SELECT account_id FROM unready)),
	probed AS (
		SELECT h.id, h.account_id, h.next_attempt_at, h.seq FROM accounts a
		CROSS JOIN LATERAL (
			SELECT p.id, p.account_id, p.next_attempt_at, p.seq FROM posts p
			WHERE p.account_id = a.id AND p.state = 'queued'
				AND p.next_attempt_at <= (SELECT now FROM clock)
			ORDER BY p.next_attempt_at, p.seq
			LIMIT 1) h
		WHERE a.status = 'active' AND a.id NOT IN (SELECT account_id FROM unready)
			AND a.id NOT IN (SELECT account_id FROM awaiting)
			AND (SELECT count(*) FROM scan) = $5
			AND (SELECT count(DISTINCT account_id) FROM ready) < $4),
	heads AS (
		SELECT DISTINCT ON (account_id) id, account_id, next_attempt_at, seq FROM (
			SELECT id, account_id, next_attempt_at, seq FROM ready
			UNION ALL
			SELECT id, account_id, next_attempt_at, seq FROM probed) d
		ORDER BY account_id, next_attempt_at, seq),
	fresh AS (
		SELECT h.id, h.next_attempt_at, h.seq FROM heads h JOIN accounts a ON a.id = h.account_id
		ORDER BY h.next_attempt_at, h.seq
		LIMIT $4
		FOR NO KEY UPDATE OF a SKIP LOCKED),
	chosen AS (
		SELECT cid, rank FROM (
			SELECT id AS cid, 0 AS rank, 0 AS at, 0 AS seq FROM expired
			UNION ALL
			SELECT id, 1, next_attempt_at, seq FROM fresh) u
		ORDER BY rank, at, seq
		LIMIT $4),
	claimed AS (
		UPDATE posts p SET state = 'publishing', attempts = p.attempts + 1,
			lease_expires_at = clock.now + $2, updated_at = clock.now, awaiting_container = 0
		FROM clock, chosen c
		WHERE p.id = c.cid AND (p.state = 'queued' AND p.next_attempt_at <= clock.now
			OR p.state = 'publishing' AND p.lease_expires_at <= clock.now)
		RETURNING p.*, c.rank)
	SELECT ` + postColumns + ` FROM claimed ORDER BY rank, next_attempt_at, seq`
