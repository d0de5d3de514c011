package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// nameOf is the name receivers see for one of the publisher's event kinds; false for a kind
// no subscription can ask for. An approval decision reads as what it did to the post: an
// approved post is queued, a rejected or expired one cancelled (the reason says which).
func nameOf(k publisher.EventKind) (string, bool) {
	switch k {
	case publisher.EventPosted:
		return "post.published", true
	case publisher.EventFailed:
		return "post.failed", true
	case publisher.EventDeleted:
		return "post.deleted", true
	case publisher.EventRescheduled:
		return "post.rescheduled", true
	case publisher.EventWaitingReconnect:
		return "post.waiting_reconnect", true
	case publisher.EventDelayed:
		return "quota.delayed", true
	case publisher.EventNeedsReconnect:
		return "account.needs_reconnect", true
	case publisher.EventTokenExpiring:
		return "token.expiring", true
	case publisher.EventQueued, publisher.EventApproved:
		return "post.queued", true
	case publisher.EventCancelled, publisher.EventRejected, publisher.EventExpired:
		return "post.cancelled", true
	case publisher.EventPendingApproval:
		return "post.pending_approval", true
	case publisher.EventAccountConnected:
		return "account.connected", true
	}
	return "", false
}

// Message is the JSON body of a delivery, in the Standard Webhooks shape (type, timestamp,
// data).
type Message struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`
}

// Data is what happened. Fields that do not apply to the event are left out.
type Data struct {
	PostID    string     `json:"post_id,omitempty"`
	AccountID int64      `json:"account_id"`
	Door      string     `json:"door,omitempty"`
	Permalink string     `json:"permalink,omitempty"`
	MediaID   string     `json:"media_id,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Until     *time.Time `json:"until,omitempty"`
	Text      string     `json:"text,omitempty"`
}

// FanoutStore is the storage fan-out needs.
type FanoutStore interface {
	EventTargets(ctx context.Context) ([]storage.EventSubscription, error)
	AddEventDeliveries(ctx context.Context, ds []storage.EventDelivery) error
}

// Fanout turns one outbox event into a delivery per matching subscription.
type Fanout struct {
	Store FanoutStore
	// Kick, when set, is called after deliveries were written (the Deliverer's Kick).
	Kick func()
}

// Event writes e's deliveries. It is idempotent (a delivery per event and subscription), so
// the outbox may hand it the same event again.
func (f Fanout) Event(ctx context.Context, e publisher.Event) error {
	name, ok := nameOf(e.Kind)
	if !ok || e.ID == 0 {
		return nil
	}
	subs, err := f.Store.EventTargets(ctx)
	if err != nil {
		return fmt.Errorf("events: fan out event %d: %w", e.ID, err)
	}
	var body []byte
	var ds []storage.EventDelivery
	for _, s := range subs {
		if (len(s.Events) > 0 && !slices.Contains(s.Events, name)) || (s.AccountID != 0 && s.AccountID != e.AccountID) {
			continue
		}
		if body == nil {
			if body, err = json.Marshal(message(name, e)); err != nil {
				return fmt.Errorf("events: encode event %d: %w", e.ID, err)
			}
		}
		ds = append(ds, storage.EventDelivery{EventID: e.ID, SubscriptionID: s.ID, Kind: name, Body: body})
	}
	if len(ds) == 0 {
		return nil
	}
	if err := f.Store.AddEventDeliveries(ctx, ds); err != nil {
		return fmt.Errorf("events: fan out event %d: %w", e.ID, err)
	}
	if f.Kick != nil {
		f.Kick()
	}
	return nil
}

func message(name string, e publisher.Event) Message {
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	m := Message{Type: name, Timestamp: at.UTC(), Data: Data{
		PostID: e.PostID, AccountID: e.AccountID, Door: e.Door, Permalink: e.Permalink,
		MediaID: e.MediaID, Reason: e.Reason, Text: e.Text,
	}}
	if !e.Until.IsZero() {
		u := e.Until.UTC()
		m.Data.Until = &u
	}
	return m
}

// Doors wraps the publisher's doors so that every event is fanned out to the subscriptions
// before its door is told: the fan-out rides on the outbox's durable, at-least-once delivery
// (an event whose fan-out failed is retried with it).
func Doors(inner publisher.Doors, f Fanout) publisher.Doors { return doors{inner: inner, f: f} }

type doors struct {
	inner publisher.Doors
	f     Fanout
}

func (d doors) Notifier(door string) publisher.Notifier {
	var n publisher.Notifier
	if d.inner != nil {
		n = d.inner.Notifier(door)
	}
	return tee{inner: n, f: d.f}
}

// tee fans an event out, then tells its door. It keeps the door's lanes (publisher.Laner).
type tee struct {
	inner publisher.Notifier
	f     Fanout
}

func (t tee) Notify(ctx context.Context, e publisher.Event) error {
	if err := t.f.Event(ctx, e); err != nil {
		return err
	}
	if t.inner == nil || !e.Kind.ForDoors() {
		return nil
	}
	return t.inner.Notify(ctx, e)
}

func (t tee) Lane(e publisher.Event) string {
	if l, ok := t.inner.(publisher.Laner); ok {
		return l.Lane(e)
	}
	return ""
}
