package publisher

import (
	"encoding/json"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// CancelledNotice is the outbox event telling a post's author, at its origin, that the post
// will not go out and why (reason, in plain words). Other parts write it in the transaction
// that cancels the post, such as an account taken over by someone else (publisher/accounts).
// Doors show it as a failure, with the reason.
func CancelledNotice(p storage.Post, reason string, at time.Time) storage.OutboxEvent {
	return encodeEvent(Event{Kind: EventFailed, PostID: p.ID, AccountID: p.AccountID, Door: p.Door,
		OriginRef: json.RawMessage(p.OriginRef), Reason: reason, Text: p.Text, At: at}, p.ID+":cancelled")
}

// encodeEvent encodes e for the outbox under a dedupe key.
func encodeEvent(e Event, key string) storage.OutboxEvent {
	b, err := json.Marshal(e)
	if err != nil { // Event holds only plain fields and valid JSON; this cannot happen
		panic("publisher: encode event: " + err.Error())
	}
	return storage.OutboxEvent{Key: key, Door: e.Door, Payload: b}
}
