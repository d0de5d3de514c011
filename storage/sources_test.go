package storage_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func newSource(acct int64, name string) storage.WebhookSource {
	return storage.WebhookSource{Name: name, AccountID: acct, Scheme: "github",
		SecretSealed: []byte("sealed-1"), Preset: "github-release", Branch: "main",
		Events: []string{"release", "ping"}, Enabled: true}
}

func TestWebhookSourceCreateAndRead(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")

	got, err := db.CreateWebhookSource(ctx, newSource(acct.ID, "ci"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || got.Name != "ci" || got.AccountID != acct.ID || got.Scheme != "github" ||
		!bytes.Equal(got.SecretSealed, []byte("sealed-1")) || got.PrevSecretSealed != nil ||
		got.Preset != "github-release" || got.Branch != "main" || !slices.Equal(got.Events, []string{"release", "ping"}) ||
		!got.Enabled || !got.CreatedAt.Equal(clock.Now()) {
		t.Errorf("created = %+v", got)
	}
	read, err := db.WebhookSourceByName(ctx, "ci")
	if err != nil || read.ID != got.ID || !slices.Equal(read.Events, got.Events) {
		t.Errorf("read = %+v, %v", read, err)
	}

	if _, err := db.CreateWebhookSource(ctx, newSource(acct.ID, "ci")); !errors.Is(err, storage.ErrExists) {
		t.Errorf("duplicate name: err = %v, want ErrExists", err)
	}
	if _, err := db.CreateWebhookSource(ctx, newSource(acct.ID+99, "other")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown account: err = %v, want ErrNotFound", err)
	}
	if _, err := db.WebhookSourceByName(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown source: err = %v, want ErrNotFound", err)
	}
	plain := newSource(acct.ID, "plain")
	plain.Events, plain.Preset, plain.Branch = nil, "", ""
	if _, err := db.CreateWebhookSource(ctx, plain); err != nil {
		t.Fatal(err)
	}
	bob := storagetest.Account(t, db, "bob")
	if _, err := db.CreateWebhookSource(ctx, newSource(bob.ID, "bobs")); err != nil {
		t.Fatal(err)
	}
	all, err := db.WebhookSources(ctx, 0)
	if err != nil || len(all) != 3 || all[0].Name != "bobs" || all[1].Name != "ci" || all[2].Name != "plain" || all[2].Events != nil {
		t.Errorf("list = %+v, %v", all, err)
	}
	mine, err := db.WebhookSources(ctx, bob.ID)
	if err != nil || len(mine) != 1 || mine[0].Name != "bobs" {
		t.Errorf("list of bob = %+v, %v", mine, err)
	}
}

func TestWebhookSecretRotation(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")
	if _, err := db.CreateWebhookSource(ctx, newSource(acct.ID, "ci")); err != nil {
		t.Fatal(err)
	}

	grace := clock.Now().Add(24 * time.Hour)
	s, err := db.RotateWebhookSecret(ctx, "ci", []byte("sealed-2"), grace)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.SecretSealed) != "sealed-2" || string(s.PrevSecretSealed) != "sealed-1" ||
		!s.PrevExpiresAt.Equal(grace) || !s.RotatedAt.Equal(clock.Now()) {
		t.Errorf("after rotation: %+v", s)
	}

	// Rotating again inside the grace period keeps only the secret just replaced.
	clock.Advance(time.Hour)
	s, err = db.RotateWebhookSecret(ctx, "ci", []byte("sealed-3"), clock.Now().Add(time.Hour))
	if err != nil || string(s.SecretSealed) != "sealed-3" || string(s.PrevSecretSealed) != "sealed-2" {
		t.Errorf("second rotation: %+v, %v", s, err)
	}

	// No grace: the previous secret is gone at once.
	s, err = db.RotateWebhookSecret(ctx, "ci", []byte("sealed-4"), time.Time{})
	if err != nil || string(s.SecretSealed) != "sealed-4" || s.PrevSecretSealed != nil || !s.PrevExpiresAt.IsZero() {
		t.Errorf("rotation without grace: %+v, %v", s, err)
	}
	read, _ := db.WebhookSourceByName(ctx, "ci")
	if string(read.SecretSealed) != "sealed-4" || read.PrevSecretSealed != nil {
		t.Errorf("stored after rotation: %+v", read)
	}
	if _, err := db.RotateWebhookSecret(ctx, "nope", []byte("x"), grace); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("rotate unknown: %v", err)
	}
}

func TestWebhookSourceEnableDeleteRecord(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	acct := storagetest.Account(t, db, "alice")
	if _, err := db.CreateWebhookSource(ctx, newSource(acct.ID, "ci")); err != nil {
		t.Fatal(err)
	}
	if err := db.SetWebhookSourceEnabled(ctx, "ci", false); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.WebhookSourceByName(ctx, "ci"); s.Enabled {
		t.Error("still enabled")
	}
	if err := db.SetWebhookSourceEnabled(ctx, "nope", true); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("enable unknown: %v", err)
	}

	t1 := clock.Now().Add(time.Minute)
	t0 := clock.Now()
	err := db.RecordWebhookDeliveries(ctx, []storage.WebhookDelivery{
		{Source: "ci", At: t1, Status: 401, Error: "signature does not match"},
		{Source: "gone", At: t1, Status: 202},
	})
	if err != nil {
		t.Fatal(err)
	}
	// An older record arriving later does not move the time back.
	if err := db.RecordWebhookDeliveries(ctx, []storage.WebhookDelivery{{Source: "ci", At: t0, Status: 202}}); err != nil {
		t.Fatal(err)
	}
	s, _ := db.WebhookSourceByName(ctx, "ci")
	if !s.LastDeliveryAt.Equal(t1) || s.LastStatus != 401 || s.LastError != "signature does not match" {
		t.Errorf("last delivery = %v %d %q", s.LastDeliveryAt, s.LastStatus, s.LastError)
	}

	if err := db.DeleteWebhookSource(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.WebhookSourceByName(ctx, "ci"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := db.DeleteWebhookSource(ctx, "ci"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}
