package storage

// Outbound event webhooks: the subscriptions (a receiver URL, the events it wants, its sealed
// signing secret) and one delivery row per (event, subscription). The rows make delivery
// durable: a delivery acknowledged with a 2xx is marked delivered and never sent again unless
// an operator asks, one not yet acknowledged is picked up again after a restart.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event delivery states.
const (
	EventDeliveryPending   = "pending"
	EventDeliveryDelivered = "delivered"
	EventDeliveryFailed    = "failed" // given up after the retry period
)

// EventSubscription is one receiver of event webhooks.
type EventSubscription struct {
	ID           int64
	URL          string
	Events       []string // event names; empty: every event
	AccountID    int64    // 0: every account
	SecretSealed []byte   // sealed by the caller
	CreatedAt    time.Time
	RotatedAt    time.Time
	// PrevSecretSealed is the secret before the last rotation: deliveries carry its signature
	// too until PrevExpiresAt, so a receiver can switch secrets without refusing any. Nil when
	// there is none.
	PrevSecretSealed []byte
	PrevExpiresAt    time.Time
	// Read-only figures from its deliveries, filled by EventSubscriptions.
	Pending, Failed int
	LastState       string // state of the latest finished attempt's delivery; empty: none
	LastStatus      int    // HTTP status of the latest attempt; 0: none or no answer
	LastError       string
	LastAt          time.Time // when the latest delivery was done or last tried
}

// EventDelivery is one event for one subscription.
type EventDelivery struct {
	ID             int64
	EventID        int64 // the outbox id
	SubscriptionID int64
	Kind           string
	Body           []byte
	State          string
	Attempts       int
	NextAt         time.Time
	CreatedAt      time.Time
	DoneAt         time.Time
	LastStatus     int
	LastError      string
}

const (
	eventSubColumns = `s.id, s.url, s.events, s.account_id, s.secret_sealed, s.created_at, s.rotated_at,
		s.prev_secret_sealed, s.prev_expires_at`
	eventSubReturning = `id, url, events, account_id, secret_sealed, created_at, rotated_at,
		prev_secret_sealed, prev_expires_at`
)

func scanEventSub(sc scanner, extra ...any) (EventSubscription, error) {
	var (
		s                EventSubscription
		events           string
		created, rotated int64
		prevExp          int64
	)
	if err := sc.Scan(append([]any{&s.ID, &s.URL, &events, &s.AccountID, &s.SecretSealed, &created, &rotated,
		&s.PrevSecretSealed, &prevExp}, extra...)...); err != nil {
		return EventSubscription{}, err
	}
	if events != "" {
		if err := json.Unmarshal([]byte(events), &s.Events); err != nil {
			return EventSubscription{}, fmt.Errorf("event subscription %d: decode events: %w", s.ID, err)
		}
	}
	s.CreatedAt, s.RotatedAt, s.PrevExpiresAt = fromMS(created), fromMS(rotated), fromMS(prevExp)
	return s, nil
}

// CreateEventSubscription stores a new subscription; ID and times of s are ignored.
func (db *DB) CreateEventSubscription(ctx context.Context, s EventSubscription) (EventSubscription, error) {
	events, err := encodeEvents(s.Events)
	if err != nil {
		return EventSubscription{}, fmt.Errorf("storage: create event subscription: %w", err)
	}
	var out EventSubscription
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanEventSub(tx.QueryRowContext(ctx, `INSERT INTO event_subscriptions 
			(url, events, account_id, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?)
			RETURNING `+eventSubReturning, s.URL, events, s.AccountID, s.SecretSealed, ms(db.now())))
		return err
	})
	if err != nil {
		return EventSubscription{}, fmt.Errorf("storage: create event subscription: %w", err)
	}
	return out, nil
}

