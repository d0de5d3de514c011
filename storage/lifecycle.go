package storage

// Lifecycle events for the outbound event webhooks: a post queued or cancelled is written to
// the outbox in the transaction of the change, but only when an event subscription wants it,
// so a daemon without subscriptions pays one EXISTS on a table of a few rows per post and
// writes nothing more. The payload is the publisher's Event JSON (publisher.Event's field
// names; storage cannot import the publisher); publisher/events tests read it back through the
// publisher, so a renamed field fails them.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Lifecycle event kinds, as publisher.EventKind values.
const (
	EventKindQueued    = "queued"
	EventKindCancelled = "cancelled"
	// EventKindAccountConnected goes to door "" (the owner), like the account's other events.
	EventKindAccountConnected = "account_connected"
)

// lifecyclePayload mirrors the fields of publisher.Event a lifecycle event carries.
type lifecyclePayload struct {
	Kind      string
	PostID    string
	AccountID int64
	Door      string
	Text      string
	At        time.Time
}

// addLifecycleQ writes the event only if a subscription takes every event, or names this one
// (events is a JSON array of names), for every account or for this one.
const addLifecycleQ = `INSERT INTO outbox (dedupe_key, door, payload, created_at, next_attempt_at, post_id)
	SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT) WHERE EXISTS (SELECT 1 FROM event_subscriptions
		WHERE (events = '' OR events LIKE ?) AND (account_id = 0 OR account_id = ?))
	ON CONFLICT (dedupe_key) DO NOTHING`

// lifecycleArgs are addLifecycleQ's arguments for kind on p; name is the subscribers' name
// for kind (post.queued, post.cancelled).
func (db *DB) lifecycleArgs(kind, name string, p Post) ([]any, error) {
	return db.eventArgs(p.ID+":"+kind, name, lifecyclePayload{Kind: kind, PostID: p.ID, AccountID: p.AccountID,
		Door: p.Door, Text: p.Text, At: p.UpdatedAt})
}

// eventArgs are addLifecycleQ's arguments for the event pl under key.
func (db *DB) eventArgs(key, name string, pl lifecyclePayload) ([]any, error) {
	b, err := json.Marshal(pl)
	if err != nil {
		return nil, err
	}
	now := ms(db.now())
	return []any{key, pl.Door, string(b), now, now, pl.PostID, `%"` + name + `"%`, pl.AccountID}, nil
}

// lifecycleTx writes kind's event for p in tx when a subscription wants it.
func (db *DB) lifecycleTx(ctx context.Context, tx *sql.Tx, kind, name string, p Post) error {
	args, err := db.lifecycleArgs(kind, name, p)
	if err != nil {
		return err
	}
	st, err := db.txStmt(ctx, tx, addLifecycleQ) // prepared once (hotStatements): enqueue is hot
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// accountConnectedTx writes account.connected for a, just linked, in tx when a subscription
// wants it. Each link is its own event (a reconnect is one too).
func (db *DB) accountConnectedTx(ctx context.Context, tx *sql.Tx, a Account, now int64) error {
	args, err := db.eventArgs(fmt.Sprintf("account:%d:connected:%d", a.ID, now), "account.connected",
		lifecyclePayload{Kind: EventKindAccountConnected, AccountID: a.ID, Text: "@" + a.Username, At: fromMS(now)})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, addLifecycleQ, args...)
	return err
}
