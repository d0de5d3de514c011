package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestChannelRoutes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	acme := storagetest.Account(t, db, "acme")
	beta := storagetest.Account(t, db, "beta")
	if _, err := db.ChannelRoute(ctx, "slack", "T1", "C1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unbound channel: %v", err)
	}
	for _, id := range []int64{acme.ID, beta.ID} { // binding twice rebinds
		if err := db.SetChannelRoute(ctx, storage.ChannelRoute{Door: "slack", Team: "T1", Channel: "C1", AccountID: id, SetBy: "U1"}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := db.ChannelRoute(ctx, "slack", "T1", "C1")
	if err != nil || r.AccountID != beta.ID || r.SetBy != "U1" {
		t.Fatalf("route %+v, %v", r, err)
	}
	if _, err := db.ChannelRoute(ctx, "slack", "T2", "C1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("another team's channel of the same id is bound: %v", err)
	}
	if err := db.DeleteChannelRoute(ctx, "slack", "T1", "C1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteChannelRoute(ctx, "slack", "T1", "C1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestClaimResponseURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	issued := clock.Now()
	const u = "https://hooks.slack.com/commands/T1/1/abc"
	got := 0
	for range 7 {
		ok, err := db.ClaimResponseURL(ctx, u, issued, 5, 30*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got++
		}
	}
	if got != 5 {
		t.Errorf("claimed %d uses, want 5", got)
	}
	other := "https://hooks.slack.com/commands/T1/2/def"
	if ok, _ := db.ClaimResponseURL(ctx, other, issued, 5, 30*time.Minute); !ok {
		t.Error("a fresh URL was refused")
	}
	if err := db.SpendResponseURL(ctx, other, 5); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.ClaimResponseURL(ctx, other, issued, 5, 30*time.Minute); ok {
		t.Error("a spent URL was claimed")
	}
	clock.Advance(30 * time.Minute)
	if ok, _ := db.ClaimResponseURL(ctx, "https://hooks.slack.com/commands/T1/3/ghi", issued, 5, 30*time.Minute); ok {
		t.Error("an expired URL was claimed")
	}
}

func TestUserZonesAnchorsDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	if _, _, err := db.UserZone(ctx, "slack", "T1", "U1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("zone before caching: %v", err)
	}
	for _, z := range []string{"Europe/Paris", "Asia/Tokyo"} {
		if err := db.SetUserZone(ctx, "slack", "T1", "U1", z); err != nil {
			t.Fatal(err)
		}
	}
	if z, at, err := db.UserZone(ctx, "slack", "T1", "U1"); err != nil || z != "Asia/Tokyo" || at.IsZero() {
		t.Errorf("zone %q at %v, %v", z, at, err)
	}

	if err := db.SetChatAnchor(ctx, "p1", "slack", []byte(`{"channel":"C1","ts":"1.2"}`)); err != nil {
		t.Fatal(err)
	}
	if door, ref, err := db.ChatAnchor(ctx, "p1"); err != nil || door != "slack" || string(ref) != `{"channel":"C1","ts":"1.2"}` {
		t.Errorf("anchor %s %s %v", door, ref, err)
	}
	if _, _, err := db.ChatAnchor(ctx, "p2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("missing anchor: %v", err)
	}

	if done, _ := db.Delivered(ctx, "slack", 9); done {
		t.Error("delivered before marking")
	}
	for range 2 {
		if err := db.MarkDelivered(ctx, "slack", 9); err != nil {
			t.Fatal(err)
		}
	}
	if done, _ := db.Delivered(ctx, "slack", 9); !done {
		t.Error("not delivered after marking")
	}
	if done, _ := db.Delivered(ctx, "telegram", 9); done {
		t.Error("delivery of one door counted for another")
	}
}
