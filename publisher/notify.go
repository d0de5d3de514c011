// Package publisher drains Spindle's queue to Threads: the gocron scheduler that owns the
// background jobs, the worker pool, the persisted publishing state machine, the quota gate and
// token refresh; and it reports every result back through the door the post came from.
package publisher

import (
	"context"
	"encoding/json"
	"time"
)

// EventKind says what happened to a post.
type EventKind string

// The events a door is told about.
const (
	EventPosted           EventKind = "posted"            // published; Permalink set
	EventFailed           EventKind = "failed"            // failed for good; Reason says why and what to do
	EventDelayed          EventKind = "delayed"           // over quota; Until says when it will go out
	EventWaitingReconnect EventKind = "waiting_reconnect" // the account's token expired or was revoked
	EventDeleted          EventKind = "deleted"           // a published post was deleted on request
	// EventQueued and EventCancelled are for the event webhooks alone (storage writes them
	// only when a subscription wants them); doors are not told (the chat already answered).
	EventQueued    EventKind = "queued"
	EventCancelled EventKind = "cancelled"
	// EventAccountConnected (webhooks only, door "") says an account was linked; Text is
	// "@username". The person who linked it was already told.
	EventAccountConnected EventKind = "account_connected"
	// EventNeedsReconnect is about an account, not a post (PostID and Door empty): its token
	// could not be refreshed. It goes to the Notifier of door "" (Options.Doors or Notifiers), the owner's channel.
	EventNeedsReconnect EventKind = "needs_reconnect"
	// EventTokenExpiring is about an account too: its token could not be refreshed and stops
	// working at Until; the owner should link it again before then.
	EventTokenExpiring EventKind = "token_expiring"
)

// Event is one result or notable event about a post, written to the durable outbox in the same
// transaction as the state change it reports, and handed to the Notifier of its door.
type Event struct {
	ID        int64 // outbox id; a Notifier may use it to deduplicate
	Kind      EventKind
	PostID    string
	AccountID int64
	Door      string
	OriginRef json.RawMessage // the door's own reply address, stored with the post
	Permalink string
	MediaID   string
	Reason    string    // plain words for a person
	Until     time.Time // for EventDelayed; EventTokenExpiring: when the token expires
	Text      string    // the post's text, for context in the reply
	At        time.Time
}

// Notifier reports events at their origin. Each door implements it for its posts; delivery is
// at least once (retried with backoff until it returns nil), so a Notifier should tolerate a
// repeat of the same Event.ID.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, e Event) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, e Event) error { return f(ctx, e) }

// ForDoors reports whether a door's Notifier is told events of kind k; the webhook-only kinds
// (EventQueued, EventCancelled, EventAccountConnected) are not.
func (k EventKind) ForDoors() bool {
	return k != EventQueued && k != EventCancelled && k != EventAccountConnected
}
