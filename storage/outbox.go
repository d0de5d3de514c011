package storage

// The durable outbox. Results are written in the transaction of the state change they report
// (see Advance), then a delivery job hands each to its door with retries: at least once, and
// a dedupe key keeps the same event from being written twice.

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxEvent is an event to deliver. Key deduplicates: an event whose key was already
// written is dropped. Payload is opaque to storage (the publisher's JSON). PostID, when set,
// orders delivery: an event is not claimed while an older one of the same post is (see
// ClaimOutbox).
type OutboxEvent struct {
	Key     string
	Door    string
	Payload []byte
	PostID  string
}

// OutboxItem is an undelivered event.
type OutboxItem struct {
	ID        int64
	Door      string
	Payload   []byte
	Attempts  int
	CreatedAt time.Time
	// Claim is the end of the caller's claim on the event (ClaimOutbox), its token; zero for
	// an event read without claiming it.
	Claim time.Time
}

func addOutbox(ctx context.Context, tx *sql.Tx, now int64, events []OutboxEvent) error {
	for _, e := range events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (dedupe_key, door, payload, created_at, next_attempt_at, post_id)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`, e.Key, e.Door, string(e.Payload), now, now, e.PostID); err != nil {
			return err
		}
	}
	return nil
}

// AddOutbox writes events on their own.
func (db *DB) AddOutbox(ctx context.Context, events ...OutboxEvent) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error { return addOutbox(ctx, tx, ms(db.now()), events) })
	if err != nil {
		return fmt.Errorf("storage: add outbox: %w", err)
	}
	return nil
}

// DueOutbox returns up to limit undelivered events due at now, oldest first.
func (db *DB) DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, door, payload, attempts, created_at FROM outbox
		WHERE delivered_at = 0 AND given_up = 0 AND next_attempt_at <= ? ORDER BY id LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: due outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var (
			it      OutboxItem
			payload string
			created int64
		)
		if err := rows.Scan(&it.ID, &it.Door, &payload, &it.Attempts, &created); err != nil {
			return nil, fmt.Errorf("storage: due outbox: %w", err)
		}
		it.Payload, it.CreatedAt = []byte(payload), fromMS(created)
		out = append(out, it)
	}
	return out, rows.Err()
}

// OutboxDelivered marks an event delivered. It is not fenced: a delivery made late is still
// made, and marking it ends any claim another caller took meanwhile (whose own outcome is then
// left out).
func (db *DB) OutboxDelivered(ctx context.Context, id int64) error {
	return db.outboxUpdate(ctx, `UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, claimed_until = 0 WHERE id = ?`, ms(db.now()), id)
}

// OutboxRetry records the failed delivery of a claimed event: due again at next, or given up
// for good. It is fenced by the claim: when the claim is no longer it.Claim (it ran out and
// another caller holds the event now, or delivered it), the outcome is late and left out, so
// it cannot end the new holder's claim under it.
func (db *DB) OutboxRetry(ctx context.Context, it OutboxItem, next time.Time, reason string, giveUp bool) error {
	return db.outboxUpdate(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
		given_up = ?, claimed_until = 0 WHERE id = ? AND claimed_until = ? AND delivered_at = 0`,
		ms(next), reason, boolInt(giveUp), it.ID, msOrZero(it.Claim))
}

// outboxUpdate runs one single-row update: on PostgreSQL autocommitted in READ COMMITTED (a
// row's own update needs no serializable transaction, which would fail and retry against
// every other replica marking its deliveries), on SQLite through the group committer.
func (db *DB) outboxUpdate(ctx context.Context, q string, args ...any) error {
	if _, err := db.claimExec(ctx, q, args...); err != nil {
		return fmt.Errorf("storage: outbox: %w", err)
	}
	return nil
}

// PruneOutbox deletes events delivered or given up before before.
func (db *DB) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE (delivered_at > 0 AND delivered_at < ?)
			OR (given_up = 1 AND created_at < ?)`, ms(before), ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: prune outbox: %w", err)
	}
	return n, nil
}
