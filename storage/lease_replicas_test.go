package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestLeaseAcrossReplicasNeverTwoInFlight: three replicas (on PostgreSQL separate handles on
// one database, each its own pool, leasing with the one-statement SKIP LOCKED lease side by
// side; on SQLite, where one daemon owns the file, three groups on its one handle) each run
// four leasers until the queue is drained. No post may be leased twice, no
// account may have two posts held at once, and each account's posts go out in the order they
// were queued.
func TestLeaseAcrossReplicasNeverTwoInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	replicas := []*storage.DB{db, db, db} // SQLite: one daemon owns the file, its leasers share it
	if db.Postgres() {
		replicas = []*storage.DB{db, storagetest.Reopen(t, db, nil), storagetest.Reopen(t, db, nil)}
	}
	const accounts, perAccount, leasersEach = 12, 40, 4
	queued := map[int64][]string{}
	for i := range accounts {
		a := storagetest.Account(t, db, fmt.Sprintf("acct%d", i))
		for j := range perAccount {
			queued[a.ID] = append(queued[a.ID], enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "cli", Text: fmt.Sprint(j)}).ID)
		}
	}
	var (
		mu       sync.Mutex
		leasedAs = map[string]int{} // post → times leased
		inFlight = map[int64]string{}
		order    = map[int64][]string{}
		problems []string
		wg       sync.WaitGroup
		failed   atomic.Bool // a leaser failed: the others stop instead of waiting for its posts
	)
	for r, rep := range replicas {
		for w := range leasersEach {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !failed.Load() {
					ps, err := rep.Lease(ctx, 2, time.Hour)
					if err != nil {
						failed.Store(true)
						t.Errorf("replica %d leaser %d: %v", r, w, err)
						return
					}
					mu.Lock()
					for _, p := range ps {
						leasedAs[p.ID]++
						if leasedAs[p.ID] > 1 {
							problems = append(problems, fmt.Sprintf("post %s leased %d times", p.ID, leasedAs[p.ID]))
						}
						if held, ok := inFlight[p.AccountID]; ok {
							problems = append(problems, fmt.Sprintf("account %d: %s leased while %s is held", p.AccountID, p.ID, held))
						}
						inFlight[p.AccountID] = p.ID
						order[p.AccountID] = append(order[p.AccountID], p.ID)
					}
					done := len(leasedAs) == accounts*perAccount
					mu.Unlock()
					if len(ps) == 0 && done {
						return
					}
					for _, p := range ps {
						mu.Lock()
						delete(inFlight, p.AccountID) // before completing: the lease still holds
						mu.Unlock()
						if err := rep.Complete(ctx, storage.LeaseOf(p), "m", "l"); err != nil {
							failed.Store(true)
							t.Errorf("complete %s: %v", p.ID, err)
							return
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	if failed.Load() {
		t.FailNow()
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems, first: %v", len(problems), problems[:min(len(problems), 5)])
	}
	if len(leasedAs) != accounts*perAccount {
		t.Fatalf("leased %d posts, want %d", len(leasedAs), accounts*perAccount)
	}
	for acct, want := range queued {
		if !slices.Equal(order[acct], want) {
			t.Fatalf("account %d leased out of order:\n got %v\nwant %v", acct, order[acct], want)
		}
	}
}
