package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// replicas returns db and two more handles on its database: three processes' worth of
// connections (on SQLite, three writers on one file, taking turns on its lock).
func replicas(t *testing.T, db *storage.DB) []*storage.DB {
	t.Helper()
	return []*storage.DB{db, storagetest.Reopen(t, db, nil), storagetest.Reopen(t, db, nil)}
}

// race runs claim on every handle from several goroutines each until every one of them
// comes back empty, and counts what each id was claimed.
func race(t *testing.T, handles []*storage.DB, claim func(h *storage.DB) ([]int64, error)) map[int64]int {
	t.Helper()
	var (
		mu     sync.Mutex
		counts = map[int64]int{}
		wg     sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range 3 * len(handles) {
		wg.Go(func() {
			<-start
			for {
				ids, err := claim(handles[i%len(handles)])
				if err != nil {
					t.Error(err)
					return
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				for _, id := range ids {
					counts[id]++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return counts
}

// TestDueFeedClaimsRacingGiveEachFeedToOneReplica: three handles claim due feeds at once,
// a few at a time: every due feed is claimed exactly once, the feeds not due and the paused
// one never.
func TestDueFeedClaimsRacingGiveEachFeedToOneReplica(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	now := time.Now()
	const due = 40
	for i := range due + 5 {
		next := now.Add(-time.Duration(i) * time.Second)
		if i >= due {
			next = now.Add(time.Hour)
		}
		addFeed(t, db, storage.Feed{URL: fmt.Sprintf("https://a.example/%d", i), AccountID: a.ID, Interval: time.Minute, NextPollAt: next})
	}
	paused := addFeed(t, db, storage.Feed{URL: "https://a.example/paused", AccountID: a.ID, Interval: time.Minute, NextPollAt: now.Add(-time.Hour)})
	if _, err := db.SetFeedEnabled(ctx, paused.ID, false, "by hand", time.Time{}); err != nil {
		t.Fatal(err)
	}
	counts := race(t, replicas(t, db), func(h *storage.DB) ([]int64, error) {
		feeds, err := h.ClaimDueFeeds(ctx, 5*time.Minute, 3)
		var ids []int64
		for _, f := range feeds {
			if left := time.Until(f.NextPollAt); left < 4*time.Minute || left > 5*time.Minute {
				t.Errorf("claimed feed %d has token %v, %s from now; want the claim's end, 5m from the claim", f.ID, f.NextPollAt, left)
			}
			ids = append(ids, f.ID)
		}
		return ids, err
	})
	if len(counts) != due {
		t.Fatalf("%d feeds claimed, want the %d due: %v", len(counts), due, counts)
	}
	for id, n := range counts {
		if n != 1 || id == paused.ID {
			t.Fatalf("feed %d claimed %d times", id, n)
		}
	}
}

// TestFeedClaimTokenFencesAnExpiredClaimer: a claim that ran out is taken by another
// replica, and the first can then neither renew nor release it; the holder can.
func TestFeedClaimTokenFencesAnExpiredClaimer(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Now().Truncate(time.Millisecond))
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	a := storagetest.Account(t, db, "alice")
	f := addFeed(t, db, storage.Feed{URL: "https://a.example/x", AccountID: a.ID, Interval: time.Minute, NextPollAt: clock.Now()})
	other := storagetest.Reopen(t, db, clock.Now)
	first, err := db.ClaimDueFeeds(ctx, time.Minute, 10)
	if err != nil || len(first) != 1 || !first[0].NextPollAt.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("first claim: %+v, %v; want its token a minute from now", first, err)
	}
	clock.Advance(30 * time.Second)
	if again, err := other.ClaimDueFeeds(ctx, time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("a live claim was claimed again: %v, %v", again, err)
	}
	clock.Advance(90 * time.Second) // the first claim has run out
	second, err := other.ClaimDueFeeds(ctx, time.Minute, 10)
	if err != nil || len(second) != 1 {
		t.Fatalf("claim after expiry: %v, %v", second, err)
	}
	if _, ok, err := db.RenewFeedClaim(ctx, f.ID, first[0].NextPollAt, 5*time.Minute); err != nil || ok {
		t.Fatalf("the expired claimer renewed: %v, %v", ok, err)
	}
	if err := db.ReleaseFeedClaim(ctx, f.ID, first[0].NextPollAt); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Feed(ctx, f.ID); !got.NextPollAt.Equal(second[0].NextPollAt) {
		t.Fatalf("the expired claimer's release moved the feed to %v", got.NextPollAt)
	}
	renewed, ok, err := other.RenewFeedClaim(ctx, f.ID, second[0].NextPollAt, 3*time.Minute)
	if err != nil || !ok || !renewed.Equal(clock.Now().Add(3*time.Minute)) {
		t.Fatalf("the holder's renewal: %v, %v, %v; want its claim 3m from now", renewed, ok, err)
	}
	if err := other.ReleaseFeedClaim(ctx, f.ID, renewed); err != nil {
		t.Fatal(err)
	}
	if back, err := db.ClaimDueFeeds(ctx, time.Minute, 10); err != nil || len(back) != 1 {
		t.Fatalf("a released feed is not due: %v, %v", back, err)
	}
}

// TestOutboxClaimsRacingGiveEachEventToOneReplica: three handles claim due events at once,
// a few at a time: each is claimed exactly once, and each batch comes oldest first.
func TestOutboxClaimsRacingGiveEachEventToOneReplica(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	const events = 150
	for i := range events {
		if err := db.AddOutbox(ctx, storage.OutboxEvent{Key: fmt.Sprint("k", i), Door: "api", Payload: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	counts := race(t, replicas(t, db), func(h *storage.DB) ([]int64, error) {
		items, err := h.ClaimOutbox(ctx, time.Minute, 4)
		var ids []int64
		for i, it := range items {
			if i > 0 && it.ID < items[i-1].ID {
				t.Errorf("claimed batch not oldest first: %d after %d", it.ID, items[i-1].ID)
			}
			ids = append(ids, it.ID)
		}
		return ids, err
	})
	if len(counts) != events {
		t.Fatalf("%d events claimed, want %d", len(counts), events)
	}
	for id, n := range counts {
		if n != 1 {
			t.Fatalf("event %d claimed %d times", id, n)
		}
	}
}

// TestOutboxClaimLifecycle: a claimed event is not due until its claim ends; a delivered one
// is never claimed again; a renewal with a stale token fails; a release makes it due again.
func TestOutboxClaimLifecycle(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Now().Truncate(time.Millisecond))
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	if err := db.AddOutbox(ctx, storage.OutboxEvent{Key: "a", Door: "api", Payload: []byte(`{"kind":"posted"}`)},
		storage.OutboxEvent{Key: "b", Door: "api", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	items, err := db.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(items) != 2 || string(items[0].Payload) != `{"kind":"posted"}` || !items[0].Claim.Equal(start.Add(time.Minute)) {
		t.Fatalf("claim: %+v, %v", items, err)
	}
	clock.Advance(59 * time.Second)
	if again, _ := db.ClaimOutbox(ctx, time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed twice within the claim: %+v", again)
	}
	if err := db.OutboxDelivered(ctx, items[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.RenewOutboxClaim(ctx, items[1].ID, start, time.Hour); err != nil || ok {
		t.Fatalf("renewed with a stale token: %v, %v", ok, err)
	}
	renewed, ok, err := db.RenewOutboxClaim(ctx, items[1].ID, items[1].Claim, time.Hour)
	if err != nil || !ok || !renewed.Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("renew: %v, %v, %v; want the claim an hour from now", renewed, ok, err)
	}
	if err := db.ReleaseOutboxClaim(ctx, items[1].ID, renewed); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	later, err := db.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(later) != 1 || later[0].ID != items[1].ID {
		t.Fatalf("after delivery and release: %+v, %v; want only event %d", later, err, items[1].ID)
	}
}

// TestTelegramOffsetIsPerBotAndLastWriteWins: the stored offset is per bot and follows the
// last write, even downwards (Telegram renumbers after a quiet week).
func TestTelegramOffsetIsPerBotAndLastWriteWins(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	if _, _, ok, err := db.TelegramOffset(ctx, 7); err != nil || ok {
		t.Fatalf("offset before any: %v, %v", ok, err)
	}
	for _, id := range []int64{100, 105, 3} {
		if err := db.SetTelegramOffset(ctx, 7, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetTelegramOffset(ctx, 8, 9000); err != nil {
		t.Fatal(err)
	}
	if id, at, ok, err := db.TelegramOffset(ctx, 7); err != nil || !ok || id != 3 || at.IsZero() {
		t.Fatalf("offset of bot 7 = %d at %v, %v, %v; want 3", id, at, ok, err)
	}
}

// TestOutboxClaimWaitsForAnOlderEventOfThePost: while one replica holds a post's older event,
// another claims that post's younger event only once the older was delivered; an older event
// waiting for a retry holds nothing back, and events of other posts (or of none) are not held.
func TestOutboxClaimWaitsForAnOlderEventOfThePost(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	other := storagetest.Reopen(t, db, nil)
	ctx := context.Background()
	add := func(key, post string) {
		t.Helper()
		if err := db.AddOutbox(ctx, storage.OutboxEvent{Key: key, Door: "api", Payload: []byte(`{}`), PostID: post}); err != nil {
			t.Fatal(err)
		}
	}
	add("p:posted", "p")
	first, err := db.ClaimOutbox(ctx, time.Minute, 1)
	if err != nil || len(first) != 1 {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	add("p:deleted", "p")
	add("q:posted", "q")
	add("account", "")
	keys := func(items []storage.OutboxItem) []int64 {
		var ids []int64
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	second, err := other.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(second) != 2 {
		t.Fatalf("beside the held older event: claimed %v, %v; want q's and the account's, not p's younger", keys(second), err)
	}
	if err := db.OutboxDelivered(ctx, first[0].ID); err != nil {
		t.Fatal(err)
	}
	third, err := other.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(third) != 1 || third[0].ID <= first[0].ID {
		t.Fatalf("after the older was delivered: %v, %v; want p's younger event", keys(third), err)
	}

	// A retry waiting does not hold the post's next event.
	add("r:delayed", "r")
	held, err := db.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(held) != 1 {
		t.Fatalf("claim r's first: %v, %v", keys(held), err)
	}
	if err := db.OutboxRetry(ctx, held[0], time.Now().Add(time.Hour), "down", false); err != nil {
		t.Fatal(err)
	}
	add("r:posted", "r")
	if next, err := other.ClaimOutbox(ctx, time.Minute, 10); err != nil || len(next) != 1 || next[0].ID == held[0].ID {
		t.Fatalf("behind a retry: %v, %v; want r's younger event", keys(next), err)
	}
}

// TestALateOutboxOutcomeLeavesTheNewClaimAlone: A's claim on an event ran out while A was
// still delivering it (a stalled door), and B claimed it. A's failure, recorded late, is left
// out: it neither ends B's claim (which a third replica would then take beside B) nor counts
// as an attempt. B's own outcome is recorded.
func TestALateOutboxOutcomeLeavesTheNewClaimAlone(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Now().Truncate(time.Millisecond))
	db := storagetest.Open(t, clock.Now)
	b, c := storagetest.Reopen(t, db, clock.Now), storagetest.Reopen(t, db, clock.Now)
	ctx := context.Background()
	if err := db.AddOutbox(ctx, storage.OutboxEvent{Key: "k", Door: "api", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	first, err := db.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(first) != 1 {
		t.Fatalf("A's claim: %+v, %v", first, err)
	}
	clock.Advance(2 * time.Minute)
	second, err := b.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(second) != 1 {
		t.Fatalf("B's claim after A's ran out: %+v, %v", second, err)
	}
	if err := db.OutboxRetry(ctx, first[0], clock.Now(), "timeout", false); err != nil {
		t.Fatal(err)
	}
	renewed, ok, err := b.RenewOutboxClaim(ctx, second[0].ID, second[0].Claim, time.Minute)
	if err != nil || !ok {
		t.Fatalf("A's late outcome ended B's claim: B's renewal %v, %v", ok, err)
	}
	second[0].Claim = renewed
	clock.Advance(time.Second)
	if third, err := c.ClaimOutbox(ctx, time.Minute, 10); err != nil || len(third) != 0 {
		t.Fatalf("C claimed %+v (%v) while B's claim was live", third, err)
	}
	if err := b.OutboxRetry(ctx, second[0], clock.Now(), "door down", false); err != nil {
		t.Fatal(err)
	}
	again, err := c.ClaimOutbox(ctx, time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("after B's own failure: %+v, %v; want the event due again after one attempt", again, err)
	}
}

// TestALateEventDeliveryOutcomeLeavesTheNewClaimAlone: the same for event webhook deliveries.
func TestALateEventDeliveryOutcomeLeavesTheNewClaimAlone(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Now().Truncate(time.Millisecond))
	db := storagetest.Open(t, clock.Now)
	other := storagetest.Reopen(t, db, clock.Now)
	ctx := context.Background()
	sub, err := db.CreateEventSubscription(ctx, storage.EventSubscription{URL: "https://hooks.example/x", SecretSealed: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddEventDeliveries(ctx, []storage.EventDelivery{{EventID: 1, SubscriptionID: sub.ID, Kind: "post.published", Body: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	heads, err := db.NextEventDeliveries(ctx, clock.Now())
	if err != nil || len(heads) != 1 {
		t.Fatalf("due deliveries: %+v, %v", heads, err)
	}
	id := heads[0].ID
	tokenA, ok, err := db.ClaimEventDelivery(ctx, id, time.Minute)
	if err != nil || !ok || !tokenA.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("A's claim: %v, %v, %v; want a claim a minute from now", tokenA, ok, err)
	}
	clock.Advance(30 * time.Second)
	if _, ok, err := other.ClaimEventDelivery(ctx, id, time.Minute); err != nil || ok {
		t.Fatalf("claimed while A's claim was live: %v, %v", ok, err)
	}
	clock.Advance(90 * time.Second)
	tokenB, ok, err := other.ClaimEventDelivery(ctx, id, time.Minute)
	if err != nil || !ok {
		t.Fatalf("B's claim after A's ran out: %v, %v", ok, err)
	}
	if err := db.EventDeliveryFailed(ctx, id, tokenA, clock.Now(), 0, "timeout", false); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second)
	if _, ok, err := db.ClaimEventDelivery(ctx, id, time.Minute); err != nil || ok {
		t.Fatalf("a third claim while B's was live (%v, %v): A's late outcome ended it", ok, err)
	}
	if err := other.EventDeliveryFailed(ctx, id, tokenB, clock.Now(), 503, "receiver down", false); err != nil {
		t.Fatal(err)
	}
	next, err := db.NextEventDelivery(ctx, sub.ID, clock.Now())
	if err != nil || next.Attempts != 1 || next.LastStatus != 503 {
		t.Fatalf("after B's own failure: %+v, %v; want it due again after one attempt, B's", next, err)
	}
}
