package storage_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func lease(t *testing.T, db *storage.DB, n int) []storage.Post {
	t.Helper()
	ps, err := db.Lease(context.Background(), n, time.Minute)
	if err != nil {
		t.Fatalf("lease: %v", err)
	}
	return ps
}

func TestLeaseOnePerAccountInOrder(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	b := storagetest.Account(t, db, "bob")
	var aIDs []string
	for i := 0; i < 3; i++ {
		aIDs = append(aIDs, enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: fmt.Sprint(i)}).ID)
		clock.Advance(time.Second)
	}
	enqueue(t, db, storage.NewPost{AccountID: b.ID, Door: "cli", Text: "b"})

	got := lease(t, db, 10)
	if len(got) != 2 {
		t.Fatalf("leased %d posts, want one per account (2)", len(got))
	}
	byAccount := map[int64]storage.Post{}
	for _, p := range got {
		byAccount[p.AccountID] = p
	}
	if byAccount[a.ID].ID != aIDs[0] {
		t.Fatalf("alice's oldest post must go first: got %s want %s", byAccount[a.ID].ID, aIDs[0])
	}
	if more := lease(t, db, 10); len(more) != 0 {
		t.Fatalf("accounts with a post in flight got another: %v", more)
	}
	if err := db.Complete(context.Background(), storage.LeaseOf(byAccount[a.ID]), "m", "p"); err != nil {
		t.Fatal(err)
	}
	next := lease(t, db, 10)
	if len(next) != 1 || next[0].ID != aIDs[1] {
		t.Fatalf("after completing, alice's next post must follow: %v", next)
	}
}

func TestLeaseExpiredIsReclaimed(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	p := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "x"})
	enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "y"})

	first := lease(t, db, 1)
	if err := db.SetContainer(context.Background(), storage.LeaseOf(first[0]), "c-77"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Second)
	if got := lease(t, db, 5); len(got) != 0 {
		t.Fatalf("a live lease was reclaimed: %v", got)
	}
	clock.Advance(2 * time.Second) // the worker died; its lease ran out
	got := lease(t, db, 5)
	if len(got) != 1 || got[0].ID != p.ID || got[0].Attempts != 2 || got[0].ContainerID != "c-77" {
		t.Fatalf("expired lease must be reclaimed first, container kept: %+v", got)
	}
	if err := db.Extend(context.Background(), storage.LeaseOf(first[0]), time.Hour); err == nil {
		t.Fatal("the dead worker could still extend its lease")
	}
}

// TestLeaseExclusiveUnderConcurrency runs many leasers against a queue of many accounts over
// thousands of rounds; no post may be handed to two of them, and no account may ever have two
// posts in flight.
func TestLeaseExclusiveUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	const accounts, perAccount, leasers = 20, 100, 8
	var ids []int64
	for i := 0; i < accounts; i++ {
		ids = append(ids, storagetest.Account(t, db, fmt.Sprintf("acct%d", i)).ID)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perAccount; j++ {
				if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: id, Door: "cli", Text: "x"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() { // a post missing would keep the leasers waiting for it forever
		t.FailNow()
	}

	var (
		failed   atomic.Bool // a leaser failed: the others stop instead of waiting for its posts
		mu       sync.Mutex
		seen     = map[string]bool{}
		inFlight = map[int64]bool{}
		dup      []string
		rounds   int
	)
	for w := 0; w < leasers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				ps, err := db.Lease(ctx, 3, time.Hour)
				if err != nil {
					failed.Store(true)
					t.Error(err)
					return
				}
				mu.Lock()
				rounds++
				done := len(seen) == accounts*perAccount
				for _, p := range ps {
					if seen[p.ID] {
						dup = append(dup, p.ID)
					}
					if inFlight[p.AccountID] {
						dup = append(dup, fmt.Sprintf("account %d twice in flight", p.AccountID))
					}
					seen[p.ID], inFlight[p.AccountID] = true, true
				}
				mu.Unlock()
				if done {
					return
				}
				for _, p := range ps {
					mu.Lock()
					inFlight[p.AccountID] = false // cleared before completing: the lease still holds
					mu.Unlock()
					if err := db.Complete(ctx, storage.LeaseOf(p), "m", "l"); err != nil {
						failed.Store(true)
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(dup) > 0 {
		t.Fatalf("exclusivity broken: %v", dup)
	}
	if len(seen) != accounts*perAccount {
		t.Fatalf("leased %d distinct posts, want %d", len(seen), accounts*perAccount)
	}
	t.Logf("%d lease rounds", rounds)
}

// TestLeaseFindsIdleAccountBehindBusyHead fills the head of the queue with one busy account's
// posts, more than Lease reads in due order, and checks another account's post still goes out.
func TestLeaseFindsIdleAccountBehindBusyHead(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	busy := storagetest.Account(t, db, "busy")
	idle := storagetest.Account(t, db, "idle")
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 80; i++ {
				if _, _, err := db.Enqueue(context.Background(), storage.NewPost{AccountID: busy.ID, Door: "cli", Text: "x"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	clock.Advance(time.Second)
	late := enqueue(t, db, storage.NewPost{AccountID: idle.ID, Door: "cli", Text: "behind the crowd"})
	if got := lease(t, db, 1); len(got) != 1 || got[0].AccountID != busy.ID {
		t.Fatalf("first lease should take the busy account's oldest post: %+v", got)
	}
	got := lease(t, db, 5)
	if len(got) != 1 || got[0].ID != late.ID {
		t.Fatalf("the idle account's post was not found behind 639 busy ones: %+v", got)
	}
}

func TestReleaseLeasesLetsADeadWorkersPostResumeAtOnce(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	p := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "x"})
	lease(t, db, 1)
	if got := lease(t, db, 1); len(got) != 0 {
		t.Fatal("a held lease was handed out again")
	}
	n, err := db.ReleaseLeases(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("released %d (err %v), want 1", n, err)
	}
	got := lease(t, db, 1)
	if len(got) != 1 || got[0].ID != p.ID || got[0].Attempts != 2 {
		t.Fatalf("after release the post must resume at once: %+v", got)
	}
}

// TestLeaseNeverReclaimsHeld: the clock jumps forward past a live lease; the process holding
// the post names it, and neither it nor another post of its account is leased.
func TestLeaseNeverReclaimsHeld(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	p := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "x"})
	enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "y"})
	first := lease(t, db, 1)
	clock.Advance(10 * time.Minute) // the wall clock jumps far past the lease
	got, err := db.Lease(context.Background(), 5, time.Minute, first[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("leased %+v while the process still holds %s", got, p.ID)
	}
	// Not held any more (its worker is gone): reclaimed.
	if got := lease(t, db, 5); len(got) != 1 || got[0].ID != p.ID || got[0].Attempts != 2 {
		t.Fatalf("a post nobody holds must be reclaimed once its lease ran out: %+v", got)
	}
}
