package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lease atomically claims up to n due posts for ttl: posts in flight whose lease expired first
// (their worker died), then each idle account's oldest due queued post. An account that has a
// post in flight under a live lease gets nothing, so one account is never published in
// parallel. An account whose post was requeued while Threads processes its container
// (awaiting_container) offers that post alone, once due: an account has one container in
// flight at a time, and its posts go out in order. Every claim bumps attempts, the fencing
// token the other calls take.
//
// held names the posts the calling process is still working on: they are never reclaimed,
// whatever their lease's expiry says (a wall clock that jumped forward makes a live lease look
// expired), and their accounts stay busy. The caller keeps extending their leases.
//
// Whether a lease expired and whether a post is due are judged by one clock, the database's
// (leaseClock), never by the caller's: across processes only one clock may decide.
//
// On SQLite, Lease runs as one write of the group committer: the writer is one connection
// running immediate transactions, so the select and the update see the same snapshot and no
// other leaser can interleave: no post is leased twice. PostgreSQL's replicas lease beside each
// other in one statement (leasePG).
func (db *DB) Lease(ctx context.Context, n int, ttl time.Duration, held ...string) ([]Post, error) {
	if n <= 0 {
		return nil, nil
	}
	if db.pg {
		leased, err := db.leasePG(ctx, n, ttl, held)
		if err != nil {
			return nil, fmt.Errorf("storage: lease: %w", err)
		}
		return leased, nil
	}
	var leased []Post
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		leased = leased[:0]
		now := db.now()
		ids, err := db.leaseCandidates(ctx, tx, ms(now), n, held)
		if err != nil || len(ids) == 0 {
			return err
		}
		claim, err := db.txStmt(ctx, tx, claimPost)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := scanPost(claim.QueryRowContext(ctx, ms(now.Add(ttl)), ms(now), id))
			if err != nil {
				return err
			}
			leased = append(leased, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: lease: %w", err)
	}
	return leased, nil
}

// dueScan bounds how many due rows leaseCandidates reads in arrival order before it probes
// account by account instead (when a few busy accounts fill the head of the queue).
const dueScan = 512

// leaseCandidates picks the ids Lease claims. Posts in flight are few (at most one per account
// plus crashed ones), so they are read whole; expired ones come first. Then the posts whose
// container is in flight (as few), each the only candidate of its account. Then due posts are
// read in due order: the first one seen of each idle account is that account's oldest. If the
// head of the queue is all busy accounts, one indexed probe per account finds the rest.
func (db *DB) leaseCandidates(ctx context.Context, tx *sql.Tx, now int64, n int, held []string) ([]string, error) {
	mine := make(map[string]bool, len(held))
	for _, id := range held {
		mine[id] = true
	}
	busy := map[int64]bool{}
	var ids []string
	// holders reads posts that hold their account (id, account, the time they fall due) and
	// takes each one that is due, when take allows it; either way its account is busy.
	holders := func(q string, take func(id string) bool) error {
		return db.eachRow(ctx, tx, q, nil, func(rows *sql.Rows) error {
			var (
				id          string
				account, at int64
			)
			if err := rows.Scan(&id, &account, &at); err != nil {
				return err
			}
			if !busy[account] {
				busy[account] = true
				if at <= now && take(id) && len(ids) < n {
					ids = append(ids, id)
				}
			}
			return nil
		})
	}
	// A post in flight whose lease expired is reclaimed (its worker is gone), unless this
	// process still works on it.
	err := holders(inFlightPosts, func(id string) bool { return !mine[id] })
	if err != nil || len(ids) >= n {
		return ids, err
	}
	// A post whose container is in flight holds its account (migration 0036): it is the one
	// post of its account leased, once due, and the account's others wait for it.
	err = holders(awaitingPosts, func(string) bool { return true })
	if err != nil || len(ids) >= n {
		return ids, err
	}
	pick := func(rows *sql.Rows) error {
		var (
			id      string
			account int64
		)
		if err := rows.Scan(&id, &account); err != nil {
			return err
		}
		if !busy[account] {
			busy[account] = true
			ids = append(ids, id)
		}
		if len(ids) >= n {
			return errStop
		}
		return nil
	}
	scanned := 0
	err = db.eachRow(ctx, tx, duePosts, []any{now, dueScan}, func(rows *sql.Rows) error {
		scanned++
		return pick(rows)
	})
	if err != nil || len(ids) >= n || scanned < dueScan {
		return ids, err
	}
	return ids, db.eachRow(ctx, tx, dueHeadPerAccount, []any{now}, pick)
}

