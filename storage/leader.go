package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Leader election for replicas sharing one database, after River's river_leader: one row per
// name, taken by whoever finds it free or expired and renewed by its holder. Each call is one
// statement in its own transaction (an upsert whose WHERE decides), so it needs no session
// state and works through connection poolers; on PostgreSQL the row lock of ON CONFLICT DO
// UPDATE makes two replicas racing for an expired row see each other's result: one wins.

// leaderElect takes or renews the row. The CTE reads the clock once (nowExpr), so the take-over
// test and the new expiry agree; an existing row is taken only when it is this replica's or it
// has expired, and elected_at is kept across a holder's renewals. RETURNING yields a row only
// when the insert or update happened, that is when the caller leads.
const (
	leaderElectServer = `WITH c AS (SELECT ` + serverNowExpr + ` AS now)` + leaderElect
	leaderElectBound  = `WITH c AS (SELECT ` + boundInt + ` AS now)` + leaderElect
	leaderElect       = `
	INSERT INTO leader (name, leader_id, elected_at, expires_at)
	SELECT ` + boundText + `, ` + boundText + `, c.now, c.now + ` + boundInt + ` FROM c WHERE true
	ON CONFLICT (name) DO UPDATE SET
		leader_id = excluded.leader_id,
		elected_at = CASE WHEN leader.leader_id = excluded.leader_id THEN leader.elected_at ELSE excluded.elected_at END,
		expires_at = excluded.expires_at
	WHERE leader.leader_id = excluded.leader_id OR leader.expires_at <= excluded.elected_at
	RETURNING expires_at`
)

// ElectLeader makes id the leader called name until ttl from now by the database's clock, or
// renews its term, unless another id holds an unexpired term; it reports whether id leads
// after the call. A leader must renew before its term ends (replicas renew every ttl/3) and
// must stop acting as leader by its own clock once a term it could not renew would have ended.
func (db *DB) ElectLeader(ctx context.Context, name, id string, ttl time.Duration) (bool, error) {
	if name == "" || id == "" || ttl <= 0 {
		return false, fmt.Errorf("storage: elect leader: name, id and a positive term are required")
	}
	q, args := leaderElectServer, []any{name, id, ttl.Milliseconds()}
	if !db.serverClock {
		q, args = leaderElectBound, append([]any{ms(db.now())}, args...)
	}
	var until int64
	err := db.w.QueryRowContext(ctx, q, args...).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("storage: elect leader: %w", err)
	}
	if db.serverClock {
		db.heard(until - ttl.Milliseconds()) // the term runs from the server's now
	}
	return true, nil
}

// ResignLeader ends id's term as leader called name at once, so another replica takes over at
// its next attempt rather than when the term would have expired; a replica shutting down
// calls it. It does nothing when id does not lead.
func (db *DB) ResignLeader(ctx context.Context, name, id string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM leader WHERE name = ? AND leader_id = ?`, name, id); err != nil {
		return fmt.Errorf("storage: resign leader: %w", err)
	}
	return nil
}

// Leader is who holds the row called name and until when (by the database's clock); the zero
// values and ErrNotFound when nobody ever did or the last one resigned. Status pages and tests
// read it.
func (db *DB) Leader(ctx context.Context, name string) (id string, until time.Time, err error) {
	var exp int64
	err = db.r.QueryRowContext(ctx, `SELECT leader_id, expires_at FROM leader WHERE name = ?`, name).Scan(&id, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, ErrNotFound
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("storage: read leader: %w", err)
	}
	return id, fromMS(exp), nil
}
