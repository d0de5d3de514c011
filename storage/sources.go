package storage

// Webhook sources: the table behind POST /hooks/{name}. Secrets arrive and leave sealed; the
// webhook door seals and opens them, so a copy of the database alone does not let anyone sign
// a delivery.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrExists is returned when a row with the same unique name already exists.
var ErrExists = errors.New("already exists")

// WebhookSource is one webhook source as stored.
type WebhookSource struct {
	ID           int64
	Name         string
	AccountID    int64
	Scheme       string // github, standard or gitlab
	SecretSealed []byte // the current secret, sealed by the caller
	// PrevSecretSealed is the secret before the last rotation; it keeps verifying until
	// PrevExpiresAt. Nil when there is none.
	PrevSecretSealed []byte
	PrevExpiresAt    time.Time
	Preset           string
	Template         string
	Branch           string
	Events           []string // empty: every event
	Enabled          bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	RotatedAt        time.Time
	LastDeliveryAt   time.Time // zero: never
	LastStatus       int       // HTTP status answered to the last delivery
	LastError        string    // why the last delivery was refused; empty when it was not
	// CreatedBy is the identity that added the source from chat; 0 for the operator (command
	// line). Disconnecting or revoking that identity pauses the source.
	CreatedBy int64
}

// WebhookDelivery is the outcome of one delivery to a source, for RecordWebhookDeliveries.
type WebhookDelivery struct {
	Source string
	At     time.Time
	Status int
	Error  string
}

const webhookSourceColumns = `id, name, account_id, scheme, secret_sealed, prev_secret_sealed,
	prev_expires_at, preset, template, branch, events, enabled, created_at, updated_at,
	rotated_at, last_delivery_at, last_status, last_error, COALESCE(created_by, 0)`

func scanWebhookSource(s scanner) (WebhookSource, error) {
	var (
		w                                               WebhookSource
		events                                          string
		enabled                                         int
		prevExp, created, updated, rotated, lastDeliver int64
	)
	err := s.Scan(&w.ID, &w.Name, &w.AccountID, &w.Scheme, &w.SecretSealed, &w.PrevSecretSealed,
		&prevExp, &w.Preset, &w.Template, &w.Branch, &events, &enabled, &created, &updated,
		&rotated, &lastDeliver, &w.LastStatus, &w.LastError, &w.CreatedBy)
	if err != nil {
		return WebhookSource{}, err
	}
	if events != "" {
		if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
			return WebhookSource{}, fmt.Errorf("webhook source %s: decode events: %w", w.Name, err)
		}
	}
	w.Enabled = enabled != 0
	w.PrevExpiresAt, w.CreatedAt, w.UpdatedAt = fromMS(prevExp), fromMS(created), fromMS(updated)
	w.RotatedAt, w.LastDeliveryAt = fromMS(rotated), fromMS(lastDeliver)
	return w, nil
}

func encodeEvents(events []string) (string, error) {
	if len(events) == 0 {
		return "", nil
	}
	b, err := json.Marshal(events)
	return string(b), err
}

// CreateWebhookSource stores a new source. A name already taken fails with ErrExists; an
// unknown account fails with ErrNotFound. ID and the times of s are ignored.
func (db *DB) CreateWebhookSource(ctx context.Context, s WebhookSource) (WebhookSource, error) {
	events, err := encodeEvents(s.Events)
	if err != nil {
		return WebhookSource{}, fmt.Errorf("storage: create webhook source %s: %w", s.Name, err)
	}
	now := ms(db.now())
	enabled := 0
	if s.Enabled {
		enabled = 1
	}
	var out WebhookSource
	err = db.batch.do(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, s.AccountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("account %d: %w", s.AccountID, ErrNotFound)
		}
		row := tx.QueryRowContext(ctx, `INSERT INTO webhook_sources (name, account_id, scheme,
			secret_sealed, preset, template, branch, events, enabled, created_at, updated_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING RETURNING `+webhookSourceColumns,
			s.Name, s.AccountID, s.Scheme, s.SecretSealed, s.Preset, s.Template, s.Branch, events,
			enabled, now, now, nullID(s.CreatedBy))
		var err error
		out, err = scanWebhookSource(row)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("a webhook source named %s: %w", s.Name, ErrExists)
		}
		return err
	})
	if err != nil {
		return WebhookSource{}, fmt.Errorf("storage: create webhook source %s: %w", s.Name, err)
	}
	return out, nil
}