// errStop ends an eachRow early without an error.
var errStop = errors.New("stop")

// eachRow runs the prepared query q in tx and calls fn for every row, until fn returns errStop.
func (db *DB) eachRow(ctx context.Context, tx *sql.Tx, q string, args []any, fn func(*sql.Rows) error) error {
	st, err := db.txStmt(ctx, tx, q)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return rows.Err()
}

// The lease statements.
const (
	inFlightPosts = `SELECT id, account_id, lease_expires_at FROM posts
		WHERE state = 'publishing' ORDER BY lease_expires_at`
	// awaitingPosts reads the few posts whose container is in flight through their partial
	// index: left to choose, SQLite's planner walked every active account's queued posts, or
	// every queued post in due order, to spare itself sorting a handful of rows.
	awaitingPosts = `SELECT p.id, p.account_id, p.next_attempt_at FROM posts p
		INDEXED BY posts_awaiting_container CROSS JOIN accounts a ON a.id = p.account_id
		WHERE p.state = 'queued' AND p.awaiting_container = 1 AND a.status = 'active'
		ORDER BY p.next_attempt_at, p.seq`
	// Posts of an account that is not active (its token needs reconnecting) wait: they are
	// not leased until it is linked again. CROSS JOIN tells SQLite's planner to walk posts_due
	// in due order and look each account up, rather than sort every queued post of every
	// active account.
	duePosts = `SELECT p.id, p.account_id FROM posts p CROSS JOIN accounts a ON a.id = p.account_id
		WHERE p.state = 'queued' AND p.next_attempt_at <= ` + boundInt + ` AND a.status = 'active'
		ORDER BY p.next_attempt_at, p.seq LIMIT ` + boundInt
	dueHeadPerAccount = `SELECT p.id, p.account_id
		FROM accounts a
		JOIN posts p ON p.seq = (
			SELECT q.seq FROM posts q
			WHERE q.account_id = a.id AND q.state = 'queued' AND q.next_attempt_at <= ` + boundInt + `
			ORDER BY q.next_attempt_at, q.seq LIMIT 1)
		WHERE a.status = 'active'
		ORDER BY p.next_attempt_at, p.seq`
	// claimPost clears awaiting_container: a post in flight holds its account by its state,
	// and the step that ends the lease says again whether a container is left awaiting.
	claimPost = `UPDATE posts
		SET state = 'publishing', attempts = attempts + 1, lease_expires_at = ?, updated_at = ?,
			awaiting_container = 0
		WHERE id = ? RETURNING ` + postColumns
)

// Lease holds the fencing token of one claim: the post id and the attempt it was leased at.
type Lease struct {
	ID      string
	Attempt int
}

// LeaseOf is the lease a leased post carries.
func LeaseOf(p Post) Lease { return Lease{ID: p.ID, Attempt: p.Attempts} }

// Extend pushes a held lease out to now+ttl, for work that runs longer than the first lease.
func (db *DB) Extend(ctx context.Context, l Lease, ttl time.Duration) error {
	now, err := db.leaseClock(ctx, db.w)
	if err != nil {
		return fmt.Errorf("storage: extend %s: %w", l.ID, err)
	}
	return db.fenced(ctx, "extend", l, extendLease, ms(now.Add(ttl)), ms(now))
}

