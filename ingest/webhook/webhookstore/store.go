// Package webhookstore connects the webhook door's pure core (package webhook) to the rest of
// Spindle: webhook sources kept in SQLite with their secrets sealed, the ingest service as the
// door's Enqueuer, and the publisher's results sent back as signed callbacks. cmd/spindle
// builds these from its configuration; tests build them over a real database.
package webhookstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/storage"
)

// DB is the storage the store needs; *storage.DB has it.
type DB interface {
	CreateWebhookSource(ctx context.Context, s storage.WebhookSource) (storage.WebhookSource, error)
	WebhookSourceByName(ctx context.Context, name string) (storage.WebhookSource, error)
	WebhookSources(ctx context.Context, accountID int64) ([]storage.WebhookSource, error)
	RotateWebhookSecret(ctx context.Context, name string, sealed []byte, graceUntil time.Time) (storage.WebhookSource, error)
	SetWebhookSourceEnabled(ctx context.Context, name string, enabled bool) error
	DeleteWebhookSource(ctx context.Context, name string) error
	RecordWebhookDeliveries(ctx context.Context, ds []storage.WebhookDelivery) error
}

// Sealer encrypts secrets at rest. *accounts.Keys (AES-256-GCM under a key derived from
// SPINDLE_SECRET_KEY) is the production one. aad binds a sealed value to its row, so a sealed
// secret copied onto another source does not open.
type Sealer interface {
	Seal(plain, aad string) []byte
	Open(sealed []byte, aad string) (string, error)
}

// Options configure a Store. DB and Sealer are required.
type Options struct {
	DB     DB
	Sealer Sealer
	Now    func() time.Time // default: time.Now
	Logger *slog.Logger     // default: discard
	// CacheTTL, when positive, keeps looked-up sources in memory that long, so a busy source
	// costs one database read and one unsealing per TTL instead of per delivery. A change made
	// by another process (`spindle sources rotate|remove` beside the daemon) then takes up to
	// CacheTTL to be seen. Changes made through this Store are seen at once.
	CacheTTL time.Duration
}

// Store keeps webhook sources. It implements webhook.Sources for the handler and the
// operations the CLI and chat need (Add, Rotate, Remove, List, Get).
type Store struct {
	db   DB
	seal Sealer
	now  func() time.Time
	log  *slog.Logger
	ttl  time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	src     webhook.Source
	expires time.Time
}

// maxCached bounds the cache; only existing sources are cached, so it is hit only by
// installations with that many sources.
const maxCached = 4096

