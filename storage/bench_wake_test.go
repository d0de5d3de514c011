package storage_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// BenchmarkWakeOthers measures how long a replica takes to notice a post another replica (or
// `spindle post`) committed, with the daemon's polling look (WatchOthers every 500 ms, as
// cmd/spindle's othersLook): from the enqueue's return on one handle to the watcher's call on
// another. It is the figure LISTEN/NOTIFY would improve; see docs/benchmarks.md. Run with a
// fixed count: -bench WakeOthers -benchtime 40x.
func BenchmarkWakeOthers(b *testing.B) {
	const look = 500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storagetest.Open(b, nil)
	acct := storagetest.Account(b, db, "alice")
	watcher := storagetest.Reopen(b, db, nil)
	woke := make(chan time.Time, 1)
	go watcher.WatchOthers(ctx, look, func() {
		select {
		case woke <- time.Now():
		default:
		}
	})
	var waits []time.Duration
	for b.Loop() {
		// Let the watcher settle on the current version, then drop any wake before the commit;
		// the random part puts the commit anywhere between two looks.
		<-time.After(look + rand.N(look))
		select {
		case <-woke:
		default:
		}
		if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "wake"}); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		waits = append(waits, (<-woke).Sub(committed))
	}
	slices.Sort(waits)
	var sum time.Duration
	for _, w := range waits {
		sum += w
	}
	b.ReportMetric(float64(sum.Milliseconds())/float64(len(waits)), "mean-wake-ms")
	b.ReportMetric(float64(waits[len(waits)/2].Milliseconds()), "p50-wake-ms")
	b.ReportMetric(float64(waits[len(waits)-1].Milliseconds()), "max-wake-ms")
}
