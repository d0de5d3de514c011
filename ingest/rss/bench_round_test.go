package rss

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// BenchmarkManagerPollDue1000Feeds is the production poll round end to end: 1,000 feeds
// stored in a real SQLite database, due at once, polled by Manager.PollDue with its default
// concurrency (8, at most 2 per host — here every feed shares one host, so the per-host bound
// is what limits) and every outcome stored through group commit. Half the feeds answer 304
// to their stored ETag; the other half send their ~13 KB document every time. ns/op is one
// round's wall time, peak-heap-MB the largest live heap seen during the rounds.
func BenchmarkManagerPollDue1000Feeds(b *testing.B) {
	const feeds = 1000
	bodies := make([][]byte, feeds)
	for i := range bodies {
		items := numberedItems(1, 20)
		for j := range items {
			items[j].guid = fmt.Sprintf("feed-%d-post-%d", i, j)
			items[j].desc = strings.Repeat("Some <b>summary</b> text &amp; more. ", 12)
		}
		bodies[i] = rssDoc(fmt.Sprintf("Feed %d", i), items)
	}
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
		if err != nil || i < 0 || i >= feeds {
			http.NotFound(w, r)
			return
		}
		if i%2 == 0 {
			etag := `"v1-` + strconv.Itoa(i) + `"`
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(bodies[i])
	}))
	b.Cleanup(srv.Close)

	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(b, clock.Now)
	acct := storagetest.Account(b, db, "bench")
	ctx := context.Background()
	for i := range feeds {
		if _, err := db.AddFeed(ctx, storage.Feed{URL: fmt.Sprintf("%s/feed/%d", srv.URL, i), AccountID: acct.ID,
			Interval: 10 * time.Minute, DailyCap: 10, NextPollAt: clock.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	m := NewManager(ManagerOptions{Store: db, Fetcher: testFetcher(),
		Enqueuer: ServiceEnqueuer{ingest.NewService(ingest.Options{Queue: db})}, Now: clock.Now,
		Jitter: func(time.Duration) time.Duration { return 0 }})
	round := func() {
		before := served.Load()
		if err := m.PollDue(ctx); err != nil {
			b.Fatal(err)
		}
		if n := served.Load() - before; n != feeds {
			b.Fatalf("%d feeds fetched in a round, want %d", n, feeds)
		}
		clock.Advance(10 * time.Minute)
	}
	round() // baseline: every feed's items become seen, validators stored

	peakHeap := samplePeakHeap()
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		round()
	}
	b.StopTimer()
	peak := peakHeap()
	if fs, _ := db.Feeds(ctx, nil); fs[0].Failures != 0 || fs[1].Failures != 0 {
		b.Fatalf("feeds failed: %q %q", fs[0].LastError, fs[1].LastError)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(feeds, "feeds/round")
}
