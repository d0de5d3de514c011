package storage

// Quota reservations: a use counted before the call it is for, so that two callers racing
// for the last slots of a quota (two replicas deleting for one account at once) cannot both
// pass. The count and the insert are one transaction that only one caller per account and
// kind runs at a time: SQLite's one writer, or a transaction-level advisory lock on
// PostgreSQL. Deletions reserve this way (ReserveDeletion); publishing needs no reservation,
// since only the lease holder of an account publishes for it.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// QuotaReservation asks for uses of an account's quota at At (zero: the ledger's clock, read
// once the reservation holds the account's quota), allowed when the uses counted in the
// Window before At, plus the new ones, stay within Limit. Like the publisher's own
// gate, it counts what Threads last reported (quota_remote) when that is more than the local
// ledger knows, and a smaller total Threads reported caps Limit. Kind and PostID are the
// reserving call's to set.
type QuotaReservation struct {
	AccountID int64
	Kind      QuotaKind
	PostID    string
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