// EventSubscription reads one subscription; ErrNotFound if there is none.
func (db *DB) EventSubscription(ctx context.Context, id int64) (EventSubscription, error) {
	s, err := scanEventSub(db.r.QueryRowContext(ctx, `SELECT `+eventSubColumns+` FROM event_subscriptions s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return EventSubscription{}, fmt.Errorf("storage: event subscription %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return EventSubscription{}, fmt.Errorf("storage: event subscription %d: %w", id, err)
	}
	return s, nil
}

// EventSubscriptions lists every subscription by id with the figures of its deliveries: how
// many wait, how many were given up, and the latest attempt's outcome.
func (db *DB) EventSubscriptions(ctx context.Context) ([]EventSubscription, error) {
	const q = `SELECT ` + eventSubColumns + `,
		(SELECT count(*) FROM event_deliveries d WHERE d.subscription_id = s.id AND d.state = 'pending'),
		(SELECT count(*) FROM event_deliveries d WHERE d.subscription_id = s.id AND d.state = 'failed')
		FROM event_subscriptions s ORDER BY s.id`
	subs, err := queryAll(ctx, db.r, "list event subscriptions", func(sc scanner) (EventSubscription, error) {
		var pending, failed int
		s, err := scanEventSub(sc, &pending, &failed)
		s.Pending, s.Failed = pending, failed
		return s, err
	}, q)
	if err != nil {
		return nil, err
	}
	for i := range subs {
		var at int64
		err := db.r.QueryRowContext(ctx, `SELECT state, last_status, last_error,
				CASE WHEN done_at > 0 THEN done_at ELSE next_at END AS at
			FROM event_deliveries WHERE subscription_id = ? AND (attempts > 0 OR state <> 'pending')
			ORDER BY at DESC, id DESC LIMIT 1`, subs[i].ID).
			Scan(&subs[i].LastState, &subs[i].LastStatus, &subs[i].LastError, &at)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("storage: list event subscriptions: %w", err)
		}
		subs[i].LastAt = fromMS(at)
	}
	return subs, nil
}

// EventTargets lists every subscription by id without the figures of its deliveries: what
// fanning an event out needs, one cheap read per event.
func (db *DB) EventTargets(ctx context.Context) ([]EventSubscription, error) {
	return queryAll(ctx, db.r, "list event targets", func(sc scanner) (EventSubscription, error) { return scanEventSub(sc) },
		`SELECT `+eventSubColumns+` FROM event_subscriptions s ORDER BY s.id`)
}

// DeleteEventSubscription removes a subscription and its deliveries; ErrNotFound if none.
func (db *DB) DeleteEventSubscription(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_deliveries WHERE subscription_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM event_subscriptions WHERE id = ?`, id)
		return rowAffected(res, err, fmt.Sprintf("event subscription %d", id))
	})
}

// RotateEventSecret replaces a subscription's sealed secret. The one it replaces keeps signing
// beside it until graceUntil; a zero or past graceUntil drops it at once.
func (db *DB) RotateEventSecret(ctx context.Context, id int64, sealed []byte, graceUntil time.Time) error {
	now := db.now()
	keep, prevExpires := 0, int64(0)
	if graceUntil.After(now) {
		keep, prevExpires = 1, ms(graceUntil)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE event_subscriptions SET
				prev_secret_sealed = CASE WHEN ? <> 0 THEN secret_sealed ELSE NULL END, prev_expires_at = ?,
				secret_sealed = ?, rotated_at = ? WHERE id = ?`,
			keep, prevExpires, sealed, ms(now), id)
		return rowAffected(res, err, fmt.Sprintf("event subscription %d", id))
	})
}

func rowAffected(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("storage: %s: %w", what, ErrNotFound)
	}
	return nil
}

// AddEventDeliveries writes deliveries, due at once; a delivery of the same event to the same
// subscription that already exists is left as it is (a repeated fan-out adds nothing).
func (db *DB) AddEventDeliveries(ctx context.Context, ds []EventDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	now := ms(db.now())
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_deliveries
				(event_id, subscription_id, kind, body, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (event_id, subscription_id) DO NOTHING`,
				d.EventID, d.SubscriptionID, d.Kind, d.Body, now, now); err != nil {
				return fmt.Errorf("storage: add event deliveries: %w", err)
			}
		}
		return nil
	})
}

const eventDeliveryColumns = `id, event_id, subscription_id, kind, body, state, attempts, next_at,
	created_at, done_at, last_status, last_error`

func scanEventDelivery(sc scanner) (EventDelivery, error) {
	var (
		d                     EventDelivery
		next, created, doneAt int64
	)
	err := sc.Scan(&d.ID, &d.EventID, &d.SubscriptionID, &d.Kind, &d.Body, &d.State, &d.Attempts,
		&next, &created, &doneAt, &d.LastStatus, &d.LastError)
	d.NextAt, d.CreatedAt, d.DoneAt = fromMS(next), fromMS(created), fromMS(doneAt)
	return d, err
}

