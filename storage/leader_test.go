package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func elect(t *testing.T, db *storage.DB, id string) bool {
	t.Helper()
	ok, err := db.ElectLeader(context.Background(), "scheduler", id, time.Minute)
	if err != nil {
		t.Fatalf("elect %s: %v", id, err)
	}
	return ok
}

// TestLeaderTermTakeOverAndResign walks one leader row through its life: taken when free,
// refused to a second replica while the term runs, renewed by its holder, taken over once
// expired, and freed at once by a resignation.
func TestLeaderTermTakeOverAndResign(t *testing.T) {
	clock := storagetest.NewClock(time.Unix(1_800_000_000, 0))
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()

	if _, _, err := db.Leader(ctx, "scheduler"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("leader before any election: %v, want ErrNotFound", err)
	}
	steps := []struct {
		advance time.Duration
		id      string
		want    bool
		holder  string
	}{
		{0, "a", true, "a"},
		{0, "b", false, "a"},
		{40 * time.Second, "a", true, "a"}, // renewed: the term runs a minute from now
		{40 * time.Second, "b", false, "a"},
		{20 * time.Second, "b", true, "b"}, // 60 s after the renewal: the term ended just now
		{0, "a", false, "b"},               // the old leader, back, may not take it again
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if got := elect(t, db, s.id); got != s.want {
			t.Fatalf("step %d: elect %s = %v, want %v", i, s.id, got, s.want)
		}
		if id, _, _ := db.Leader(ctx, "scheduler"); id != s.holder {
			t.Fatalf("step %d: leader %q, want %q", i, id, s.holder)
		}
	}
	// Resigning someone else's term changes nothing; resigning one's own frees the row.
	if err := db.ResignLeader(ctx, "scheduler", "a"); err != nil {
		t.Fatal(err)
	}
	if id, _, _ := db.Leader(ctx, "scheduler"); id != "b" {
		t.Fatalf("a resigned b's term: leader is %q", id)
	}
	if err := db.ResignLeader(ctx, "scheduler", "b"); err != nil {
		t.Fatal(err)
	}
	if !elect(t, db, "a") {
		t.Fatal("the row was not free after its holder resigned")
	}
}

// TestLeaderElectedAtKeptAcrossRenewals: a renewal moves the expiry, not when the term began.
func TestLeaderElectedAtKeptAcrossRenewals(t *testing.T) {
	clock := storagetest.NewClock(time.Unix(1_800_000_000, 0))
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	elect(t, db, "a")
	_, first, _ := db.Leader(ctx, "scheduler")
	clock.Advance(10 * time.Second)
	elect(t, db, "a")
	_, second, _ := db.Leader(ctx, "scheduler")
	if second.Sub(first) != 10*time.Second {
		t.Fatalf("renewal moved the expiry by %v, want 10s", second.Sub(first))
	}
}

// TestLeaderOneWinnerAmongRacers: replicas (separate connections) racing for a free or an
// expired row: exactly one wins each time, on the database's own clock.
func TestLeaderOneWinnerAmongRacers(t *testing.T) {
	db := storagetest.Open(t, nil)
	const racers = 8
	handles := make([]*storage.DB, racers)
	for i := range handles {
		handles[i] = storagetest.Reopen(t, db, nil)
	}
	const term = 500 * time.Millisecond // far longer than the race takes, even under -race
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		wins := make(chan string, racers)
		start := make(chan struct{})
		for i, h := range handles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				id := fmt.Sprintf("r%d-%d", round, i)
				// A short term, so that the next round finds it expired.
				ok, err := h.ElectLeader(context.Background(), "scheduler", id, term)
				if err != nil {
					t.Errorf("elect %s: %v", id, err)
				}
				if ok {
					wins <- id
				}
			}()
		}
		close(start)
		wg.Wait()
		close(wins)
		var won []string
		for id := range wins {
			won = append(won, id)
		}
		if len(won) != 1 {
			t.Fatalf("round %d: winners %v, want exactly one", round, won)
		}
		// Wait on the observable state: the winner's term expiring by the database's clock.
		deadline := time.Now().Add(5 * time.Second)
		for {
			id, until, err := db.Leader(context.Background(), "scheduler")
			if err != nil || id != won[0] {
				t.Fatalf("round %d: leader %q (%v), want %q", round, id, err, won[0])
			}
			if time.Now().After(until.Add(10*time.Millisecond)) || time.Now().After(deadline) {
				break
			}
			select {
			case <-time.After(time.Until(until) + 10*time.Millisecond):
			case <-time.After(time.Until(deadline)):
			}
		}
	}
}

func TestElectLeaderRefusesBadArguments(t *testing.T) {
	db := storagetest.Open(t, nil)
	for _, c := range []struct {
		name, id string
		ttl      time.Duration
	}{{"", "a", time.Second}, {"s", "", time.Second}, {"s", "a", 0}} {
		if ok, err := db.ElectLeader(context.Background(), c.name, c.id, c.ttl); err == nil || ok {
			t.Errorf("ElectLeader(%q, %q, %v) = %v, %v; want an error", c.name, c.id, c.ttl, ok, err)
		}
	}
}
