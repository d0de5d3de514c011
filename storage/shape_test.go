package storage_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestShapeTravelsWithThePost: every shape field is stored with the post and read back by Get,
// by List and by the lease that publishes it; a plain post stores nothing.
func TestShapeTravelsWithThePost(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "sha")
	shape := storage.Shape{
		Poll:           []string{"A", "B", "C"},
		TextAttachment: &storage.TextAttachment{Plaintext: "long", LinkURL: "https://blog.example/a"},
		Spoilers:       []storage.Spoiler{{Offset: 1, Length: 2}},
		SpoilerMedia:   true, ReplyControl: "mentioned_only", Ghost: true, LocationID: "123",
		GIF: &storage.GIF{ID: "g1", Provider: "TENOR"},
	}
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "api", Text: "x", Shape: shape})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Shape, shape) {
		t.Errorf("enqueued shape = %+v", p.Shape)
	}
	got, err := db.Get(ctx, p.ID)
	if err != nil || !reflect.DeepEqual(got.Shape, shape) {
		t.Fatalf("Get shape = %+v, %v; want %+v", got.Shape, err, shape)
	}
	plain, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "api", Text: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Get(ctx, plain.ID); !got.Shape.IsZero() {
		t.Errorf("plain post has shape %+v", got.Shape)
	}
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 || !reflect.DeepEqual(leased[0].Shape, shape) {
		t.Fatalf("leased %+v (%v), want the shaped post", leased, err)
	}
}

// TestLongTextSettings: the account's and the feed's long-text choice, stored and replaced;
// anything else is refused and changes nothing.
func TestLongTextSettings(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	a := storagetest.Account(t, db, "lt")
	if v, err := db.AccountLongText(ctx, a.ID); err != nil || v != storage.LongTextDefault {
		t.Fatalf("fresh account: %q %v", v, err)
	}
	for _, v := range []string{storage.LongTextAttach, storage.LongTextThread} {
		if err := db.SetAccountLongText(ctx, a.ID, v); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.AccountLongText(ctx, a.ID); got != v {
			t.Errorf("account long text = %q, want %q", got, v)
		}
	}
	if err := db.SetAccountLongText(ctx, a.ID, "chain"); !errors.Is(err, storage.ErrBadLongText) {
		t.Errorf("bad value: %v", err)
	}
	if got, _ := db.AccountLongText(ctx, a.ID); got != storage.LongTextThread {
		t.Errorf("a refused value changed the setting to %q", got)
	}
	f, err := db.AddFeed(ctx, storage.Feed{URL: "https://blog.example/feed.xml", AccountID: a.ID, Interval: time.Hour, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetFeedLongText(ctx, f.ID, storage.LongTextAttach); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FeedLongText(ctx, f.ID); got != storage.LongTextAttach {
		t.Errorf("feed long text = %q", got)
	}
}
