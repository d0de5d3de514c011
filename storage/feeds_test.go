package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func addFeed(t *testing.T, db *storage.DB, f storage.Feed) storage.Feed {
	t.Helper()
	out, err := db.AddFeed(context.Background(), f)
	if err != nil {
		t.Fatalf("add feed: %v", err)
	}
	return out
}

func TestFeedRoundTripAndUniqueness(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	alice, bob := storagetest.Account(t, db, "alice"), storagetest.Account(t, db, "bob")
	in := storage.Feed{URL: "https://blog.example/feed.xml", AccountID: alice.ID, ReportDoor: "slack",
		ReportRef: []byte(`{"channel":"C1"}`), Template: "{{.Title}}", Include: []string{"go", "/rust/i"},
		Exclude: []string{"ad"}, Interval: 15 * time.Minute, DailyCap: 4, Images: true, Backfill: 2,
		NextPollAt: clock.Now().Add(time.Minute)}
	f := addFeed(t, db, in)
	if f.ID == 0 || !f.Enabled || f.Baselined || f.URL != in.URL || string(f.ReportRef) != `{"channel":"C1"}` ||
		!slices.Equal(f.Include, in.Include) || !slices.Equal(f.Exclude, in.Exclude) || f.Interval != 15*time.Minute ||
		f.DailyCap != 4 || !f.Images || f.Backfill != 2 || !f.NextPollAt.Equal(in.NextPollAt) || f.Template != "{{.Title}}" {
		t.Fatalf("stored feed = %+v", f)
	}
	got, err := db.Feed(ctx, f.ID)
	if err != nil || got.URL != f.URL || got.ReportDoor != "slack" {
		t.Fatalf("Feed(%d) = %+v, %v", f.ID, got, err)
	}
	if _, err := db.AddFeed(ctx, in); !errors.Is(err, storage.ErrFeedExists) {
		t.Fatalf("same URL twice for one account: %v, want ErrFeedExists", err)
	}
	in.AccountID = bob.ID
	g := addFeed(t, db, in) // another account may watch the same URL
	if all, err := db.Feeds(ctx, nil); err != nil || len(all) != 2 {
		t.Fatalf("Feeds(all) = %d feeds, %v", len(all), err)
	}
	if mine, err := db.Feeds(ctx, []int64{bob.ID}); err != nil || len(mine) != 1 || mine[0].ID != g.ID {
		t.Fatalf("Feeds(bob) = %+v, %v", mine, err)
	}
	if none, err := db.Feeds(ctx, []int64{}); err != nil || len(none) != 0 {
		t.Fatalf("Feeds(empty list) = %+v, %v; want none", none, err)
	}
	if _, err := db.Feed(ctx, 999); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Feed(999): %v, want ErrNotFound", err)
	}
}

