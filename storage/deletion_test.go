package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// postedChain stores a post of account a published in parts parts (media ids m-0, m-1, …),
// with its publishing bookkeeping as a run leaves it.
func postedChain(t *testing.T, db *storage.DB, a storage.Account, parts int) storage.Post {
	t.Helper()
	ctx := context.Background()
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "api", Text: "a chain"})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v %d", err, len(leased))
	}
	step := storage.Step{State: &storage.PublishState{}, Complete: &storage.Completion{MediaID: "m-0"}}
	for i := range parts {
		step.Parts = append(step.Parts, storage.Part{Part: i, ContainerID: fmt.Sprint("c-", i),
			MediaID: fmt.Sprint("m-", i), PublishedAt: time.Now()})
	}
	if err := db.Advance(ctx, storage.LeaseOf(leased[0]), step); err != nil {
		t.Fatal(err)
	}
	return p
}

// completed stores a post of account a published through Complete alone (media id m-1), with
// no parts recorded, as posts published before parts were.
func completed(t *testing.T, db *storage.DB, a storage.Account) storage.Post {
	t.Helper()
	ctx := context.Background()
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "api", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v %d", err, len(leased))
	}
	if err := db.Complete(ctx, storage.LeaseOf(leased[0]), "m-1", "https://www.threads.net/@dora/post/abc"); err != nil {
		t.Fatal(err)
	}
	return p
}