// SetContainer records the Threads container id of a leased post. It is its own durable write
// because it must be on disk before threads_publish is called: after a crash, the container's
// status decides whether the post was published, never a blind retry.
func (db *DB) SetContainer(ctx context.Context, l Lease, containerID string) error {
	return db.fenced(ctx, "set container", l, setContainer, containerID, ms(db.now()))
}

// Complete marks a leased post posted with the Threads media id and permalink.
func (db *DB) Complete(ctx context.Context, l Lease, mediaID, permalink string) error {
	return db.fenced(ctx, "complete", l, completePost, mediaID, permalink, ms(db.now()))
}

// Retry puts a leased post back in the queue, due at next, remembering why.
func (db *DB) Retry(ctx context.Context, l Lease, next time.Time, reason string) error {
	return db.fenced(ctx, "retry", l, retryPost, ms(next), reason, ms(db.now()))
}

// Fail marks a leased post failed for good with a reason a person can act on.
func (db *DB) Fail(ctx context.Context, l Lease, reason string) error {
	return db.fenced(ctx, "fail", l, failPost, reason, ms(db.now()))
}

// fenced runs one update guarded by a lease: the statement's last two placeholders are the post
// id and attempt. No row changed means the lease was lost.
func (db *DB) fenced(ctx context.Context, op string, l Lease, q string, args ...any) error {
	if db.pg {
		n, err := db.fencedPG(ctx, q, append(args, l.ID, l.Attempt)...)
		if err == nil && n == 0 {
			err = ErrLeaseLost
		}
		if err != nil {
			return fmt.Errorf("storage: %s %s: %w", op, l.ID, err)
		}
		return nil
	}
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		st, err := db.txStmt(ctx, tx, q)
		if err != nil {
			return err
		}
		res, err := st.ExecContext(ctx, append(args, l.ID, l.Attempt)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrLeaseLost
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: %s %s: %w", op, l.ID, err)
	}
	return nil
}

// The fenced updates. Each ends in "WHERE id = ? AND state = 'publishing' AND attempts = ?".
const (
	extendLease = `UPDATE posts SET lease_expires_at = ?, updated_at = ?
		WHERE id = ? AND state = 'publishing' AND attempts = ?`
	setContainer = `UPDATE posts SET container_id = ?, updated_at = ?
		WHERE id = ? AND state = 'publishing' AND attempts = ?`
	completePost = `UPDATE posts SET state = 'posted', media_id = ?, permalink = ?, last_error = '',
		lease_expires_at = 0, updated_at = ?
		WHERE id = ? AND state = 'publishing' AND attempts = ?`
	// retryPost marks the post awaiting_container when a container of it is in flight
	// (created, not published), which holds its account until then (migration 0036).
	retryPost = `UPDATE posts SET state = 'queued', next_attempt_at = ?, last_error = ?, lease_expires_at = 0,
		updated_at = ?, awaiting_container = CASE WHEN EXISTS (SELECT 1 FROM publish_parts pp
			WHERE pp.post_id = posts.id AND (pp.container_id <> '' OR pp.children <> '')
				AND pp.published_at <= 0) THEN 1 ELSE 0 END
		WHERE id = ? AND state = 'publishing' AND attempts = ?`
	failPost = `UPDATE posts SET state = 'failed', last_error = ?, lease_expires_at = 0, updated_at = ?
		WHERE id = ? AND state = 'publishing' AND attempts = ?`
)

// ReleaseLeases expires every lease still held, and returns how many. serve calls it at start,
// once it holds the data dir lock (LockDataDir): one daemon owns the queue, so a lease held at
// start belongs to a process that died, and its post should resume now (from its committed
// container) rather than wait out the TTL. Without that lock a second daemon would expire the
// live leases of the first.
func (db *DB) ReleaseLeases(ctx context.Context) (int, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET lease_expires_at = 0 WHERE state = 'publishing' AND lease_expires_at > 0`)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: release leases: %w", err)
	}
	return int(n), nil
}
