package webhookstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/publisher"
)

// Sender delivers one signed callback; *webhook.CallbackSender is the production one.
type Sender interface {
	Deliver(ctx context.Context, cb webhook.Callback) error
}

// Notifier is the publisher.Notifier of the webhook door: a post's terminal result (posted or
// failed) is POSTed to the callback_url its delivery named, signed with the source's current
// secret in the source's scheme. Posts without a callback_url, other doors and non-terminal
// events are acknowledged and dropped: the status URL is there for those.
type Notifier struct {
	store  *Store
	sender Sender
	log    *slog.Logger
}

// NewNotifier returns the door's notifier; a nil logger discards.
func NewNotifier(store *Store, sender Sender, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{store: store, sender: sender, log: log}
}

var (
	_ publisher.Notifier = (*Notifier)(nil)
	_ publisher.Laner    = (*Notifier)(nil)
)

// Lane implements publisher.Laner: callbacks are delivered in one lane per callback host, so
// a CI server that never answers delays only the callbacks to it. Events without a readable
// callback URL share the door's lane ("").
func (n *Notifier) Lane(e publisher.Event) string {
	var ref webhook.Ref
	if len(e.OriginRef) == 0 || json.Unmarshal(e.OriginRef, &ref) != nil || ref.CallbackURL == "" {
		return ""
	}
	u, err := url.Parse(ref.CallbackURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// Notify implements publisher.Notifier. It returns an error only for failures worth another
// try later (the callback server is down or busy, the database is unreachable); a callback
// that can never succeed (refused with a 4xx, a private address, the source removed) is logged
// and dropped, so the outbox does not retry it forever.
func (n *Notifier) Notify(ctx context.Context, e publisher.Event) error {
	if e.Door != string(ingest.DoorWebhook) || len(e.OriginRef) == 0 {
		return nil
	}
	var ref webhook.Ref
	if err := json.Unmarshal(e.OriginRef, &ref); err != nil {
		n.log.WarnContext(ctx, "webhook post has an unreadable origin; no callback sent",
			slog.String("post_id", e.PostID), slog.String("error", err.Error()))
		return nil
	}
	result, ok := callbackResult(e)
	if ref.CallbackURL == "" || !ok {
		return nil
	}
	src, err := n.store.Source(ctx, ref.Source)
	if errors.Is(err, webhook.ErrSourceNotFound) {
		n.log.WarnContext(ctx, "webhook source was removed; its callback cannot be signed and is dropped",
			slog.String("post_id", e.PostID), slog.String("source", ref.Source))
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhookstore: callback for post %s: %w", e.PostID, err)
	}
	if len(src.Secrets) == 0 {
		n.log.ErrorContext(ctx, "webhook source has no usable secret; callback dropped, rotate the source's secret",
			slog.String("post_id", e.PostID), slog.String("source", ref.Source))
		return nil
	}
	err = n.sender.Deliver(ctx, webhook.Callback{URL: ref.CallbackURL, Scheme: src.Scheme, Secret: src.Secrets[0], Result: result})
	if err != nil && webhook.PermanentCallbackError(err) {
		n.log.WarnContext(ctx, "webhook callback refused for good; dropped",
			slog.String("post_id", e.PostID), slog.String("source", ref.Source), slog.String("error", err.Error()))
		return nil
	}
	return err
}

// callbackResult maps a publisher event to the callback body; false for events that are not
// a terminal result.
func callbackResult(e publisher.Event) (webhook.CallbackResult, bool) {
	switch e.Kind {
	case publisher.EventPosted:
		return webhook.CallbackResult{ID: e.PostID, Status: "posted", Permalink: e.Permalink, MediaID: e.MediaID}, true
	case publisher.EventFailed:
		return webhook.CallbackResult{ID: e.PostID, Status: "failed", Error: e.Reason}, true
	}
	return webhook.CallbackResult{}, false
}
