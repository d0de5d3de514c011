package storage_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// BenchmarkEnqueue measures durable enqueues (each call returns only after its commit was
// synced) from 1 and from 64 concurrent producers; the second shows group commit at work.
func BenchmarkEnqueue(b *testing.B) {
	for _, producers := range []int{1, 64} {
		b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) { benchEnqueue(b, producers, false) })
	}
}

// BenchmarkEnqueueSubscribed is BenchmarkEnqueue with an event subscription to post.queued, so
// every enqueue also writes its outbox event (storage/lifecycle.go).
func BenchmarkEnqueueSubscribed(b *testing.B) {
	for _, producers := range []int{1, 64} {
		b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) { benchEnqueue(b, producers, true) })
	}
}

func benchEnqueue(b *testing.B, producers int, subscribed bool) {
	db := storagetest.Open(b, nil)
	acct := storagetest.Account(b, db, "bench")
	ctx := context.Background()
	if subscribed {
		if _, err := db.CreateEventSubscription(ctx, storage.EventSubscription{URL: "https://example.com/h",
			Events: []string{"post.queued"}, SecretSealed: []byte("sealed")}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	next.Store(-1)
	written := bytesWritten()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := 0; w < producers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) < int64(b.N) {
				if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "benchmark post"}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enqueues/s")
	if written >= 0 {
		b.ReportMetric(float64(bytesWritten()-written)/float64(b.N), "written-B/op")
	}
}

// BenchmarkLeaseComplete measures lease+complete cycles with 16 workers over 64 accounts.
//
// pattern=drain is how the publisher works (publisher/drain.go): one loop leases as many posts
// as there are free workers in one call and hands them out; each worker completes its post.
// pattern=each-worker has every worker lease one post for itself, so each cycle pays for a
// whole lease scan of its own.
func BenchmarkLeaseComplete(b *testing.B) {
	b.Run("pattern=drain", func(b *testing.B) { benchLeaseComplete(b, true) })
	b.Run("pattern=each-worker", func(b *testing.B) { benchLeaseComplete(b, false) })
}

func benchLeaseComplete(b *testing.B, drain bool) {
	const workers = 16
	db := storagetest.Open(b, nil)
	ctx := context.Background()
	var accounts []int64
	for i := 0; i < workers*4; i++ {
		accounts = append(accounts, storagetest.Account(b, db, fmt.Sprintf("bench%d", i)).ID)
	}
	// Fill the queue first, in parallel so group commit makes it quick.
	var wg sync.WaitGroup
	for w, acct := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N+workers; i += len(accounts) {
				if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acct, Door: "cli", Text: "x"}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	analyze(b, db)
	complete := func(p storage.Post) bool {
		if err := db.Complete(ctx, storage.LeaseOf(p), "m", "l"); err != nil {
			b.Error(err)
			return false
		}
		return true
	}
	b.ResetTimer()
	if drain {
		leaseDrain(b, db, workers, complete)
	} else {
		leaseEachWorker(b, db, workers, complete)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}

// analyze gives PostgreSQL's planner statistics of the tables just filled, as autovacuum does
// within a minute of such a change on a running server; a schema created moments ago has
// none, and the planner then guesses every table holds a row or two. SQLite keeps its plans.
func analyze(b *testing.B, db *storage.DB) {
	if !db.Postgres() {
		return
	}
	if _, err := db.Exec(context.Background(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// leaseDrain leases for every free worker at once, as publisher/drain.go does.
func leaseDrain(b *testing.B, db *storage.DB, workers int, complete func(storage.Post) bool) {
	ctx := context.Background()
	done := make(chan bool, workers)
	inflight, finished := 0, 0
	for finished < b.N {
		if free := min(workers-inflight, b.N-finished-inflight); free > 0 {
			ps, err := db.Lease(ctx, free, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range ps {
				inflight++
				go func() { done <- complete(p) }()
			}
		}
		if inflight == 0 {
			continue
		}
		// Wait for one worker, then collect whoever else finished, so one lease refills them all.
		collect := func(ok bool) {
			if !ok {
				b.FailNow()
			}
			inflight--
			finished++
		}
		collect(<-done)
		for more := true; more; {
			select {
			case ok := <-done:
				collect(ok)
			default:
				more = false
			}
		}
	}
}

// leaseEachWorker has every worker lease one post for itself.
func leaseEachWorker(b *testing.B, db *storage.DB, workers int, complete func(storage.Post) bool) {
	ctx := context.Background()
	var (
		wg   sync.WaitGroup
		done atomic.Int64
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done.Load() < int64(b.N) {
				ps, err := db.Lease(ctx, 1, time.Minute)
				if err != nil {
					b.Error(err)
					return
				}
				for _, p := range ps {
					if !complete(p) {
						return
					}
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
}

// bytesWritten is what this process has written so far (WAL, checkpoints), from Linux's
// /proc/self/io; -1 elsewhere. Unlike time, it does not depend on what else the machine does.
func bytesWritten() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "wchar:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// BenchmarkDiskSync measures the floor under every durable commit: a 16 KiB write into an
// already-allocated file followed by fsync (which is what SQLite calls here; mattn's build
// does not define HAVE_FDATASYNC). The virtual disk's figure drifts over minutes, so run it
// next to the enqueue benchmarks it explains.
func BenchmarkDiskSync(b *testing.B) {
	f, err := os.CreateTemp(b.TempDir(), "sync")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const size, slots = 16 << 10, 256
	if _, err := f.WriteAt(make([]byte, size*slots), 0); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, size)
	for i := 0; b.Loop(); i++ {
		if _, err := f.WriteAt(buf, int64(i%slots)*size); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "syncs/s")
}
