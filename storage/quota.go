package storage

// The local quota ledger: one row per publish or deletion, so the publisher can count an
// account's use over a moving 24 hours before it calls Threads, and never exceed Meta's limits.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// QuotaKind names one of Threads' per-account moving-window quotas.
type QuotaKind string

// The quotas.
const (
	QuotaPosts   QuotaKind = "posts"
	QuotaReplies QuotaKind = "replies"
	QuotaDeletes QuotaKind = "deletes"
)

// QuotaUse is one publish or deletion counted against a quota.
type QuotaUse struct {
	AccountID int64
	Kind      QuotaKind
	// At is when the use counts from. Zero, as the publisher leaves it, is the ledger's clock
	// (Clock) as the use is committed: a use and a report reconciled by another replica are
	// then dated by one clock, whatever the replicas' own clocks say.
	At     time.Time
	PostID string
}

// insertQuota records q, dated at q.At or, when that is zero, at the ledger's clock: read by
// the statement itself on PostgreSQL, so the commit of a publish costs no extra round trip.
func (db *DB) insertQuota(ctx context.Context, tx *sql.Tx, q QuotaUse) error {
	at, args := db.ledgerClock()
	if !q.At.IsZero() {
		at, args = "?", []any{ms(q.At)}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO quota_events (account_id, kind, at, post_id) VALUES (?, ?, `+at+`, ?)`,
		append(append([]any{q.AccountID, string(q.Kind)}, args...), q.PostID)...)
	return err
}

// QuotaWindow counts the uses of a quota after since, and returns the oldest of them (zero when
// there are none): the window moves when it leaves.
func (db *DB) QuotaWindow(ctx context.Context, accountID int64, kind QuotaKind, since time.Time) (int, time.Time, error) {
	var (
		n      int
		oldest sql.NullInt64
	)
	err := db.r.QueryRowContext(ctx, `SELECT count(*), min(at) FROM quota_events
		WHERE account_id = ? AND kind = ? AND at > ?`, accountID, string(kind), ms(since)).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("storage: quota window: %w", err)
	}
	return n, fromMS(oldest.Int64), nil
}

// QuotaNth returns the time of the k-th oldest use (k from 1) after since: when that one
// leaves the window, k uses have left it. Zero when there are fewer.
func (db *DB) QuotaNth(ctx context.Context, accountID int64, kind QuotaKind, since time.Time, k int) (time.Time, error) {
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT at FROM quota_events WHERE account_id = ? AND kind = ? AND at > ?
		ORDER BY at LIMIT 1 OFFSET ?`, accountID, string(kind), ms(since), max(k-1, 0)).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("storage: quota window: %w", err)
	}
	return fromMS(at), nil
}

// QuotaWaiting counts the account's other posts still waiting for the kind quota (told a time
// that has not come by the ledger's clock, and neither published nor given up): the posts
// ahead of a newly delayed one, each of which takes a slot of that quota before it. Posts
// waiting for another quota take none of its slots (rows from before migration 0020 name no
// kind and count). The times they were told are the ledger's (see QuotaStanding), so it is the
// ledger's clock, not the caller's, that says which have come.
func (db *DB) QuotaWaiting(ctx context.Context, accountID int64, postID string, kind QuotaKind) (int, error) {
	clock, args := db.ledgerClock()
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM publish_state s JOIN posts p ON p.id = s.post_id
		WHERE p.account_id = ? AND p.id <> ? AND p.state IN ('queued', 'publishing') AND s.delayed_until > `+clock+`
		AND s.delayed_kind IN (?, '')`,
		append([]any{accountID, postID}, append(args, string(kind))...)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("storage: posts waiting for quota: %w", err)
	}
	return n, nil
}

// RemoteQuota is an account's usage of a quota as Threads last reported it.
type RemoteQuota struct {
	AccountID int64
	Kind      QuotaKind
	Usage     int
	Total     int
	CheckedAt time.Time
}

// SetRemoteQuota stores a reconciled usage, unless a report checked at or after q.CheckedAt
// is already stored: reconciles of one account may run at once (the gate and the quota job,
// on several replicas), and one whose answer comes back late must not replace a newer figure
// with its older one, which misses the uses Threads counted between the two. The publisher
// dates a report by Clock before it asks Threads, so that every use recorded while the call is
// in flight, by any replica, falls after the report and counts in SinceReport.
func (db *DB) SetRemoteQuota(ctx context.Context, q RemoteQuota) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO quota_remote (account_id, kind, usage, total, checked_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, kind) DO UPDATE SET usage = excluded.usage,
			total = excluded.total, checked_at = excluded.checked_at
			WHERE quota_remote.checked_at < excluded.checked_at`,
			q.AccountID, string(q.Kind), q.Usage, q.Total, ms(q.CheckedAt))
		if err != nil {
			return fmt.Errorf("storage: set remote quota: %w", err)
		}
		return nil
	})
}

