package publisher

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// The approval events: the author of a held post is told, through the post's door, what the
// approvers decided. They are written in the transaction of the decision (storage.Decide).
const (
	EventApproved EventKind = "approved" // Reason: who approved it
	EventRejected EventKind = "rejected" // Reason: why, as the approver gave it
	EventExpired  EventKind = "expired"  // nobody approved it in time; it was cancelled
	// EventPendingApproval tells the account's owner a post waits for a decision; like
	// EventNeedsReconnect it goes to door "" (the owner), with PostID and Text set.
	EventPendingApproval EventKind = "pending_approval"
)

// PendingApprovalEvent is the outbox event telling the owner of p's account that p waits
// (ingest.Options.ApprovalNotice).
func PendingApprovalEvent(p storage.Post) storage.OutboxEvent {
	e := Event{Kind: EventPendingApproval, PostID: p.ID, AccountID: p.AccountID, Text: p.Text, At: p.CreatedAt,
		Reason: "a post by someone you granted the account to (or by a feed) waits for your approval"}
	ev, err := encodeEvent(e, p.ID+":pending_approval:"+p.UpdatedAt.Format("20060102150405.000"))
	if err != nil { // only OriginRef can fail to encode, and this event has none
		return storage.OutboxEvent{Key: p.ID + ":pending_approval", Payload: []byte(`null`)}
	}
	return ev
}

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

// Approvals is the storage of held posts that expiry needs (storage.DB). It is optional: a
// Store without it holds nothing, so nothing expires.
type Approvals interface {
	DueApprovals(ctx context.Context, now time.Time, limit int) ([]storage.DueApproval, error)
	Decide(ctx context.Context, id string, d storage.Decision) (storage.Post, error)
}

// expireBatch bounds one run of ExpireApprovals; the next run goes on.
const expireBatch = 200

// ExpireApprovals cancels the posts whose approval request expired, telling each author. A
// post decided meanwhile (an approver was quicker) is left as the approver decided, and one
// an edit sent back for approval meanwhile (a new round, with a new deadline) waits on: the
// expiry decides the round that expired only.
func (p *Publisher) ExpireApprovals(ctx context.Context) error {
	a, ok := p.store.(Approvals)
	if !ok {
		return nil
	}
	due, err := a.DueApprovals(ctx, p.now(), expireBatch)
	if err != nil {
		return err
	}
	for _, x := range due {
		d := storage.Decision{Outcome: storage.DecisionExpired, Round: x.Round}
		d.Events = DecisionEvents(d, "")
		_, err := a.Decide(ctx, x.PostID, d)
		if _, lost := errors.AsType[*storage.StateError](err); lost {
			continue
		}
		if _, renewed := errors.AsType[*storage.RoundError](err); renewed {
			continue
		}
		if err != nil {
			return err
		}
		p.log.InfoContext(ctx, "approval request expired; post cancelled", slog.String("post_id", x.PostID))
	}
	return nil
}
