package storage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestPostCountsFollowEveryChange moves posts through every state and deletes some, checking
// after each step that the counts the triggers keep equal a count of the table itself.
func TestPostCountsFollowEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	alice := storagetest.Account(t, db, "alice")
	bob := storagetest.Account(t, db, "bob")
	check := func(step string) {
		t.Helper()
		want, err := db.CountedPosts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.PostCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		have := map[[2]string]int{}
		for _, c := range got {
			have[[2]string{c.Door, c.State}] = c.N
		}
		if len(have) != len(want) {
			t.Fatalf("%s: PostCounts %v, the table counts %v", step, have, want)
		}
		for k, n := range want {
			if have[k] != n {
				t.Fatalf("%s: PostCounts %v, the table counts %v", step, have, want)
			}
		}
	}
	check("empty")
	for i, door := range []string{"slack", "slack", "telegram", "webhook", "cli", "cli"} {
		acc := alice.ID
		if i%2 == 1 {
			acc = bob.ID
		}
		if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acc, Door: door, Text: door + " post"}); err != nil {
			t.Fatal(err)
		}
	}
	check("enqueued")
	leased, err := db.Lease(ctx, 2, time.Minute)
	if err != nil || len(leased) != 2 {
		t.Fatalf("lease: %v %d", err, len(leased))
	}
	check("leased")
	if err := db.Retry(ctx, storage.LeaseOf(leased[0]), clock.Now(), "try again"); err != nil {
		t.Fatal(err)
	}
	check("one put back")
	again, err := db.Lease(ctx, 2, time.Minute)
	if err != nil || len(again) != 1 {
		t.Fatalf("lease again: %v %d, want the one put back (the other account is busy)", err, len(again))
	}
	leased[0] = again[0]
	check("leased again")
	if err := db.Complete(ctx, storage.LeaseOf(leased[0]), "m1", "https://www.threads.net/@alice/post/1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(ctx, storage.LeaseOf(leased[1]), "refused"); err != nil {
		t.Fatal(err)
	}
	check("completed and failed")
	queued, err := db.List(ctx, storage.ListFilter{States: []storage.State{storage.StateQueued}, Limit: 1})
	if err != nil || len(queued) != 1 {
		t.Fatalf("list queued: %v %d", err, len(queued))
	}
	if _, err := db.Cancel(ctx, queued[0].ID); err != nil {
		t.Fatal(err)
	}
	check("cancelled")

	clock.Advance(48 * time.Hour)
	n, err := db.PruneFinished(ctx, clock.Now().Add(-24*time.Hour), 2)
	if err != nil || n != 2 {
		t.Fatalf("prune a batch of 2: %d %v", n, err)
	}
	check("a batch pruned")
	if n, err = db.PruneFinished(ctx, clock.Now().Add(-24*time.Hour), 100); err != nil || n != 1 {
		t.Fatalf("prune the rest: %d %v, want the one finished post left", n, err)
	}
	check("all finished pruned")
	left, err := db.List(ctx, storage.ListFilter{Limit: 100})
	if err != nil || len(left) != 3 {
		t.Fatalf("after pruning, %d posts are left (%v), want the 3 queued", len(left), err)
	}
	for _, p := range left {
		if p.State != storage.StateQueued {
			t.Errorf("pruning took a %s post's neighbour and left %s %s", p.State, p.ID, p.State)
		}
	}
}

// TestPruneFinishedKeepsRecentAndUnfinished: a finished post younger than the cut-off and a
// queued post of any age stay.
func TestPruneFinishedKeepsRecentAndUnfinished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	old, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "old"})
	if err != nil {
		t.Fatal(err)
	}
	waiting, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "waits a year", ScheduledAt: clock.Now().Add(400 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Cancel(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * 24 * time.Hour)
	recent, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "recent"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Cancel(ctx, recent.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneFinished(ctx, clock.Now().Add(-5*24*time.Hour), 100); err != nil || n != 1 {
		t.Fatalf("prune: %d %v, want only the old cancelled post", n, err)
	}
	for id, want := range map[string]bool{old.ID: false, waiting.ID: true, recent.ID: true} {
		_, err := db.Get(ctx, id)
		if kept := err == nil; kept != want {
			t.Errorf("post %s kept=%v, want %v (%v)", id, kept, want, err)
		}
	}
}

// TestPruneFinishedLeavesNoOrphans guards PruneFinished's list of child tables against a new
// migration that adds a table referring to posts: every such table must be in the list, or
// deleting a post would fail on its foreign key.
func TestPruneFinishedLeavesNoOrphans(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	tables, err := db.TablesReferencingPosts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if !slices.ContainsFunc(storage.PruneStatements(), func(q string) bool { return strings.Contains(q, "FROM "+table+" ") }) {
			t.Errorf("table %s refers to posts, but PruneFinished does not delete its rows", table)
		}
	}
}

// TestPruneFinishedSparesAPostBeingDeleted: a replica is deleting an old published chain from
// Threads (it holds the deletion claim, reserved the quota uses, and is between its calls to
// Threads) when the leader's retention prune runs. The claim does not touch posts.updated_at,
// so the post is old enough to prune; pruning it would take its publish_parts and
// publish_state from under the deleter, whose next step would then be refused as if another
// request had claimed the post, and what it deleted on Threads would be recorded nowhere. The
// prune spares it while the claim holds, and takes it once the claim has lapsed.
func TestPruneFinishedSparesAPostBeingDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	leader := storagetest.Reopen(t, db, clock.Now)
	a := storagetest.Account(t, db, "dora")
	p := postedChain(t, db, a, 2)
	clock.Advance(40 * 24 * time.Hour)
	retention := 30 * 24 * time.Hour

	d, err := db.ClaimDeletion(ctx, p.ID, time.Minute)
	if err != nil || !d.Claimed() {
		t.Fatalf("claim: %+v %v", d, err)
	}
	r := storage.QuotaReservation{AccountID: a.ID, Limit: 100, At: clock.Now(), Window: 24 * time.Hour}
	if _, ok, err := db.ReserveDeletion(ctx, d.DeletionClaim, r); err != nil || !ok {
		t.Fatalf("reserve: %v %v", ok, err)
	}
	// Part 0 is gone on Threads; the leader's housekeeping runs.
	if n, err := leader.PruneFinished(ctx, clock.Now().Add(-retention), 100); err != nil || n != 0 {
		t.Fatalf("retention pruned %d post(s) (%v) while %s was being deleted from Threads under a live claim", n, err, p.ID)
	}
	if err := db.SettleDeletion(ctx, d.DeletionClaim, storage.DeletionStep{Gone: []int{0}}); err != nil {
		t.Fatalf("the deleter's step after the prune: %v", err)
	}
	// The step extended the claim by its minute; just before it ends the post is still spared.
	clock.Advance(time.Minute - time.Millisecond)
	if n, err := leader.PruneFinished(ctx, clock.Now().Add(-retention), 100); err != nil || n != 0 {
		t.Fatalf("retention pruned %d post(s) (%v) a moment before the claim ended", n, err)
	}
	// The deleter is gone (crashed); once its claim has lapsed, the post ages out as any other.
	clock.Advance(time.Millisecond)
	if n, err := leader.PruneFinished(ctx, clock.Now().Add(-retention), 100); err != nil || n != 1 {
		t.Fatalf("prune after the claim lapsed: %d %v, want the post", n, err)
	}
	if _, err := db.Get(ctx, p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("post %s after the prune: %v, want ErrNotFound", p.ID, err)
	}
}
