package publisher_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// benchDrain enqueues b.N text posts spread over accounts, then times draining them all.
func benchDrain(b *testing.B, accounts, workers int, latency time.Duration) {
	e := newEnv(b, envOptions{tweak: func(o *publisher.Options) { o.Workers = workers }})
	if latency > 0 {
		e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultLatency, Delay: latency})
	}
	var accts []storage.Account
	for i := range accounts {
		accts = append(accts, e.account(fmt.Sprintf("bench%d", i)))
	}
	for i := range b.N {
		e.enqueue(storage.NewPost{AccountID: accts[i%accounts].ID, Text: fmt.Sprintf("bench post %d", i)})
	}
	b.ResetTimer()
	start := time.Now()
	e.kit.RunDrain("every post published", func() bool { return len(e.sim.Ledger()) >= b.N })
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
	if n := len(e.sim.Ledger()); n != b.N {
		b.Fatalf("published %d of %d", n, b.N)
	}
}

// BenchmarkDrain: zero-latency simulator, many accounts.
func BenchmarkDrain(b *testing.B) {
	for _, w := range []int{8, 32, 64} {
		b.Run(fmt.Sprintf("accounts=200/workers=%d", w), func(b *testing.B) { benchDrain(b, 200, w, 0) })
	}
}

// BenchmarkDrainLatency: 100 ms per API call, 500 accounts; throughput must scale with
// workers. Run with a fixed count: -bench DrainLatency -benchtime 500x.
func BenchmarkDrainLatency(b *testing.B) {
	for _, w := range []int{8, 32, 64} {
		b.Run(fmt.Sprintf("accounts=500/workers=%d", w), func(b *testing.B) { benchDrain(b, 500, w, 100*time.Millisecond) })
	}
}