func TestFeedIDsAreNeverReused(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	f := addFeed(t, db, storage.Feed{URL: "https://a.example/f", AccountID: a.ID, Interval: time.Minute})
	if err := db.DeleteFeed(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	g := addFeed(t, db, storage.Feed{URL: "https://a.example/f", AccountID: a.ID, Interval: time.Minute})
	if g.ID == f.ID {
		t.Fatalf("a new feed got removed feed %d's id: its posts' idempotency keys would collide", f.ID)
	}
	if err := db.DeleteFeed(ctx, f.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleting a removed feed: %v, want ErrNotFound", err)
	}
}

func TestDueFeedsAndRecordPoll(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	now := clock.Now()
	due := addFeed(t, db, storage.Feed{URL: "https://a.example/1", AccountID: a.ID, Interval: time.Minute, NextPollAt: now.Add(-time.Minute)})
	later := addFeed(t, db, storage.Feed{URL: "https://a.example/2", AccountID: a.ID, Interval: time.Minute, NextPollAt: now.Add(time.Hour)})
	paused := addFeed(t, db, storage.Feed{URL: "https://a.example/3", AccountID: a.ID, Interval: time.Minute, NextPollAt: now.Add(-time.Hour)})
	if _, err := db.SetFeedEnabled(ctx, paused.ID, false, "by hand", time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, err := db.DueFeeds(ctx, now, 10)
	if err != nil || len(got) != 1 || got[0].ID != due.ID {
		t.Fatalf("DueFeeds = %+v, %v; want only feed %d", got, err, due.ID)
	}

	// A success stores validators, title and the next poll, and marks the feed baselined.
	if err := db.RecordFeedPoll(ctx, storage.FeedPoll{FeedID: due.ID, OK: true, Title: "Blog", ETag: `W/"x"`,
		LastModified: "Mon, 23 Nov 2026 09:00:00 GMT", NextPollAt: now.Add(10 * time.Minute),
		NewURL: "https://a.example/moved"}); err != nil {
		t.Fatal(err)
	}
	f, _ := db.Feed(ctx, due.ID)
	if !f.Baselined || f.Title != "Blog" || f.ETag != `W/"x"` || f.LastModified == "" || f.URL != "https://a.example/moved" ||
		!f.NextPollAt.Equal(now.Add(10*time.Minute)) || !f.LastSuccessAt.Equal(now) {
		t.Fatalf("after success: %+v", f)
	}
	// A failure keeps validators and title, counts, and may pause.
	if err := db.RecordFeedPoll(ctx, storage.FeedPoll{FeedID: due.ID, Failures: 3, LastError: "boom",
		NextPollAt: now.Add(time.Hour), Pause: true, PauseReason: "too many failures"}); err != nil {
		t.Fatal(err)
	}
	f, _ = db.Feed(ctx, due.ID)
	if f.Enabled || f.PausedReason != "too many failures" || f.Failures != 3 || f.LastError != "boom" || f.ETag != `W/"x"` || f.Title != "Blog" {
		t.Fatalf("after failure: %+v", f)
	}
	// A redirect onto a URL the account already watches keeps the old URL.
	if err := db.RecordFeedPoll(ctx, storage.FeedPoll{FeedID: due.ID, OK: true, NewURL: later.URL, NextPollAt: now}); err != nil {
		t.Fatal(err)
	}
	if f, _ = db.Feed(ctx, due.ID); f.URL != "https://a.example/moved" {
		t.Fatalf("URL after a clashing redirect = %s", f.URL)
	}
	// Resume clears the failures and the reason.
	f, err = db.SetFeedEnabled(ctx, due.ID, true, "", now)
	if err != nil || !f.Enabled || f.PausedReason != "" || f.Failures != 0 {
		t.Fatalf("resume = %+v, %v", f, err)
	}
	if _, err := db.SetFeedEnabled(ctx, 999, true, "", now); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("resume of a missing feed: %v", err)
	}
}

func TestFeedItemsSeenAndPruned(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	f := addFeed(t, db, storage.Feed{URL: "https://a.example/1", AccountID: a.ID, Interval: time.Minute})
	g := addFeed(t, db, storage.Feed{URL: "https://a.example/2", AccountID: a.ID, Interval: time.Minute})

	var ids []string
	for i := range 1200 { // over one chunk of bound variables
		ids = append(ids, fmt.Sprintf("item-%04d", i))
	}
	if err := db.MarkFeedItemsSeen(ctx, f.ID, ids[:1000]); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFeedItemsSeen(ctx, f.ID, ids[:10]); err != nil { // again: no error
		t.Fatal(err)
	}
	fresh, err := db.UnseenFeedItems(ctx, f.ID, ids)
	if err != nil || !slices.Equal(fresh, ids[1000:]) {
		t.Fatalf("unseen = %d ids (%v), want the last 200", len(fresh), err)
	}
	if fresh, _ := db.UnseenFeedItems(ctx, g.ID, ids[:3]); len(fresh) != 3 {
		t.Fatalf("another feed's items leaked: unseen = %v", fresh)
	}

	// Later items; then prune everything older than a day, keeping 5 per feed.
	clock.Advance(48 * time.Hour)
	if err := db.MarkFeedItemsSeen(ctx, f.ID, []string{"new-1", "new-2"}); err != nil {
		t.Fatal(err)
	}
	n, err := db.PruneFeedItems(ctx, clock.Now().Add(-24*time.Hour), 5)
	if err != nil || n != 997 {
		t.Fatalf("pruned %d, %v; want 997 (1000 old, keep 5 newest of which 2 are recent)", n, err)
	}
	if c, _ := db.CountFeedItems(ctx, f.ID); c != 5 {
		t.Fatalf("%d items kept, want 5", c)
	}
	if fresh, _ := db.UnseenFeedItems(ctx, f.ID, []string{"new-1", "new-2"}); len(fresh) != 0 {
		t.Fatalf("recent items were pruned: %v", fresh)
	}

	// Removing the feed removes its items, and a late Mark for it is dropped quietly.
	if err := db.DeleteFeed(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFeedItemsSeen(ctx, f.ID, []string{"late"}); err != nil {
		t.Fatalf("mark for a removed feed: %v", err)
	}
	if c, _ := db.CountFeedItems(ctx, f.ID); c != 0 {
		t.Fatalf("%d items of a removed feed remain", c)
	}
}

func TestFeedPostStats(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	post := func(key string, at time.Time) {
		t.Helper()
		if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "feed", Text: "x",
			IdempotencyKey: key, ScheduledAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	post("feed:7:old", time.Time{})
	clock.Advance(25 * time.Hour)
	post("feed:7:a", time.Time{})
	post("feed:7:b", clock.Now().Add(3*time.Hour))
	post("feed:70:x", clock.Now().Add(9*time.Hour)) // another feed whose id starts alike
	post("feed:8:y", time.Time{})
	n, last, err := db.FeedPostStats(ctx, 7, clock.Now().Add(-24*time.Hour))
	if err != nil || n != 2 || !last.Equal(clock.Now().Add(3*time.Hour)) {
		t.Fatalf("stats(7) = %d, %v, %v; want 2 posts, last queued in 3h", n, last, err)
	}
	if n, last, _ := db.FeedPostStats(ctx, 9, clock.Now().Add(-24*time.Hour)); n != 0 || !last.IsZero() {
		t.Fatalf("stats of a feed without posts = %d, %v", n, last)
	}
}
