package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RetryFailed puts a failed post back in the queue, due now, for an operator who fixed the
// cause. A post in any other state is left alone and a *StateError says which state it is in.
//
// The post's hosted media (the Telegram door's files, released for deletion when the post
// failed) is held again in the same transaction: Threads fetches it when the retry creates the
// container, and the relay refuses a file once its deletion time has come. A post that uses a
// file already deleted, or due for deletion, cannot be published any more; it stays failed
// and the error wraps ErrMediaGone, so the operator is told to post it again.
func (db *DB) RetryFailed(ctx context.Context, id string) (Post, error) {
	var p Post
	id = strings.ToLower(id)
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		now := db.now()
		row := tx.QueryRowContext(ctx, `UPDATE posts SET state = 'queued', next_attempt_at = ?, updated_at = ?
			WHERE id = ? AND state = 'failed' RETURNING `+postColumns, ms(now), ms(now), id)
		var err error
		p, err = scanPost(row)
		if err == nil {
			if err := holdPostMediaTx(ctx, tx, p, now); err != nil {
				return fmt.Errorf("post %s: %w", id, err)
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var state State
		switch err := tx.QueryRowContext(ctx, `SELECT state FROM posts WHERE id = ?`, id).Scan(&state); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("post %s: %w", id, ErrNotFound)
		case err != nil:
			return err
		}
		return &StateError{ID: id, State: state, Op: "retried"}
	})
	if err != nil {
		return Post{}, fmt.Errorf("storage: retry: %w", err)
	}
	return p, nil
}

// QuotaHourly counts an account's uses of a quota in each of the hours hours that end at
// until, oldest first, for the status page's chart.
func (db *DB) QuotaHourly(ctx context.Context, accountID int64, kind QuotaKind, until time.Time, hours int) ([]int, error) {
	out := make([]int, hours)
	start := until.Add(-time.Duration(hours) * time.Hour)
	rows, err := db.r.QueryContext(ctx, `SELECT (at - ?) / 3600000, count(*) FROM quota_events
		WHERE account_id = ? AND kind = ? AND at > ? AND at <= ? GROUP BY 1`,
		ms(start), accountID, string(kind), ms(start), ms(until))
	if err != nil {
		return nil, fmt.Errorf("storage: quota by hour: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h int64
		var n int
		if err := rows.Scan(&h, &n); err != nil {
			return nil, fmt.Errorf("storage: quota by hour: %w", err)
		}
		if h >= 0 && h < int64(hours) {
			out[h] += n
		} else if h == int64(hours) {
			out[hours-1] += n // exactly at until
		}
	}
	return out, rows.Err()
}
