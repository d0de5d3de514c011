package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// FirstSeen records key until expires and reports whether it is new: false means a live
// record of it exists, so the request is a replay. The check and the record are one
// statement, so two replicas handed the same request cannot both see it first. Expired keys
// are forgotten a few at a time as new ones arrive.
func (db *DB) FirstSeen(ctx context.Context, key string, expires time.Time) (bool, error) {
	now := ms(db.now())
	var fresh bool
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO seen_requests (key, expires_at) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE seen_requests.expires_at <= ?`,
			key, ms(expires), now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		fresh = n == 1
		_, err = tx.ExecContext(ctx, `DELETE FROM seen_requests WHERE key IN (
			SELECT key FROM seen_requests WHERE expires_at <= ? LIMIT 16)`, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("storage: remember request: %w", err)
	}
	return fresh, nil
}
