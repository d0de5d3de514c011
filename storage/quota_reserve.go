package storage

// Quota reservations: a use counted before the call it is for, so that two callers racing
// for the last slots of a quota (two replicas deleting for one account at once) cannot both
// pass. The count and the insert are one transaction that only one caller per account and
// kind runs at a time: SQLite's one writer, or a transaction-level advisory lock on
// PostgreSQL. A reservation that the call did not use is released; one left by a process
// that died between reserving and calling stays counted for its 24 hours, which errs on the
// side of Meta's limit.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// QuotaReservation asks for N uses of an account's quota at At, allowed when the uses
// counted in the Window before At, plus N, stay within Limit. Like the publisher's own gate,
// it counts what Threads last reported (quota_remote) when that is more than the local
// ledger knows, and a smaller total Threads reported caps Limit.
type QuotaReservation struct {
	AccountID int64
	Kind      QuotaKind
	PostID    string
	N         int
	Limit     int
	At        time.Time
	Window    time.Duration
}

// quotaLockKey is the advisory lock of one account's quota of one kind on PostgreSQL.
func quotaLockKey(accountID int64, kind QuotaKind) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "quota:%d:%s", accountID, kind)
	return int64(h.Sum64())
}

// ReserveQuota records r.N uses of the quota when they fit, and returns their ids for
// ReleaseQuota; ok is false (and nothing is written) when they do not fit. Reservations are
// exact across processes: see the file's comment.
func (db *DB) ReserveQuota(ctx context.Context, r QuotaReservation) (ids []int64, ok bool, err error) {
	if r.N <= 0 {
		return nil, true, nil
	}
	fn := func(tx *sql.Tx) error {
		ids, ok = nil, false
		if db.pg {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, quotaLockKey(r.AccountID, r.Kind)); err != nil {
				return err
			}
		}
		used, limit, err := quotaUsedTx(ctx, tx, r)
		if err != nil {
			return err
		}
		if used+r.N > limit {
			return nil
		}
		for range r.N {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO quota_events (account_id, kind, at, post_id)
				VALUES (?, ?, ?, ?) RETURNING id`, r.AccountID, string(r.Kind), ms(r.At), r.PostID).Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		ok = true
		return nil
	}
	// On PostgreSQL each statement reads what the lock's previous holder committed.
	err = db.guardedWrite(ctx, fn)
	if err != nil {
		return nil, false, fmt.Errorf("storage: reserve %s quota of account %d: %w", r.Kind, r.AccountID, err)
	}
	return ids, ok, nil
}

// quotaUsedTx counts the uses r's window holds and the limit that applies, as the
// publisher's gate does: the local ledger, or Threads' last count plus the uses since when
// that is more.
func quotaUsedTx(ctx context.Context, tx *sql.Tx, r QuotaReservation) (used, limit int, err error) {
	since := ms(r.At.Add(-r.Window))
	count := func(after int64) (int, error) {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM quota_events WHERE account_id = ? AND kind = ? AND at > ?`,
			r.AccountID, string(r.Kind), after).Scan(&n)
		return n, err
	}
	if used, err = count(since); err != nil {
		return 0, 0, err
	}
	limit = r.Limit
	var usage, total int
	var checked int64
	err = tx.QueryRowContext(ctx, `SELECT usage, total, checked_at FROM quota_remote WHERE account_id = ? AND kind = ?`,
		r.AccountID, string(r.Kind)).Scan(&usage, &total, &checked)
	if errors.Is(err, sql.ErrNoRows) || err == nil && checked <= since {
		return used, limit, nil
	}
	if err != nil {
		return 0, 0, err
	}
	after, err := count(checked)
	if err != nil {
		return 0, 0, err
	}
	used = max(used, usage+after)
	if total > 0 {
		limit = min(limit, total)
	}
	return used, limit, nil
}

// ReleaseQuota forgets reserved uses that were not used (the call failed, or found nothing
// to do).
func (db *DB) ReleaseQuota(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `DELETE FROM quota_events WHERE id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	if err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}); err != nil {
		return fmt.Errorf("storage: release quota: %w", err)
	}
	return nil
}
