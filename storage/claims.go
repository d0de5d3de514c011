package storage

// Claims: work that every replica may pick up, and each piece of which exactly one does. A
// claim is one guarded UPDATE … RETURNING that pushes the row's claim forward (a feed's next
// poll time; an outbox event's claimed_until) to the end of a visibility timeout: other
// claimers see the row as not due until then. The claim's end is its token: the claimer
// renews or releases it with a compare-and-set on it, and a claimer that finds the token
// changed knows another took the row after its claim ran out, and leaves it alone.
//
// Whether a claim has ended, and when a new one ends, is judged by one clock, the database's
// (leaseClock), as for leases: callers give a claim's length, never a time of their own, so a
// replica whose clock runs ahead cannot take a row another still holds.
//
// On PostgreSQL the statement runs on its own, autocommitted in READ COMMITTED: the row's
// guard is checked again after any lock wait, so two claimers never both win a row, and
// FOR UPDATE SKIP LOCKED lets a second claimer take the next rows instead of queueing behind
// the first's. On SQLite it is one write of the group committer, alone on the one writer.

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// claimQuery runs a statement that writes and returns rows (a claim, a lease, a group insert)
// and scans every row it returns: on PostgreSQL alone, run again on a serialization failure
// or deadlock; on SQLite as one write of the group committer.
func claimQuery[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	var out []T
	read := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	}
	var err error
	if db.pg {
		err = retrying(ctx, func() error { return read(db.w.QueryContext(ctx, q, args...)) })
	} else {
		err = db.batch.do(ctx, func(tx *sql.Tx) error { return read(tx.QueryContext(ctx, q, args...)) })
	}
	return out, err
}

// claimExec runs a compare-and-set on a claim and reports whether it matched a row.
func (db *DB) claimExec(ctx context.Context, q string, args ...any) (bool, error) {
	var n int64
	run := func(res sql.Result, err error) error {
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	}
	var err error
	if db.pg {
		err = retrying(ctx, func() error { return run(db.w.ExecContext(ctx, q, args...)) })
	} else {
		err = db.batch.do(ctx, func(tx *sql.Tx) error { return run(tx.ExecContext(ctx, q, args...)) })
	}
	return n > 0, err
}

// claimFeeds takes due feeds: their next poll moves to the claim's end ($1).
var claimFeeds = pair{
	sqlite: `UPDATE feeds SET next_poll_at = ?1 WHERE id IN (SELECT id FROM feeds
			WHERE enabled = 1 AND next_poll_at <= ?2 ORDER BY next_poll_at, id LIMIT ?3)
		AND enabled = 1 AND next_poll_at <= ?2 RETURNING ` + feedColumns,
	postgres: `UPDATE feeds SET next_poll_at = $1 WHERE id IN (SELECT id FROM feeds
			WHERE enabled = 1 AND next_poll_at <= $2 ORDER BY next_poll_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
		AND enabled = 1 AND next_poll_at <= $2 RETURNING ` + feedColumns,
}

// ClaimDueFeeds takes up to limit enabled feeds whose next poll has come, the most overdue
// first, for one poll each, for claimFor: their next poll moves to the claim's end, so no
// other caller (another replica) takes them before then. Each returned feed's NextPollAt is
// the claim's token: RenewFeedClaim extends it, ReleaseFeedClaim gives it up, and
// RecordFeedPoll ends it with the real next poll time.
func (db *DB) ClaimDueFeeds(ctx context.Context, claimFor time.Duration, limit int) ([]Feed, error) {
	now, err := db.leaseClock(ctx, db.w)
	if err != nil {
		return nil, fmt.Errorf("storage: claim due feeds: %w", err)
	}
	feeds, err := claimQuery(ctx, db, scanFeed, db.sql(claimFeeds), ms(now.Add(claimFor)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: claim due feeds: %w", err)
	}
	slices.SortFunc(feeds, func(a, b Feed) int { return cmp.Compare(a.ID, b.ID) })
	return feeds, nil
}

// RenewFeedClaim gives a feed's claim token claimFor from now, and returns its new token;
// false when the claim is no longer token (it ran out and another caller took the feed, or
// the feed was recorded, paused or removed meanwhile): the feed is then not the caller's to
// poll.
func (db *DB) RenewFeedClaim(ctx context.Context, id int64, token time.Time, claimFor time.Duration) (time.Time, bool, error) {
	until, ok, err := db.renewClaim(ctx, `UPDATE feeds SET next_poll_at = ? WHERE id = ? AND next_poll_at = ? AND enabled = 1`,
		id, token, claimFor)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("storage: renew claim of feed %d: %w", id, err)
	}
	return until, ok, nil
}

// renewClaim runs q, a compare-and-set of a claim's end to now+claimFor (its placeholders: the
// new end, the row's id, the token), and returns the new end when it matched.
func (db *DB) renewClaim(ctx context.Context, q string, id int64, token time.Time, claimFor time.Duration) (time.Time, bool, error) {
	now, err := db.leaseClock(ctx, db.w)
	if err != nil {
		return time.Time{}, false, err
	}
	until := fromMS(ms(now.Add(claimFor)))
	ok, err := db.claimExec(ctx, q, ms(until), id, ms(token))
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	return until, true, nil
}

