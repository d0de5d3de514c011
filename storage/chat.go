package storage

// The chat doors' own state (migration 0006): channel routes, Slack response_url use counts,
// cached user time zones, the message a post's results thread under, and which outbox events
// a door has already shown.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ChannelRoute binds a chat channel to the account "post" there goes to by default.
type ChannelRoute struct {
	Door, Team, Channel string
	AccountID           int64
	SetBy               string // who bound it, as the door names them
	CreatedAt           time.Time
}

// SetChannelRoute binds (or rebinds) a channel.
func (db *DB) SetChannelRoute(ctx context.Context, r ChannelRoute) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_routes (door, team, channel, account_id, set_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (door, team, channel) DO UPDATE SET
			account_id = excluded.account_id, set_by = excluded.set_by, created_at = excluded.created_at`,
			r.Door, r.Team, r.Channel, r.AccountID, r.SetBy, ms(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set channel route: %w", err)
	}
	return nil
}

// ChannelRoute reads a channel's route; ErrNotFound when it has none.
func (db *DB) ChannelRoute(ctx context.Context, door, team, channel string) (ChannelRoute, error) {
	r := ChannelRoute{Door: door, Team: team, Channel: channel}
	var created int64
	err := db.r.QueryRowContext(ctx, `SELECT account_id, set_by, created_at FROM chat_routes
		WHERE door = ? AND team = ? AND channel = ?`, door, team, channel).Scan(&r.AccountID, &r.SetBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ChannelRoute{}, fmt.Errorf("storage: route of channel %s: %w", channel, ErrNotFound)
	}
	if err != nil {
		return ChannelRoute{}, fmt.Errorf("storage: route of channel %s: %w", channel, err)
	}
	r.CreatedAt = fromMS(created)
	return r, nil
}

// DeleteChannelRoute unbinds a channel; ErrNotFound if it was not bound.
func (db *DB) DeleteChannelRoute(ctx context.Context, door, team, channel string) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM chat_routes WHERE door = ? AND team = ? AND channel = ?`, door, team, channel)
		if err != nil {
			return fmt.Errorf("storage: delete channel route: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("storage: route of channel %s: %w", channel, ErrNotFound)
		}
		return nil
	})
}

// ClaimResponseURL spends one use of a Slack response_url issued at issued, which allows
// maxUses uses until issued+ttl. It reports false, spending nothing, when the URL is used up or
// expired. The count is committed before the caller sends, so a crash can waste a use but never
// hand out one too many. Only a hash of the URL is stored.
func (db *DB) ClaimResponseURL(ctx context.Context, url string, issued time.Time, maxUses int, ttl time.Duration) (bool, error) {
	now := db.now()
	expires := issued.Add(ttl)
	if !now.Before(expires) {
		return false, nil
	}
	h := sha256.Sum256([]byte(url))
	var ok bool
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		// Expired rows of other URLs are dropped on the way, so the table stays small.
		if _, err := tx.ExecContext(ctx, `DELETE FROM slack_response_urls WHERE expires_at <= ?`, ms(now)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO slack_response_urls (hash, expires_at, uses) VALUES (?, ?, 1)
			ON CONFLICT (hash) DO UPDATE SET uses = slack_response_urls.uses + 1 WHERE slack_response_urls.uses < ?`, h[:], ms(expires), maxUses)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("storage: claim response url: %w", err)
	}
	return ok, nil
}

// SpendResponseURL marks a response_url used up (Slack refused it), so later results go
// another way at once.
func (db *DB) SpendResponseURL(ctx context.Context, url string, maxUses int) error {
	h := sha256.Sum256([]byte(url))
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE slack_response_urls SET uses = ? WHERE hash = ?`, maxUses, h[:])
		if err != nil {
			return fmt.Errorf("storage: spend response url: %w", err)
		}
		return nil
	})
}

// SetUserZone caches a chat user's IANA time zone name.
func (db *DB) SetUserZone(ctx context.Context, door, team, user, zone string) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_user_zones (door, team, "user", zone, fetched_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (door, team, "user") DO UPDATE SET zone = excluded.zone, fetched_at = excluded.fetched_at`,
			door, team, user, zone, ms(db.now()))
		if err != nil {
			return fmt.Errorf("storage: set user zone: %w", err)
		}
		return nil
	})
}

// UserZone reads a cached zone and when it was fetched; ErrNotFound when none is cached.
func (db *DB) UserZone(ctx context.Context, door, team, user string) (string, time.Time, error) {
	var (
		zone    string
		fetched int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT zone, fetched_at FROM chat_user_zones WHERE door = ? AND team = ? AND "user" = ?`,
		door, team, user).Scan(&zone, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("storage: zone of %s: %w", user, ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("storage: zone of %s: %w", user, err)
	}
	return zone, fromMS(fetched), nil
}

// SetChatAnchor records the chat message a post's results are threaded under (the door's
// JSON). A second call for the same post replaces it.
func (db *DB) SetChatAnchor(ctx context.Context, postID, door string, ref []byte) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_anchors (post_id, door, ref, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (post_id) DO UPDATE SET door = excluded.door, ref = excluded.ref`, postID, door, string(ref), ms(db.now()))
		if err != nil {
			return fmt.Errorf("storage: set chat anchor of post %s: %w", postID, err)
		}
		return nil
	})
}

// ChatAnchor reads a post's anchor; ErrNotFound when it has none.
func (db *DB) ChatAnchor(ctx context.Context, postID string) (door string, ref []byte, err error) {
	var s string
	err = db.r.QueryRowContext(ctx, `SELECT door, ref FROM chat_anchors WHERE post_id = ?`, postID).Scan(&door, &s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("storage: chat anchor of post %s: %w", postID, ErrNotFound)
	}
	if err != nil {
		return "", nil, fmt.Errorf("storage: chat anchor of post %s: %w", postID, err)
	}
	return door, []byte(s), nil
}

// Delivered reports whether a door already showed an outbox event.
func (db *DB) Delivered(ctx context.Context, door string, eventID int64) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM chat_deliveries WHERE door = ? AND event_id = ?`, door, eventID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("storage: delivered: %w", err)
	}
	return n > 0, nil
}

// MarkDelivered records that a door showed an outbox event.
func (db *DB) MarkDelivered(ctx context.Context, door string, eventID int64) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_deliveries (door, event_id, delivered_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, door, eventID, ms(db.now()))
		if err != nil {
			return fmt.Errorf("storage: mark delivered: %w", err)
		}
		return nil
	})
}
