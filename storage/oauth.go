package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sentinels of the single-use secrets (connect links, OAuth states).
var (
	ErrExpired = errors.New("expired")
	ErrUsed    = errors.New("already used")
)

// CreateLinkToken records a connect link for identityID. hash is the SHA-256 of the token in
// the link; the token itself is never stored.
func (db *DB) CreateLinkToken(ctx context.Context, hash []byte, identityID int64, expires time.Time) error {
	now := ms(db.now())
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		// Spent and expired links have no use left; dropping them here keeps the table small
		// without a job of its own.
		if _, err := tx.ExecContext(ctx, `DELETE FROM link_tokens WHERE expires_at < ?`, now-(24*time.Hour).Milliseconds()); err != nil {
			return fmt.Errorf("storage: prune link tokens: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO link_tokens (hash, identity_id, expires_at, created_at) VALUES (?, ?, ?, ?)`,
			hash, identityID, ms(expires), now); err != nil {
			return fmt.Errorf("storage: create link token: %w", err)
		}
		return nil
	})
}

// UseLinkToken spends the connect link whose token hashes to hash and returns its identity.
// It fails with ErrNotFound (never issued, or pruned), ErrExpired or ErrUsed, and a link is
// spent by its first use only, however many requests race.
func (db *DB) UseLinkToken(ctx context.Context, hash []byte) (identityID int64, err error) {
	now := ms(db.now())
	err = db.batch.do(ctx, func(tx *sql.Tx) error {
		var expires, used int64
		switch err := tx.QueryRowContext(ctx, `SELECT identity_id, expires_at, used_at FROM link_tokens WHERE hash = ?`, hash).
			Scan(&identityID, &expires, &used); {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		case used != 0:
			return ErrUsed
		case now >= expires:
			return ErrExpired
		}
		_, err := tx.ExecContext(ctx, `UPDATE link_tokens SET used_at = ? WHERE hash = ?`, now, hash)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: connect link: %w", err)
	}
	return identityID, nil
}

// usedStateKept is how long the record of a used OAuth state outlives the state: far more than
// any clock skew between replicas.
const usedStateKept = time.Hour

// UseOAuthState records that the OAuth state with this nonce has been used, and fails with
// ErrUsed if it had been already. The state's signature and expiry are the caller's to check
// first; expires lets the record be dropped once the state could not be accepted anyway.
//
// Records are dropped usedStateKept after their state expired, not at once: the expiry is
// checked by the clock of the replica that handles a callback, and a replica whose clock runs
// ahead would otherwise drop the record of a state another replica still accepts, letting a
// replayed callback through there.
func (db *DB) UseOAuthState(ctx context.Context, nonce []byte, expires time.Time) error {
	now := ms(db.now())
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_states_used WHERE expires_at < ?`,
			now-usedStateKept.Milliseconds()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO oauth_states_used (nonce, expires_at, used_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, nonce, ms(expires), now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrUsed
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: oauth state: %w", err)
	}
	return nil
}
