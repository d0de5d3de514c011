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

// BenchmarkPlaceBySlot places 10,000 posts into the posting slots of 100 accounts (100 each,
// eight slots a day in Europe/Berlin), from 16 concurrent producers: each placement reads
// the account's schedule, its held slots and quota plan, and commits the post and its slot
// mark in one durable transaction (group commit on SQLite). One op is all 10,000 posts.
func BenchmarkPlaceBySlot(b *testing.B) {
	const (
		accounts  = 100
		perAcct   = 100
		producers = 16
	)
	ctx := context.Background()
	w := week("Europe/Berlin", everyDay, "06:00", "08:00", "10:00", "12:00", "14:00", "16:00", "18:00", "20:00")
	for range b.N {
		b.StopTimer()
		db := storagetest.Open(b, storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)).Now)
		ids := make([]int64, accounts)
		for i := range ids {
			a := storagetest.Account(b, db, fmt.Sprintf("acct%03d", i))
			if _, err := db.SetSlots(ctx, a.ID, w, storage.SlotChangeOptions{}); err != nil {
				b.Fatal(err)
			}
			ids[i] = a.ID
		}
		var next atomic.Int64
		next.Store(-1)
		b.StartTimer()
		var wg sync.WaitGroup
		for range producers {
			wg.Go(func() {
				for n := next.Add(1); n < accounts*perAcct; n = next.Add(1) {
					if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: ids[n%accounts], Door: "cli", Text: "slot", BySlot: true}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		up, err := db.UpcomingSlots(ctx, ids[0], perAcct+1)
		if err != nil || up[perAcct-1].PostID == "" || up[perAcct].PostID != "" {
			b.Fatalf("account 0 does not hold exactly %d slots in a row: %v", perAcct, err)
		}
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/10k-posts")
	b.ReportMetric(float64(accounts*perAcct*b.N)/b.Elapsed().Seconds(), "posts/s")
}
