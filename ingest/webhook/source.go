package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/spindle-threads/spindle/ingest"
)

// Source is one configured webhook source as the handler needs it. Storage owns the table;
// cmd/spindle adapts a row into this.
type Source struct {
	Name      string
	AccountID int64 // the linked Threads account its posts go to
	Scheme    Scheme
	// Secrets verify deliveries: the current secret first, then previous secrets still inside
	// their rotation grace period. Verification accepts any of them; callbacks are signed with
	// Secrets[0].
	Secrets []string
	// Preset is a name from PresetNames, or empty. With a preset the source takes the
	// provider's own payload; without preset and template it takes the generic body.
	Preset string
	// Template is optional text/template source mapping the payload to the post's text. With a
	// preset it replaces the preset's text; alone, a delivery whose text renders empty is ignored.
	Template string
	// Branch is the branch github-push posts about; empty: the repository's default branch.
	Branch string
	// Events, when not empty, lists the only event names the source takes (X-GitHub-Event,
	// X-Gitlab-Event, or a payload's "type"/"event"); others are answered 202 ignored.
	Events  []string
	Enabled bool
}

// ErrSourceNotFound is what a Sources implementation returns (possibly wrapped) for a name it
// does not know. The handler answers it, and a disabled source, with 404.
var ErrSourceNotFound = errors.New("webhook source not found")

// Sources looks a source up by the name in the URL.
type Sources interface {
	Source(ctx context.Context, name string) (Source, error)
}

// Accepted is the queue's answer to Enqueue.
type Accepted struct {
	ID      string // the post id
	Status  string // the post's state ("queued" for a new post); empty means "queued"
	Existed bool   // the idempotency key or the signed body matched an existing post; nothing new was queued
}

// Enqueuer validates a request (ingest's preflight) and commits it to the queue before it
// returns. A request the sender must fix is returned as an error wrapping *FieldError, which
// the handler answers 400 with its reason; any other error is answered 500. A request whose
// IdempotencyKey is already taken in the webhook door returns that post with Existed true.
type Enqueuer interface {
	Enqueue(ctx context.Context, r ingest.Request) (Accepted, error)
}

// Ref is what the webhook door stores in ingest.Origin.Ref: enough for the result notifier to
// find the source (and so its scheme and current secret) and the callback URL.
type Ref struct {
	Source      string `json:"source"`
	CallbackURL string `json:"callback_url,omitempty"`
	DeliveryID  string `json:"delivery_id,omitempty"`
	Event       string `json:"event,omitempty"`
}

// CheckSourceName validates a source name for the CLI and chat: 1–64 characters of lower-case
// letters, digits, '-' and '_', starting with a letter or digit. The name is a URL path segment
// and the namespace of the source's idempotency keys, which is why ':' and '/' are excluded.
func CheckSourceName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("source name must be 1 to 64 characters, got %d", len(name))
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_')
		if !ok {
			return fmt.Errorf("source name %q: use lower-case letters, digits, '-' and '_', starting with a letter or digit", name)
		}
	}
	return nil
}

// idempotencyKey namespaces a request's key by source, so two sources sending "deploy-1" get
// two posts, and records where the key came from: the sender's own key wins, then the
// preset's key from the payload, then the delivery id. Empty when there is none. strict is
// true for keys that name one request (the sender's key, a delivery id): repeating one with a
// different post is a conflict. A preset's key names a thing (a release) and is not strict.
func idempotencyKey(source, bodyKey, presetKey, deliveryID string) (key string, strict bool) {
	switch {
	case bodyKey != "":
		return fitKey(source, source+":key:"+bodyKey), true
	case presetKey != "":
		return fitKey(source, source+":"+presetKey), false
	case deliveryID != "":
		return fitKey(source, source+":delivery:"+deliveryID), true
	}
	return "", false
}

// fitKey keeps a namespaced key within the queue's limit. A longer one (a preset's key over a
// 250-character GitLab tag, a 255-byte idempotency_key under a long source name) used to be
// refused with a 400 the sender could not act on; it is replaced by its SHA-256, which
// recognises a repeat just as well. Keys that fit are kept as they are, so stored rows match.
func fitKey(source, key string) string {
	if len(key) <= ingest.MaxIdempotencyKey {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return source + ":sha256:" + hex.EncodeToString(sum[:])
}

// keyScope is the scope of a source's keys and bodies in the queue: the source is the caller.
func keyScope(source string) string { return "source:" + source }
