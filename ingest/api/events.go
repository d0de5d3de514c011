package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/storage"
)

// EventHooks keeps the outbound event webhook subscriptions (events.Subscriptions and the
// database). Over REST a subscription always belongs to one account, which the caller must
// own; subscriptions to every account are the operator's (`spindle events`) and not seen here.
type EventHooks interface {
	Add(ctx context.Context, s events.Spec) (storage.EventSubscription, string, error)
	Rotate(ctx context.Context, id int64, grace time.Duration) (string, error)
	EventSubscription(ctx context.Context, id int64) (storage.EventSubscription, error)
	EventSubscriptions(ctx context.Context) ([]storage.EventSubscription, error)
	DeleteEventSubscription(ctx context.Context, id int64) error
	EventDelivery(ctx context.Context, id int64) (storage.EventDelivery, error)
	RedeliverEvent(ctx context.Context, id int64) error
}

type subscriptionJSON struct {
	ID         int64      `json:"id"`
	URL        string     `json:"url"`
	Events     []string   `json:"events"`
	Account    string     `json:"account"`
	Secret     string     `json:"secret,omitempty"` // only when added or rotated
	Pending    int        `json:"pending"`
	Failed     int        `json:"failed"`
	LastState  string     `json:"lastState,omitempty"`
	LastStatus int        `json:"lastStatus,omitempty"`
	LastError  string     `json:"lastError,omitempty"`
	LastAt     *time.Time `json:"lastAt,omitempty"`
}

func subJSON(s storage.EventSubscription, username, secret string) subscriptionJSON {
	v := subscriptionJSON{ID: s.ID, URL: s.URL, Events: s.Events, Account: "@" + username, Secret: secret,
		Pending: s.Pending, Failed: s.Failed, LastState: s.LastState, LastStatus: s.LastStatus, LastError: s.LastError}
	if v.Events == nil {
		v.Events = []string{}
	}
	if !s.LastAt.IsZero() {
		at := s.LastAt
		v.LastAt = &at
	}
	return v
}

func (h *Handler) eventsAvailable(w http.ResponseWriter) bool {
	if h.events == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "event webhooks are not available on this server")
		return false
	}
	return true
}

// errNoSubscription is one answer for "no such subscription" and "not yours".
var errNoSubscription = fmt.Errorf("no such event subscription; GET /api/events/subscriptions lists yours: %w", storage.ErrNotFound)

// ownedSubscription reads the subscription named in the path, if the caller owns its account.
func (h *Handler) ownedSubscription(r *http.Request, id int64) (storage.EventSubscription, string, error) {
	s, err := h.events.EventSubscription(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && s.AccountID == 0) {
		return s, "", errNoSubscription
	} else if err != nil {
		return s, "", err
	}
	a, err := h.posts.Account(r.Context(), s.AccountID)
	if err != nil {
		return s, "", errNoSubscription
	}
	if _, _, err := h.account(r, a.Username, true); err != nil {
		return s, "", errNoSubscription
	}
	return s, a.Username, nil
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, httperr.CodeNotFound, fmt.Sprintf("%q is not an id", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// addSubscription is POST /api/events/subscriptions {"url", "events", "account"}: the owner of
// the account subscribes a receiver to its events → 201 with the secret, shown only now.
func (h *Handler) addSubscription(w http.ResponseWriter, r *http.Request) {
	if !h.eventsAvailable(w) {
		return
	}
	var body struct {
		URL     string   `json:"url"`
		Events  []string `json:"events"`
		Account string   `json:"account"`
	}
	if !decodeJSON(w, r, &body, `{"url": "https://example.com/spindle-events", "events": ["post.published"]}`) {
		return
	}
	spec := events.Spec{URL: body.URL, Events: body.Events}
	if err := events.CheckURL(body.URL); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Field: "url", Error: err.Error()})
		return
	}
	if err := events.CheckEvents(body.Events); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Field: "events", Error: err.Error()})
		return
	}
	a, _, err := h.account(r, body.Account, true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	spec.AccountID = a.ID
	s, secret, err := h.events.Add(r.Context(), spec)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, subJSON(s, a.Username, secret))
}

// listSubscriptions is GET /api/events/subscriptions[?account=@name]: the account's
// subscriptions with their delivery figures; never a secret.
func (h *Handler) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	if !h.eventsAvailable(w) {
		return
	}
	a, _, err := h.account(r, "", true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	all, err := h.events.EventSubscriptions(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []subscriptionJSON{}
	for _, s := range all {
		if s.AccountID == a.ID {
			out = append(out, subJSON(s, a.Username, ""))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": out})
}

// deleteSubscription is DELETE /api/events/subscriptions/{id} → 200 {"id", "removed": true}.
func (h *Handler) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !h.eventsAvailable(w) {
		return
	}
	if _, _, err := h.ownedSubscription(r, id); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.events.DeleteEventSubscription(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "removed": true})
}

// rotateGrace is how long the old secret also signs after a rotation over REST.
const rotateGrace = 24 * time.Hour

// rotateSubscription is POST /api/events/subscriptions/{id}/rotate → 200 with the new secret;
// the old one also signs for another 24 hours.
func (h *Handler) rotateSubscription(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !h.eventsAvailable(w) {
		return
	}
	s, username, err := h.ownedSubscription(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	secret, err := h.events.Rotate(r.Context(), id, rotateGrace)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, subJSON(s, username, secret))
}

// redeliverEvent is POST /api/events/deliveries/{id}/redeliver → 202: the delivery goes out
// again with the same webhook-id.
func (h *Handler) redeliverEvent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !h.eventsAvailable(w) {
		return
	}
	d, err := h.events.EventDelivery(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		h.fail(w, r, fmt.Errorf("no such event delivery: %w", storage.ErrNotFound))
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, _, err := h.ownedSubscription(r, d.SubscriptionID); err != nil {
		h.fail(w, r, fmt.Errorf("no such event delivery: %w", storage.ErrNotFound))
		return
	}
	if err := h.events.RedeliverEvent(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "webhookId": events.MessageID(id), "state": storage.EventDeliveryPending})
}
