package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// BenchmarkDrainReplicas: one queue of text posts over 200 accounts drained against the
// zero-latency simulator by 1 and by 3 publishers of 8 workers each, all in this process.
// On PostgreSQL (SPINDLE_TEST_DIALECT=postgres with SPINDLE_TEST_DATABASE_URL set) each
// publisher has a database handle of its own, a pool of its own as a replica process has,
// and they lease side by side from one database. On SQLite, where one daemon owns the data
// dir, the publishers share the one handle: three drains in one process.
//
// The latency runs answer every API call that long after it arrives. At 20 ms, nearer what
// Meta's API takes, the workers wait on Threads more than they use the CPU, which is when a
// replica's workers are what the drain lacks. The 2 ms and 5 ms runs find where, on this
// machine, three replicas start to drain faster than one.
func BenchmarkDrainReplicas(b *testing.B) {
	for _, latency := range []time.Duration{0, 2 * time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond} {
		for _, n := range []int{1, 3} {
			name := fmt.Sprintf("replicas=%d/workers=8", n)
			if latency > 0 {
				name += "/latency=" + latency.String()
			}
			b.Run(name, func(b *testing.B) { benchDrainReplicas(b, n, 200, 8, latency) })
		}
	}
}

func benchDrainReplicas(b *testing.B, replicas, accounts, workers int, latency time.Duration) {
	e := newEnv(b, envOptions{tweak: func(o *publisher.Options) { o.Workers = workers }})
	if latency > 0 {
		e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultLatency, Rate: 1, Delay: latency})
	}
	stacks := []*publishertest.Stack{e.kit}
	for range replicas - 1 {
		db := e.db
		if e.db.Postgres() {
			db = storagetest.Reopen(b, e.db, nil)
		}
		o := e.opts
		o.Store, o.Tokens, o.Signals = nil, nil, nil
		stacks = append(stacks, publishertest.New(b, publishertest.Options{DB: db, Server: e.sim, Publisher: o}))
	}
	var accts []storage.Account
	for i := range accounts {
		accts = append(accts, e.account(fmt.Sprintf("bench%d", i)))
	}
	for i := range b.N {
		e.enqueue(storage.NewPost{AccountID: accts[i%accounts].ID, Text: fmt.Sprintf("bench post %d", i)})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	done := func() bool { return len(e.sim.Ledger()) >= b.N }
	b.ResetTimer()
	start := time.Now()
	for _, s := range stacks {
		wg.Go(func() {
			if err := drainUntil(ctx, s, done); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				cancel()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
	if n := len(e.sim.Ledger()); n != b.N {
		b.Fatalf("published %d of %d", n, b.N)
	}
}

// drainUntil runs s's drain round after round, as the daemon's drain job does when woken,
// until done holds; between rounds it waits for the queue's next due time (a status check a
// few milliseconds on), at most 10 ms, on a timer, not for any other replica.
func drainUntil(ctx context.Context, s *publishertest.Stack, done func() bool) error {
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if err := s.Pub.Drain(ctx); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("not drained within 60 s")
		}
		wait := 10 * time.Millisecond
		if at, ok, err := s.DB.NextDue(ctx); err != nil {
			return err
		} else if ok {
			wait = min(max(time.Until(at), time.Millisecond), wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return nil
}
