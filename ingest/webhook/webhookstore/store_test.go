package webhookstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/storage"
)

type failingIngest struct{ err error }

func (f failingIngest) Enqueue(context.Context, ingest.Request) (ingest.Accepted, error) {
	return ingest.Accepted{}, f.err
}

func TestEnqueuerMapsPreflightErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		field     string
		reason    string
		wantField bool
	}{
		{"one", fmt.Errorf("ingest: %w", &ingest.InvalidError{Field: "text", Reason: "text is 612 characters; Threads takes 500"}),
			"text", "text is 612 characters; Threads takes 500", true},
		{"joined", errors.Join(&ingest.InvalidError{Field: "text", Reason: "too long"}, &ingest.InvalidError{Field: "media[0].url", Reason: "not https"}),
			"text", "too long; media[0].url: not https", true},
		{"storage failure", errors.New("ingest: could not queue the post: disk I/O error"), "", "", false},
	}
	for _, tt := range tests {
		_, err := webhookstore.Enqueuer{Ingest: failingIngest{tt.err}}.Enqueue(context.Background(), ingest.Request{})
		fe, ok := errors.AsType[*webhook.FieldError](err)
		if ok != tt.wantField {
			t.Errorf("%s: FieldError %v in %v", tt.name, ok, err)
			continue
		}
		if ok && (fe.Field != tt.field || fe.Reason != tt.reason) {
			t.Errorf("%s: %+v", tt.name, fe)
		}
		if !ok && !errors.Is(err, tt.err) {
			t.Errorf("%s: the storage error was not kept: %v", tt.name, err)
		}
	}
}

// TestStoreCache: a cached source is served without the database until its TTL; changes
// through the same store are seen at once, changes by another process after the TTL, and a
// previous secret never outlives its grace period in the cache.
func TestStoreCache(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	cached := webhookstore.New(webhookstore.Options{DB: s.db, Sealer: s.keys, Now: s.clock.Now, CacheTTL: time.Minute})
	old := s.add(t, webhookstore.Spec{Name: "gh", Scheme: webhook.SchemeGitHub})
	if src, err := cached.Source(ctx, "gh"); err != nil || len(src.Secrets) != 1 || src.Secrets[0] != old {
		t.Fatalf("first lookup: %v", err)
	}
	// Rotated by "another process" (the uncached store): the cache still answers the old one...
	rot, err := s.store.Rotate(ctx, "gh", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if src, _ := cached.Source(ctx, "gh"); len(src.Secrets) != 1 || src.Secrets[0] != old {
		t.Errorf("inside the TTL the cache should still answer: %d secrets", len(src.Secrets))
	}
	// ...until the TTL passes.
	s.clock.Advance(time.Minute + time.Second)
	src, _ := cached.Source(ctx, "gh")
	if len(src.Secrets) != 1 || src.Secrets[0] != rot.Secret {
		t.Errorf("after the TTL: %d secrets, current new: %v", len(src.Secrets), len(src.Secrets) > 0 && src.Secrets[0] == rot.Secret)
	}

	// Rotation through the cached store with a grace shorter than the TTL: seen at once, and the
	// previous secret leaves the cache when its grace ends.
	rot2, err := cached.Rotate(ctx, "gh", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	src, _ = cached.Source(ctx, "gh")
	if len(src.Secrets) != 2 || src.Secrets[0] != rot2.Secret || src.Secrets[1] != rot.Secret {
		t.Fatalf("after own rotation: %d secrets", len(src.Secrets))
	}
	s.clock.Advance(11 * time.Second)
	if src, _ = cached.Source(ctx, "gh"); len(src.Secrets) != 1 {
		t.Errorf("previous secret outlived its grace in the cache: %d secrets", len(src.Secrets))
	}
	if err := cached.Remove(ctx, "gh"); err != nil {
		t.Fatal(err)
	}
	if _, err := cached.Source(ctx, "gh"); !errors.Is(err, webhook.ErrSourceNotFound) {
		t.Errorf("removed source still served: %v", err)
	}
	if _, err := cached.Rotate(ctx, "gh", 0); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("rotate removed: %v", err)
	}
}