// EventDelivery reads one delivery; ErrNotFound if there is none.
func (db *DB) EventDelivery(ctx context.Context, id int64) (EventDelivery, error) {
	d, err := scanEventDelivery(db.r.QueryRowContext(ctx, `SELECT `+eventDeliveryColumns+` FROM event_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return EventDelivery{}, fmt.Errorf("storage: event delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return EventDelivery{}, fmt.Errorf("storage: event delivery %d: %w", id, err)
	}
	return d, nil
}

// EventDeliveries lists a subscription's latest deliveries, newest first.
func (db *DB) EventDeliveries(ctx context.Context, subscriptionID int64, limit int) ([]EventDelivery, error) {
	return queryAll(ctx, db.r, "list event deliveries", scanEventDelivery,
		`SELECT `+eventDeliveryColumns+` FROM event_deliveries WHERE subscription_id = ? ORDER BY id DESC LIMIT ?`,
		subscriptionID, limit)
}

// NextEventDeliveries is, for each subscription, its oldest pending delivery when that one is
// due at now. A subscription's deliveries go out one at a time in the order of their events,
// so a later event never overtakes an earlier one that is waiting for a retry.
func (db *DB) NextEventDeliveries(ctx context.Context, now time.Time) ([]EventDelivery, error) {
	return queryAll(ctx, db.r, "due event deliveries", scanEventDelivery,
		`SELECT `+eventDeliveryColumns+` FROM event_deliveries WHERE id IN (
			SELECT min(id) FROM event_deliveries WHERE state = 'pending' GROUP BY subscription_id)
		AND next_at <= ? AND claimed_until <= ? ORDER BY id`, ms(now), ms(now))
}

// NextEventDelivery is a subscription's oldest pending delivery when it is due at now;
// ErrNotFound when there is none, or it is not due yet.
func (db *DB) NextEventDelivery(ctx context.Context, subscriptionID int64, now time.Time) (EventDelivery, error) {
	d, err := scanEventDelivery(db.r.QueryRowContext(ctx, `SELECT `+eventDeliveryColumns+` FROM event_deliveries
		WHERE id = (SELECT min(id) FROM event_deliveries WHERE subscription_id = ? AND state = 'pending')
		AND next_at <= ? AND claimed_until <= ?`, subscriptionID, ms(now), ms(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return EventDelivery{}, fmt.Errorf("storage: next event delivery: %w", ErrNotFound)
	}
	return d, err
}

// ClaimEventDelivery takes a pending delivery for one attempt, for claimFor by the database's
// clock (leaseClock), so that no other deliverer (another replica, a restarted one) sends it
// meanwhile, and returns the claim's token; false when it is not pending or someone else holds
// it.
func (db *DB) ClaimEventDelivery(ctx context.Context, id int64, claimFor time.Duration) (time.Time, bool, error) {
	var (
		n     int64
		until time.Time
	)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		now, err := db.leaseClock(ctx, tx)
		if err != nil {
			return err
		}
		until = fromMS(ms(now.Add(claimFor)))
		res, err := tx.ExecContext(ctx, `UPDATE event_deliveries SET claimed_until = ?
			WHERE id = ? AND state = 'pending' AND claimed_until <= ?`, ms(until), id, ms(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("storage: claim event delivery %d: %w", id, err)
	}
	return until, n == 1, nil
}

// EventDelivered marks a delivery acknowledged: it is not sent again.
func (db *DB) EventDelivered(ctx context.Context, id int64, status int) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		_, err := tx.ExecContext(ctx, `UPDATE event_deliveries SET state = 'delivered', attempts = attempts + 1,
			done_at = ?, next_at = ?, last_status = ?, last_error = '', claimed_until = 0 WHERE id = ?`, now, now, status, id)
		return err
	})
}

// EventDeliveryFailed records the failed attempt of the claim token: due again at next, or
// given up for good. When the claim is no longer token (it ran out and another deliverer holds
// the delivery now), the outcome is late and left out, so it cannot end the new holder's claim
// under it.
func (db *DB) EventDeliveryFailed(ctx context.Context, id int64, token, next time.Time, status int, why string, giveUp bool) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		state, done := EventDeliveryPending, int64(0)
		if giveUp {
			state, done = EventDeliveryFailed, ms(db.now())
		}
		_, err := tx.ExecContext(ctx, `UPDATE event_deliveries SET state = ?, attempts = attempts + 1,
			next_at = ?, done_at = ?, last_status = ?, last_error = ?, claimed_until = 0
			WHERE id = ? AND state = 'pending' AND claimed_until = ?`,
			state, ms(next), done, status, why, id, ms(token))
		return err
	})
}

// RedeliverEvent makes a delivery pending and due at once, whatever its state, with its retry
// period started afresh; ErrNotFound if there is none.
func (db *DB) RedeliverEvent(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		res, err := tx.ExecContext(ctx, `UPDATE event_deliveries SET state = 'pending', attempts = 0,
			next_at = ?, created_at = ?, done_at = 0, claimed_until = 0 WHERE id = ?`, now, now, id)
		return rowAffected(res, err, fmt.Sprintf("event delivery %d", id))
	})
}

// PruneEventDeliveries deletes delivered and given-up deliveries finished before cutoff.
func (db *DB) PruneEventDeliveries(ctx context.Context, cutoff time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM event_deliveries WHERE state <> 'pending' AND done_at < ?`, ms(cutoff))
		return err
	})
}