// deleteUses counts the account's deletion uses in the window ending at now.
func deleteUses(t *testing.T, db *storage.DB, accountID int64, now time.Time) int {
	t.Helper()
	n, _, err := db.QuotaWindow(context.Background(), accountID, storage.QuotaDeletes, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeletionClaimOneAtATime: many requests on three handles (three replicas) claim the
// deletion of one post at once: one gets the claim and the post's parts, every other is told
// until when it holds.
func TestDeletionClaimOneAtATime(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "dora")
	p := postedChain(t, db, a, 3)
	handles := []*storage.DB{db, storagetest.Reopen(t, db, clock.Now), storagetest.Reopen(t, db, clock.Now)}
	var (
		mu      sync.Mutex
		claimed []storage.Deletion
		busy    int
		wg      sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range 12 {
		wg.Go(func() {
			<-start
			d, err := handles[i%len(handles)].ClaimDeletion(context.Background(), p.ID, time.Minute)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Error(err)
			case d.Claimed():
				claimed = append(claimed, d)
			case d.BusyUntil.Equal(clock.Now().Add(time.Minute)) && d.DeletedAt.IsZero():
				busy++
			default:
				t.Errorf("neither claimed nor busy until the claim ends: %+v", d)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(claimed) != 1 || busy != 11 {
		t.Fatalf("%d claims and %d told busy, want 1 and 11", len(claimed), busy)
	}
	if got := claimed[0].Parts; len(got) != 3 || got[2].MediaID != "m-2" || got[0].Gone || got[0].Use != 0 {
		t.Errorf("parts %+v, want m-0…m-2, none gone, none holding a use", got)
	}
}

// TestDeletionClaimLapsesAndFences: a claim that was not renewed lapses by the database's clock
// and a later request takes the post; the first request's writes are then refused and write
// nothing (neither a part's outcome nor a release of its use).
func TestDeletionClaimLapsesAndFences(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	other := storagetest.Reopen(t, db, clock.Now)
	a := storagetest.Account(t, db, "dora")
	p := postedChain(t, db, a, 1)
	r := storage.QuotaReservation{AccountID: a.ID, Limit: 100, At: clock.Now(), Window: 24 * time.Hour}

	first, err := db.ClaimDeletion(ctx, p.ID, time.Minute)
	if err != nil || !first.Claimed() {
		t.Fatalf("first claim: %+v %v", first, err)
	}
	parts, ok, err := db.ReserveDeletion(ctx, first.DeletionClaim, r)
	if err != nil || !ok || len(parts) != 1 || parts[0].Use == 0 || parts[0].Earlier {
		t.Fatalf("reserve: %+v %v %v", parts, ok, err)
	}
	clock.Advance(time.Minute - time.Millisecond)
	if d, err := other.ClaimDeletion(ctx, p.ID, time.Minute); err != nil || d.Claimed() {
		t.Fatalf("claimed before the first claim lapsed: %+v %v", d, err)
	}
	clock.Advance(time.Millisecond)
	second, err := other.ClaimDeletion(ctx, p.ID, time.Minute)
	if err != nil || !second.Claimed() || second.Claim == first.Claim {
		t.Fatalf("claim once the first lapsed: %+v %v", second, err)
	}
	if got := second.Parts; len(got) != 1 || got[0].Use != parts[0].Use {
		t.Errorf("the second claim reads parts %+v, want the first one's use %d still held", got, parts[0].Use)
	}
	for name, write := range map[string]func() error{
		"reserve": func() error { _, _, err := db.ReserveDeletion(ctx, first.DeletionClaim, r); return err },
		"settle": func() error {
			return db.SettleDeletion(ctx, first.DeletionClaim, storage.DeletionStep{Gone: []int{0}, Unused: []int{0}, Done: true})
		},
	} {
		if err := write(); !errors.Is(err, storage.ErrDeletionClaimLost) {
			t.Errorf("%s under the lapsed claim: %v, want ErrDeletionClaimLost", name, err)
		}
	}
	if n := deleteUses(t, db, a.ID, clock.Now()); n != 1 {
		t.Errorf("the ledger counts %d uses after the refused writes, want 1", n)
	}
	if got, _ := db.Get(ctx, p.ID); !got.DeletedAt.IsZero() {
		t.Error("a refused write marked the post deleted")
	}
}

// TestDeletionUses: each part left gets one use, reserved within the limit; a part whose use
// outlived its call's unknown outcome keeps it (moved to the new attempt's time) and needs no
// room of its own; a use no call used is released; and only once every part is gone is the
// post recorded deleted, after which it cannot be claimed again.
func TestDeletionUses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "dora")
	p := postedChain(t, db, a, 3)
	r := func(limit int) storage.QuotaReservation {
		return storage.QuotaReservation{AccountID: a.ID, Limit: limit, At: clock.Now(), Window: 24 * time.Hour}
	}
	claim := func() storage.Deletion {
		t.Helper()
		d, err := db.ClaimDeletion(ctx, p.ID, time.Minute)
		if err != nil || !d.Claimed() {
			t.Fatalf("claim: %+v %v", d, err)
		}
		return d
	}

	d := claim()
	if _, ok, err := db.ReserveDeletion(ctx, d.DeletionClaim, r(2)); err != nil || ok {
		t.Fatalf("three parts within a limit of 2: %v %v", ok, err)
	}
	if n := deleteUses(t, db, a.ID, clock.Now()); n != 0 {
		t.Fatalf("a refused reservation wrote %d uses", n)
	}
	parts, ok, err := db.ReserveDeletion(ctx, d.DeletionClaim, r(3))
	if err != nil || !ok || len(parts) != 3 {
		t.Fatalf("three parts within 3: %+v %v %v", parts, ok, err)
	}
	// The last part is deleted, the middle one's answer is lost, the first is not reached.
	if err := db.SettleDeletion(ctx, d.DeletionClaim, storage.DeletionStep{Gone: []int{2}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SettleDeletion(ctx, d.DeletionClaim, storage.DeletionStep{Unused: []int{0}, Stop: true}); err != nil {
		t.Fatal(err)
	}
	if n := deleteUses(t, db, a.ID, clock.Now()); n != 2 {
		t.Fatalf("the ledger counts %d uses, want 2 (the deleted part's and the unanswered one's)", n)
	}
	if got, _ := db.Get(ctx, p.ID); !got.DeletedAt.IsZero() {
		t.Fatal("a chain with parts left reads deleted")
	}

	clock.Advance(time.Hour)
	d = claim()
	if got := d.Parts; len(got) != 3 || !got[2].Gone || got[1].Gone || got[1].Use != parts[1].Use || got[0].Use != 0 {
		t.Fatalf("parts after the first attempt %+v", got)
	}
	if err := db.SettleDeletion(ctx, d.DeletionClaim, storage.DeletionStep{Done: true}); err == nil {
		t.Error("recorded deleted with two parts left")
	}
	// Two uses stand and the limit is 3: the first part needs one, the middle one reuses its own.
	left, ok, err := db.ReserveDeletion(ctx, d.DeletionClaim, r(3))
	if err != nil || !ok || len(left) != 2 || left[0].Earlier || !left[1].Earlier || left[1].Use != parts[1].Use {
		t.Fatalf("reserving the parts left: %+v %v %v", left, ok, err)
	}
	if n := deleteUses(t, db, a.ID, clock.Now()); n != 3 {
		t.Errorf("the ledger counts %d uses, want 3", n)
	}
	if recent, _, _ := db.QuotaWindow(ctx, a.ID, storage.QuotaDeletes, clock.Now().Add(-time.Minute)); recent != 2 {
		t.Errorf("%d uses dated at the new attempt, want 2 (the reused one moved to it)", recent)
	}
	events := []storage.OutboxEvent{{Key: p.ID + ":deleted", Door: "api", Payload: []byte(`{}`), PostID: p.ID}}
	if err := db.SettleDeletion(ctx, d.DeletionClaim, storage.DeletionStep{Gone: []int{1, 0}, Done: true, Events: events}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Get(ctx, p.ID)
	if err != nil || !got.DeletedAt.Equal(clock.Now()) {
		t.Fatalf("after every part: deleted at %v (%v)", got.DeletedAt, err)
	}
	if again, err := db.ClaimDeletion(ctx, p.ID, time.Minute); err != nil || again.Claimed() || !again.DeletedAt.Equal(clock.Now()) {
		t.Errorf("claiming a deleted post: %+v %v", again, err)
	}
}

// TestDeletionOfAPostWithoutParts: a post Threads gave an id but whose parts were never
// recorded (published through Complete alone) is deleted as its one part.
func TestDeletionOfAPostWithoutParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	p := completed(t, db, storagetest.Account(t, db, "dora"))
	d, err := db.ClaimDeletion(ctx, p.ID, time.Minute)
	if err != nil || !d.Claimed() || len(d.Parts) != 1 || d.Parts[0].MediaID != "m-1" {
		t.Fatalf("claim: %+v %v", d, err)
	}
}

// TestDeletionReservationsRacingStopAtThreadsLimit: three handles (three replicas) reserve
// deletions of 30 posts of one account at once, with Threads reporting 12 of its 20 used (a
// total below Spindle's limit of 100, which it caps): exactly 8 are granted, and another
// account's quota is untouched.
func TestDeletionReservationsRacingStopAtThreadsLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	a, b := storagetest.Account(t, db, "dora"), storagetest.Account(t, db, "bo")
	now := time.Now()
	if err := db.SetRemoteQuota(ctx, storage.RemoteQuota{AccountID: a.ID, Kind: storage.QuotaDeletes, Usage: 12,
		Total: 20, CheckedAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var posts []storage.Post
	for range 30 {
		posts = append(posts, postedChain(t, db, a, 1))
	}
	handles := []*storage.DB{db, storagetest.Reopen(t, db, nil), storagetest.Reopen(t, db, nil)}
	var (
		wg      sync.WaitGroup
		granted atomic.Int64
	)
	start := make(chan struct{})
	for i, p := range posts {
		wg.Go(func() {
			<-start
			h := handles[i%len(handles)]
			d, err := h.ClaimDeletion(ctx, p.ID, time.Minute)
			if err != nil || !d.Claimed() {
				t.Errorf("claim %s: %+v %v", p.ID, d, err)
				return
			}
			_, ok, err := h.ReserveDeletion(ctx, d.DeletionClaim, storage.QuotaReservation{AccountID: a.ID, Limit: 100,
				At: time.Now(), Window: 24 * time.Hour})
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := granted.Load(); got != 8 {
		t.Fatalf("%d deletions reserved, want 8 (Threads' total of 20, 12 used)", got)
	}
	if n := deleteUses(t, db, a.ID, time.Now()); n != 8 {
		t.Fatalf("the ledger holds %d uses, want 8", n)
	}
	other := postedChain(t, db, b, 2)
	d, err := db.ClaimDeletion(ctx, other.ID, time.Minute)
	if err != nil || !d.Claimed() {
		t.Fatalf("claim of another account's post: %+v %v", d, err)
	}
	if _, ok, err := db.ReserveDeletion(ctx, d.DeletionClaim, storage.QuotaReservation{AccountID: b.ID, Limit: 100,
		At: time.Now(), Window: 24 * time.Hour}); err != nil || !ok {
		t.Fatalf("another account: %v, %v", ok, err)
	}
}
