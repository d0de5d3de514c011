package publisher

import (
	"github.com/spindle-threads/spindle/storage"
)

// The approval events: the author of a held post is told, through the post's door, what the
// approvers decided. They are written in the transaction of the decision (storage.Decide).
const (
	EventApproved EventKind = "approved" // Reason: who approved it
	EventRejected EventKind = "rejected" // Reason: why, as the approver gave it
	EventExpired  EventKind = "expired"  // nobody approved it in time; it was cancelled
)

// DecisionEvents builds the outbox events of decision d for storage.Decide; byName is the
// approver's display name, for the author.
func DecisionEvents(d storage.Decision, byName string) func(storage.Post) []storage.OutboxEvent {
	return func(p storage.Post) []storage.OutboxEvent {
		e := Event{PostID: p.ID, AccountID: p.AccountID, Door: p.Door, OriginRef: p.OriginRef, Text: p.Text, At: p.UpdatedAt}
		switch d.Outcome {
		case storage.DecisionApproved:
			e.Kind, e.Reason = EventApproved, "approved by "+nameOr(byName)
		case storage.DecisionRejected:
			e.Kind, e.Reason = EventRejected, "rejected by "+nameOr(byName)
			if d.Reason != "" {
				e.Reason += ": " + d.Reason
			}
		default:
			e.Kind, e.Reason = EventExpired, "nobody approved it in time, so it was cancelled"
		}
		ev, err := encodeEvent(e, p.ID+":"+d.Outcome+":"+p.UpdatedAt.Format("20060102150405.000"))
		if err != nil {
			e.OriginRef = nil
			ev, _ = encodeEvent(e, p.ID+":"+d.Outcome)
		}
		return []storage.OutboxEvent{ev}
	}
}

func nameOr(n string) string {
	if n == "" {
		return "an approver"
	}
	return n
}