// ReleaseFeedClaim gives a feed's claim back unpolled (shutdown cut the poll short): the
// feed is due again at once, for any caller. A claim that is no longer token is left alone.
func (db *DB) ReleaseFeedClaim(ctx context.Context, id int64, token time.Time) error {
	now, err := db.leaseClock(ctx, db.w)
	if err == nil {
		_, err = db.claimExec(ctx, `UPDATE feeds SET next_poll_at = ? WHERE id = ? AND next_poll_at = ?`,
			ms(now), id, ms(token))
	}
	if err != nil {
		return fmt.Errorf("storage: release claim of feed %d: %w", id, err)
	}
	return nil
}

// claimOutbox takes due outbox events, oldest first, each unless an older event of its post
// is claimed (by this claim's caller or another): its claim's end is ?1, the time ?2.
const claimOutbox = `UPDATE outbox SET claimed_until = ? WHERE id IN (SELECT o.id FROM outbox o
		WHERE o.delivered_at = 0 AND o.given_up = 0 AND o.next_attempt_at <= ? AND o.claimed_until <= ?
		AND NOT EXISTS (SELECT 1 FROM outbox b WHERE o.post_id != '' AND b.post_id = o.post_id AND b.id < o.id
			AND b.delivered_at = 0 AND b.given_up = 0 AND b.claimed_until > ?)
		ORDER BY o.id LIMIT ?)
	RETURNING id, door, payload, attempts, created_at, claimed_until`

// pgOutboxKey is the transaction-level advisory lock outbox claimers take on PostgreSQL
// ("outbox").
const pgOutboxKey = 0x6f7574626f78

func scanOutboxItem(s scanner) (OutboxItem, error) {
	var (
		it             OutboxItem
		payload        string
		created, claim int64
	)
	if err := s.Scan(&it.ID, &it.Door, &payload, &it.Attempts, &created, &claim); err != nil {
		return OutboxItem{}, err
	}
	it.Payload, it.CreatedAt, it.Claim = []byte(payload), fromMS(created), fromMS(claim)
	return it, nil
}

// ClaimOutbox takes up to limit undelivered events that are due, oldest first, for one
// delivery attempt each, for claimFor: no other caller (another replica) takes them before
// then. Each item's Claim is the claim's token: RenewOutboxClaim extends it and
// ReleaseOutboxClaim gives it up; OutboxDelivered and OutboxRetry end it. A caller that dies
// holding a claim delays its events until the claim ends, then another delivers them (at
// least once).
//
// An event whose post has an older event claimed (in flight somewhere, not waiting for a
// retry) is left until that one is dealt with, so the results of one post are handed over in
// the order they were written even across replicas; events of one post claimed together come
// back oldest first and the caller keeps that order. For that, claims take turns: SQLite's
// one writer, or an advisory lock on PostgreSQL (no SKIP LOCKED here: a claim that skipped a
// row another is claiming could take a younger event of its post beside it).
func (db *DB) ClaimOutbox(ctx context.Context, claimFor time.Duration, limit int) ([]OutboxItem, error) {
	var items []OutboxItem
	err := db.guardedWrite(ctx, func(tx *sql.Tx) error {
		if db.pg {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(pgOutboxKey)); err != nil {
				return err
			}
		}
		// Read after the lock: a clock read before waiting for it could be older than the
		// claims the previous holder just made.
		now, err := db.leaseClock(ctx, tx)
		if err != nil {
			return err
		}
		items, err = queryTx(ctx, tx, scanOutboxItem, claimOutbox, ms(now.Add(claimFor)), ms(now), ms(now), ms(now), limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: claim outbox: %w", err)
	}
	// Oldest first, as they were written: the order results of one post are handed over in.
	slices.SortFunc(items, func(a, b OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return items, nil
}

// queryTx runs q in tx and scans every row.
func queryTx[T any](ctx context.Context, tx *sql.Tx, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RenewOutboxClaim gives an event's claim token claimFor from now, and returns its new token;
// false when the claim is no longer token (it ran out and another caller took the event, or
// the event was delivered or given up meanwhile): the event is then not the caller's to
// deliver.
func (db *DB) RenewOutboxClaim(ctx context.Context, id int64, token time.Time, claimFor time.Duration) (time.Time, bool, error) {
	until, ok, err := db.renewClaim(ctx, `UPDATE outbox SET claimed_until = ? WHERE id = ? AND claimed_until = ?
		AND delivered_at = 0 AND given_up = 0`, id, token, claimFor)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("storage: renew claim of outbox event %d: %w", id, err)
	}
	return until, ok, nil
}

// ReleaseOutboxClaim gives an event's claim back undelivered: it is due again at once, for
// any caller. A claim that is no longer token is left alone.
func (db *DB) ReleaseOutboxClaim(ctx context.Context, id int64, token time.Time) error {
	if _, err := db.claimExec(ctx, `UPDATE outbox SET claimed_until = 0 WHERE id = ? AND claimed_until = ?`,
		id, ms(token)); err != nil {
		return fmt.Errorf("storage: release claim of outbox event %d: %w", id, err)
	}
	return nil
}