// New returns a Store; a nil DB or Sealer is a wiring bug and panics.
func New(o Options) *Store {
	if o.DB == nil || o.Sealer == nil {
		panic("webhookstore: New needs DB and Sealer")
	}
	s := &Store{db: o.DB, seal: o.Sealer, now: o.Now, log: o.Logger, ttl: o.CacheTTL, cache: make(map[string]cached)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// aad is the additional data a source's secrets are sealed with: its name, so sealed bytes
// moved to another row fail to open. The prefix keeps it apart from access tokens sealed
// under the same key (bound to numeric Threads user ids).
func aad(name string) string { return "webhook-source\x00" + name }

// Source implements webhook.Sources: the source with its secrets opened, the previous one
// only while its grace period lasts. A secret that does not open (the secret key changed) is
// left out and logged; with none left the handler answers 401 and asks for a rotation.
func (s *Store) Source(ctx context.Context, name string) (webhook.Source, error) {
	now := s.now()
	if s.ttl > 0 {
		s.mu.Lock()
		c, ok := s.cache[name]
		s.mu.Unlock()
		if ok && now.Before(c.expires) {
			return c.src, nil
		}
	}
	row, err := s.db.WebhookSourceByName(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		return webhook.Source{}, fmt.Errorf("%w: %s", webhook.ErrSourceNotFound, name)
	}
	if err != nil {
		return webhook.Source{}, err
	}
	src := s.toSource(ctx, row)
	if s.ttl > 0 {
		// A previous secret must not outlive its grace period in the cache.
		exp := now.Add(s.ttl)
		if row.PrevSecretSealed != nil && now.Before(row.PrevExpiresAt) && row.PrevExpiresAt.Before(exp) {
			exp = row.PrevExpiresAt
		}
		s.mu.Lock()
		if len(s.cache) >= maxCached {
			clear(s.cache)
		}
		s.cache[name] = cached{src: src, expires: exp}
		s.mu.Unlock()
	}
	return src, nil
}

// forget drops a source from the cache after this Store changed it.
func (s *Store) forget(name string) {
	s.mu.Lock()
	delete(s.cache, name)
	s.mu.Unlock()
}

func (s *Store) toSource(ctx context.Context, row storage.WebhookSource) webhook.Source {
	src := webhook.Source{
		Name: row.Name, AccountID: row.AccountID, Scheme: webhook.Scheme(row.Scheme),
		Preset: row.Preset, Template: row.Template, Branch: row.Branch, Events: row.Events,
		Enabled: row.Enabled,
	}
	if sec, err := s.seal.Open(row.SecretSealed, aad(row.Name)); err == nil {
		src.Secrets = append(src.Secrets, sec)
	} else {
		s.log.ErrorContext(ctx, "webhook source secret does not open; rotate it with `spindle sources rotate`",
			slog.String("source", row.Name), slog.String("error", err.Error()))
	}
	if row.PrevSecretSealed != nil && s.now().Before(row.PrevExpiresAt) {
		if sec, err := s.seal.Open(row.PrevSecretSealed, aad(row.Name)); err == nil {
			src.Secrets = append(src.Secrets, sec)
		}
	}
	return src
}

// Spec describes a source to add.
type Spec struct {
	Name      string
	AccountID int64
	Scheme    webhook.Scheme
	Preset    string
	Template  string   // text/template source, checked here
	Branch    string   // github-push only
	Events    []string // empty: every event
	// CreatedBy is the identity adding the source from chat (0: the operator); disconnecting
	// or revoking it pauses the source.
	CreatedBy int64
}

// Check validates a spec, with errors an operator can act on.
func (sp Spec) Check() error {
	if err := webhook.CheckSourceName(sp.Name); err != nil {
		return err
	}
	if _, err := webhook.ParseScheme(string(sp.Scheme)); err != nil {
		return err
	}
	if err := webhook.CheckPreset(sp.Preset); err != nil {
		return err
	}
	if err := webhook.CheckPresetScheme(sp.Preset, sp.Scheme); err != nil {
		return err
	}
	if sp.Template != "" {
		if _, err := webhook.CompileTemplate(sp.Template); err != nil {
			return fmt.Errorf("the template cannot be used: %w", err)
		}
	}
	if sp.Branch != "" && sp.Preset != "github-push" {
		return errors.New("a branch only applies to the github-push preset; add --preset github-push or drop --branch")
	}
	for _, e := range sp.Events {
		if e == "" {
			return errors.New("an event name is empty; list events separated by commas, e.g. release,push")
		}
	}
	return nil
}

// Added is a new source and its secret, which is shown this once and never again.
type Added struct {
	Source storage.WebhookSource
	Secret string
}

// Add checks sp, generates a secret for its scheme, and stores the source enabled. A taken
// name fails with storage.ErrExists.
func (s *Store) Add(ctx context.Context, sp Spec) (Added, error) {
	if err := sp.Check(); err != nil {
		return Added{}, err
	}
	secret := webhook.NewSecret(sp.Scheme)
	row, err := s.db.CreateWebhookSource(ctx, storage.WebhookSource{
		Name: sp.Name, AccountID: sp.AccountID, Scheme: string(sp.Scheme),
		SecretSealed: s.seal.Seal(secret, aad(sp.Name)), Preset: sp.Preset, Template: sp.Template,
		Branch: sp.Branch, Events: sp.Events, Enabled: true, CreatedBy: sp.CreatedBy,
	})
	if err != nil {
		return Added{}, err
	}
	return Added{Source: row, Secret: secret}, nil
}

// Rotate gives a source a new secret. The old one keeps verifying for grace (zero: not at all)
// so senders can be switched over without losing deliveries. Callbacks are signed with the
// new secret at once.
func (s *Store) Rotate(ctx context.Context, name string, grace time.Duration) (Added, error) {
	row, err := s.db.WebhookSourceByName(ctx, name)
	if err != nil {
		return Added{}, err
	}
	secret := webhook.NewSecret(webhook.Scheme(row.Scheme))
	var until time.Time
	if grace > 0 {
		until = s.now().Add(grace)
	}
	row, err = s.db.RotateWebhookSecret(ctx, name, s.seal.Seal(secret, aad(name)), until)
	s.forget(name)
	if err != nil {
		return Added{}, err
	}
	return Added{Source: row, Secret: secret}, nil
}

// Get reads a source as stored (secrets sealed).
func (s *Store) Get(ctx context.Context, name string) (storage.WebhookSource, error) {
	return s.db.WebhookSourceByName(ctx, name)
}

// List lists sources by name; accountID 0 lists all.
func (s *Store) List(ctx context.Context, accountID int64) ([]storage.WebhookSource, error) {
	return s.db.WebhookSources(ctx, accountID)
}

// Remove deletes a source: its URL answers 404 from then on.
func (s *Store) Remove(ctx context.Context, name string) error {
	defer s.forget(name)
	return s.db.DeleteWebhookSource(ctx, name)
}

// SetEnabled switches a source on or off.
func (s *Store) SetEnabled(ctx context.Context, name string, on bool) error {
	defer s.forget(name)
	return s.db.SetWebhookSourceEnabled(ctx, name, on)
}

// FlushDeliveries writes delivery outcomes; it is the flush function of a
// webhook.DeliveryLog.
func (s *Store) FlushDeliveries(ctx context.Context, ds []webhook.Delivery) error {
	out := make([]storage.WebhookDelivery, len(ds))
	for i, d := range ds {
		out[i] = storage.WebhookDelivery{Source: d.Source, At: d.At, Status: d.Status, Error: d.Error}
	}
	return s.db.RecordWebhookDeliveries(ctx, out)
}
