package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestAddFeedCapped: an account stops at the cap even when adds race, another account is
// not affected, and a repeated URL at the cap still says it exists.
func TestAddFeedCapped(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	alice, bob := storagetest.Account(t, db, "alice"), storagetest.Account(t, db, "bob")
	const limit = 3
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Go(func() {
			_, err := db.AddFeedCapped(t.Context(), storage.Feed{URL: fmt.Sprintf("https://e.example/%d", i),
				AccountID: alice.ID, Interval: time.Minute}, limit)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	ok, capped := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, storage.ErrFeedLimit):
			capped++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != limit || capped != 10-limit {
		t.Fatalf("%d added, %d refused; want %d and %d", ok, capped, limit, 10-limit)
	}
	mine, _ := db.Feeds(t.Context(), []int64{alice.ID})
	if _, err := db.AddFeedCapped(t.Context(), storage.Feed{URL: mine[0].URL, AccountID: alice.ID, Interval: time.Minute}, limit); !errors.Is(err, storage.ErrFeedExists) {
		t.Fatalf("a watched URL at the cap: %v, want ErrFeedExists", err)
	}
	if _, err := db.AddFeedCapped(t.Context(), storage.Feed{URL: "https://e.example/0", AccountID: bob.ID, Interval: time.Minute}, limit); err != nil {
		t.Fatalf("another account: %v", err)
	}
}

// TestTrimFeedItems: a feed keeps only its newest seen items; other feeds keep theirs.
func TestTrimFeedItems(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	acc := storagetest.Account(t, db, "alice")
	a := addFeed(t, db, storage.Feed{URL: "https://a.example/f", AccountID: acc.ID, Interval: time.Minute})
	b := addFeed(t, db, storage.Feed{URL: "https://b.example/f", AccountID: acc.ID, Interval: time.Minute})
	for round := range 5 {
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = fmt.Sprintf("r%d-%03d", round, i)
		}
		for _, f := range []storage.Feed{a, b} {
			if err := db.MarkFeedItemsSeen(t.Context(), f.ID, ids); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Minute)
	}
	n, err := db.TrimFeedItems(t.Context(), a.ID, 250)
	if err != nil || n != 250 {
		t.Fatalf("trimmed %d, %v; want 250", n, err)
	}
	if c, _ := db.CountFeedItems(t.Context(), a.ID); c != 250 {
		t.Fatalf("feed a keeps %d items, want 250", c)
	}
	if c, _ := db.CountFeedItems(t.Context(), b.ID); c != 500 {
		t.Fatalf("feed b keeps %d items, want 500", c)
	}
	// The newest round survives whole: those are the ids still in the document.
	if fresh, _ := db.UnseenFeedItems(t.Context(), a.ID, []string{"r4-000", "r4-099", "r0-000"}); len(fresh) != 1 || fresh[0] != "r0-000" {
		t.Fatalf("after trimming, unseen = %v; want only the oldest round's id", fresh)
	}
}