// QuotaStanding is one quota of one account as the publishing gate weighs it: the local ledger's
// uses in the window and the usage Threads last reported, with the local uses since that report.
type QuotaStanding struct {
	// Now is the ledger's clock (Clock) at the read; the window ends there. The gate judges by
	// it, never by its own clock: uses are dated by the ledger's, and a replica whose clock ran
	// ahead would otherwise see the oldest uses leave the window early and publish past the
	// quota.
	Now         time.Time
	Local       int         // local uses in the window that ends at Now
	Remote      RemoteQuota // Threads' count, when Reported
	Reported    bool        // false if the quota was never reconciled with Threads
	SinceReport int         // local uses after Remote.CheckedAt
}

// QuotaStanding reads the ledger's clock, the local uses in the window that ends there and
// Threads' last report, in one round trip: the gate asks before every publish.
func (db *DB) QuotaStanding(ctx context.Context, accountID int64, kind QuotaKind, window time.Duration) (QuotaStanding, error) {
	var (
		u                     QuotaStanding
		now                   int64
		usage, total, checked sql.NullInt64
	)
	clock, args := db.ledgerClock()
	err := db.r.QueryRowContext(ctx, `WITH clock AS (SELECT `+clock+` AS now)
		SELECT c.now,
			(SELECT count(*) FROM quota_events WHERE account_id = ? AND kind = ? AND at > c.now - ?),
			r.usage, r.total, r.checked_at,
			(SELECT count(*) FROM quota_events e WHERE e.account_id = ? AND e.kind = ? AND e.at > r.checked_at)
		FROM clock c LEFT JOIN quota_remote r ON r.account_id = ? AND r.kind = ?`,
		append(args, accountID, string(kind), window.Milliseconds(), accountID, string(kind), accountID, string(kind))...).
		Scan(&now, &u.Local, &usage, &total, &checked, &u.SinceReport)
	if err != nil {
		return QuotaStanding{}, fmt.Errorf("storage: quota standing: %w", err)
	}
	u.Now = fromMS(now)
	if checked.Valid {
		u.Reported = true
		u.Remote = RemoteQuota{AccountID: accountID, Kind: kind, Usage: int(usage.Int64), Total: int(total.Int64),
			CheckedAt: fromMS(checked.Int64)}
	}
	return u, nil
}

// RecordDeletion records that a posted post was deleted from Threads: its quota uses (one per
// deleted part), its deletion time and its events, in one transaction.
func (db *DB) RecordDeletion(ctx context.Context, postID string, uses []QuotaUse, events []OutboxEvent) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		for _, q := range uses {
			if err := db.insertQuota(ctx, tx, q); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO publish_state (post_id, deleted_at) VALUES (?, ?)
			ON CONFLICT (post_id) DO UPDATE SET deleted_at = excluded.deleted_at`, postID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = ?, updated_at = ? WHERE id = ?`, now, now, postID); err != nil {
			return err
		}
		return addOutbox(ctx, tx, now, events)
	})
	if err != nil {
		return fmt.Errorf("storage: record deletion of %s: %w", postID, err)
	}
	return nil
}

// PruneQuota forgets uses older than before (they left every window).
func (db *DB) PruneQuota(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM quota_events WHERE at < ?`, ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: prune quota: %w", err)
	}
	return n, nil
}
