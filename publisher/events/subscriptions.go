package events

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Names are the event names a subscription may ask for, as receivers see them in "type".
var Names = []string{
	"post.published", "post.failed", "post.deleted", "post.rescheduled", "post.waiting_reconnect",
	"quota.delayed", "account.needs_reconnect", "token.expiring", "post.queued", "post.cancelled",
	"post.pending_approval", "account.connected",
}

// Sealer encrypts secrets at rest (*accounts.Keys in production). aad binds a sealed secret
// to its subscription.
type Sealer interface {
	Seal(plain, aad string) []byte
	Open(sealed []byte, aad string) (string, error)
}

// Store is the storage the subscriptions live in.
type Store interface {
	CreateEventSubscription(ctx context.Context, s storage.EventSubscription) (storage.EventSubscription, error)
	EventSubscription(ctx context.Context, id int64) (storage.EventSubscription, error)
	EventSubscriptions(ctx context.Context) ([]storage.EventSubscription, error)
	DeleteEventSubscription(ctx context.Context, id int64) error
	RotateEventSecret(ctx context.Context, id int64, sealed []byte, graceUntil time.Time) error
}

// aad is what a subscription's secret is sealed with. The secret is sealed before the row
// has an id, so the aad is the URL: a sealed secret moved to a subscription of another URL
// does not open.
func aad(u string) string { return "event-subscription:" + u }

// Spec is a subscription to add.
type Spec struct {
	URL       string
	Events    []string // empty: all
	AccountID int64    // 0: every account
}

// CheckURL says why u cannot receive events: it must be an absolute http or https URL with a
// host and no credentials in it. Whether its address is public is checked when it is called
// (the network guard), since a name's address can change.
func CheckURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("the URL %q does not parse: %v", u, err)
	}
	if p.Scheme != "https" && p.Scheme != "http" {
		return fmt.Errorf("the URL %q must start with https:// (or http://)", u)
	}
	if p.Host == "" || p.Hostname() == "" {
		return fmt.Errorf("the URL %q has no host", u)
	}
	if p.User != nil {
		return fmt.Errorf("the URL must not carry a user name or password; the signature authenticates Spindle")
	}
	if len(u) > 2048 {
		return errors.New("the URL is longer than 2048 characters")
	}
	return nil
}

// CheckEvents says which of names is not an event name.
func CheckEvents(names []string) error {
	for _, n := range names {
		if !slices.Contains(Names, n) {
			return fmt.Errorf("%q is not an event; the events are %s", n, strings.Join(Names, ", "))
		}
	}
	return nil
}

// Check says what is wrong with s, before anything is stored.
func (s Spec) Check() error {
	if err := CheckURL(s.URL); err != nil {
		return err
	}
	return CheckEvents(s.Events)
}

// Subscriptions manages subscriptions and their secrets.
type Subscriptions struct {
	Store  Store
	Sealer Sealer
	Now    func() time.Time // nil: time.Now
}

// Add stores a subscription with a new secret and returns both; the secret is not kept in
// the clear anywhere and is shown only now.
func (m Subscriptions) Add(ctx context.Context, s Spec) (storage.EventSubscription, string, error) {
	if err := s.Check(); err != nil {
		return storage.EventSubscription{}, "", err
	}
	secret := NewSecret()
	sub, err := m.Store.CreateEventSubscription(ctx, storage.EventSubscription{
		URL: s.URL, Events: s.Events, AccountID: s.AccountID, SecretSealed: m.Sealer.Seal(secret, aad(s.URL)),
	})
	return sub, secret, err
}

// Rotate gives a subscription a new secret and returns it; deliveries from now on are signed
// with it, and with the old one too until grace has passed (0: the old one stops at once).
func (m Subscriptions) Rotate(ctx context.Context, id int64, grace time.Duration) (string, error) {
	sub, err := m.Store.EventSubscription(ctx, id)
	if err != nil {
		return "", err
	}
	secret := NewSecret()
	var until time.Time
	if grace > 0 {
		now := time.Now
		if m.Now != nil {
			now = m.Now
		}
		until = now().Add(grace)
	}
	return secret, m.Store.RotateEventSecret(ctx, id, m.Sealer.Seal(secret, aad(sub.URL)), until)
}

// secrets opens a subscription's secrets at now: the current one, and the previous one while
// its grace period lasts.
func (m Subscriptions) secrets(s storage.EventSubscription, now time.Time) ([]string, error) {
	sec, err := m.Sealer.Open(s.SecretSealed, aad(s.URL))
	if err != nil {
		return nil, fmt.Errorf("the signing secret of event subscription %d does not open (was SPINDLE_SECRET_KEY changed? `spindle events rotate %d` makes a new one): %w", s.ID, s.ID, err)
	}
	out := []string{sec}
	if s.PrevSecretSealed != nil && now.Before(s.PrevExpiresAt) {
		if prev, err := m.Sealer.Open(s.PrevSecretSealed, aad(s.URL)); err == nil {
			out = append(out, prev)
		}
	}
	return out, nil
}

// ParseID reads a subscription or delivery id as the command line and REST take it.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(s, "sub_"), "msg_"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an id; `spindle events list` shows them", s)
	}
	return id, nil
}
