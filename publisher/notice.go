package publisher

import (
	"encoding/json"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// CancelledNotice is the outbox event telling a post's author, at its origin, that the post
// will not go out and why (reason, in plain words). Other parts write it in the transaction
// that cancels the post, such as an account taken over by someone else (publisher/accounts).
// Doors show it as a failure, with the reason. A post whose stored reply address is not valid
// JSON gets the event without it, as outboxEvent does: the cancel must commit regardless.
func CancelledNotice(p storage.Post, reason string, at time.Time) storage.OutboxEvent {
	e := Event{Kind: EventFailed, PostID: p.ID, AccountID: p.AccountID, Door: p.Door,
		OriginRef: json.RawMessage(p.OriginRef), Reason: reason, Text: p.Text, At: at}
	ev, err := encodeEvent(e, p.ID+":cancelled")
	if err != nil {
		e.OriginRef = nil
		ev, _ = encodeEvent(e, p.ID+":cancelled") // plain fields only: it cannot fail now
	}
	return ev
}

// RelinkHint says how a person links an account again, in the words of the doors that exist:
// an expired or revoked token, or one lacking a permission (threads.Error.Scope), is fixed
// only by linking again, which asks Threads for the configured scopes.
const RelinkHint = "link the account again with /threads connect in Slack or /connect in Telegram"
