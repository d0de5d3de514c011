package rss

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPollRound1000Feeds measures one full poll round over 1,000 feeds served by one
// local server, 16 polls at a time: the even feeds answer 304 to the stored ETag, the odd
// ones (publishers without validators) send their whole document every time, about 13 KB
// with 20 items, which is parsed, normalized and checked against the seen items. ns/op is
// the wall time of a round; peak-heap-MB the largest live heap seen while rounds ran.
func BenchmarkPollRound1000Feeds(b *testing.B) {
	const feeds, workers = 1000, 16
	bodies := make([][]byte, feeds)
	for i := range bodies {
		items := numberedItems(1, 20)
		for j := range items {
			items[j].guid = fmt.Sprintf("feed-%d-post-%d", i, j)
			items[j].desc = strings.Repeat("Some <b>summary</b> text &amp; more. ", 12)
		}
		bodies[i] = rssDoc(fmt.Sprintf("Feed %d", i), items)
	}
	var answered304 atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
		if err != nil || i < 0 || i >= feeds {
			http.NotFound(w, r)
			return
		}
		if i%2 == 0 {
			etag := `"v1-` + strconv.Itoa(i) + `"`
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				answered304.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(bodies[i])
	}))
	b.Cleanup(srv.Close)

	seen, queue := newMemSeen(), newMemQueue()
	queue.discard = true
	poller := NewPoller(PollerOptions{Fetcher: testFetcher(), Seen: seen, Enqueuer: queue})
	state := make([]Feed, feeds)
	for i := range state {
		state[i] = Feed{ID: int64(i), URL: fmt.Sprintf("%s/feed/%d", srv.URL, i), FirstPoll: true}
	}
	round := func() (failed int64) {
		var wg sync.WaitGroup
		var errs atomic.Int64
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					res, err := poller.Poll(context.Background(), state[i])
					if err != nil {
						errs.Add(1)
						continue
					}
					state[i].FirstPoll, state[i].Validators = false, res.Validators // one worker per feed
				}
			})
		}
		for i := range feeds {
			next <- i
		}
		close(next)
		wg.Wait()
		return errs.Load()
	}
	if n := round(); n != 0 { // baseline: every feed's items become seen
		b.Fatalf("%d polls failed in the baseline round", n)
	}
	answered304.Store(0)

	peakHeap := samplePeakHeap()
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		if n := round(); n != 0 {
			b.Fatalf("%d polls failed", n)
		}
	}
	b.StopTimer()
	peak := peakHeap()
	if got, want := answered304.Load(), int64(b.N*feeds/2); got != want {
		b.Fatalf("%d answers were 304, want %d", got, want)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(feeds), "feeds/round")
}

// samplePeakHeap samples the live heap every 2 ms until the returned function is called,
// which stops sampling and returns the peak in bytes: the benchmarks' peak-memory figure.
func samplePeakHeap() func() uint64 {
	stop := make(chan struct{})
	var peak atomic.Uint64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-sampled
		return peak.Load()
	}
}