// WebhookSourceByName reads a source; ErrNotFound if there is none. It runs on the read pool,
// once per delivery.
func (db *DB) WebhookSourceByName(ctx context.Context, name string) (WebhookSource, error) {
	s, err := scanWebhookSource(db.r.QueryRowContext(ctx,
		`SELECT `+webhookSourceColumns+` FROM webhook_sources WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return WebhookSource{}, fmt.Errorf("storage: webhook source %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return WebhookSource{}, fmt.Errorf("storage: webhook source %s: %w", name, err)
	}
	return s, nil
}

// WebhookSources lists every source by name; accountID, when not zero, keeps only that
// account's.
func (db *DB) WebhookSources(ctx context.Context, accountID int64) ([]WebhookSource, error) {
	q, args := `SELECT `+webhookSourceColumns+` FROM webhook_sources`, []any{}
	if accountID != 0 {
		q, args = q+` WHERE account_id = ?`, append(args, accountID)
	}
	return queryAll(ctx, db.r, "list webhook sources", scanWebhookSource, q+` ORDER BY name`, args...)
}

// RotateWebhookSecret makes sealed the source's current secret. The secret it replaces keeps
// verifying until graceUntil; a zero or past graceUntil drops it at once. Only one previous
// secret is kept: rotating again during a grace period ends the older one.
func (db *DB) RotateWebhookSecret(ctx context.Context, name string, sealed []byte, graceUntil time.Time) (WebhookSource, error) {
	now := db.now()
	keep, prevExpires := graceUntil.After(now), int64(0)
	if keep {
		prevExpires = ms(graceUntil)
	}
	var out WebhookSource
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `UPDATE webhook_sources SET
				prev_secret_sealed = CASE WHEN ? <> 0 THEN secret_sealed ELSE NULL END,
				prev_expires_at = ?, secret_sealed = ?, rotated_at = ?, updated_at = ?
			WHERE name = ? RETURNING `+webhookSourceColumns,
			keep, prevExpires, sealed, ms(now), ms(now), name)
		var err error
		out, err = scanWebhookSource(row)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("webhook source %s: %w", name, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return WebhookSource{}, fmt.Errorf("storage: rotate webhook secret: %w", err)
	}
	return out, nil
}

// SetWebhookSourceEnabled switches a source on or off; a disabled source answers 404.
func (db *DB) SetWebhookSourceEnabled(ctx context.Context, name string, enabled bool) error {
	on := 0
	if enabled {
		on = 1
	}
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_sources SET enabled = ?, updated_at = ? WHERE name = ?`,
			on, ms(db.now()), name)
		return webhookRowAffected(res, err, "webhook source "+name)
	})
}

// DeleteWebhookSource removes a source. Its posts stay; their callbacks can no longer be
// signed and are dropped.
func (db *DB) DeleteWebhookSource(ctx context.Context, name string) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_sources WHERE name = ?`, name)
		return webhookRowAffected(res, err, "webhook source "+name)
	})
}

// RecordWebhookDeliveries stores the latest delivery of each source named. A record older
// than the one stored is ignored, so flushes arriving out of order never move time backwards.
// Unknown sources (removed meanwhile) are skipped.
func (db *DB) RecordWebhookDeliveries(ctx context.Context, ds []WebhookDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_sources SET last_delivery_at = ?,
				last_status = ?, last_error = ? WHERE name = ? AND last_delivery_at <= ?`,
				ms(d.At), d.Status, clipWebhookError(d.Error, 500), d.Source, ms(d.At)); err != nil {
				return fmt.Errorf("storage: record webhook delivery of %s: %w", d.Source, err)
			}
		}
		return nil
	})
}

func webhookRowAffected(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("storage: %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("storage: %s: %w", what, ErrNotFound)
	}
	return nil
}

func clipWebhookError(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.ToValidUTF8(string(r[:n]), "")
}
