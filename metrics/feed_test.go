package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/metrics"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// feedServer serves one RSS document, as a publisher's site would: with an ETag it answers
// a matching If-None-Match with 304; a status other than 200 is answered instead.
type feedServer struct {
	mu     sync.Mutex
	status int
	etag   string
	guids  []string
}

func (f *feedServer) set(status int, etag string, guids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.etag, f.guids = status, etag, guids
}

func (f *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status != http.StatusOK {
		http.Error(w, http.StatusText(f.status), f.status)
		return
	}
	if f.etag != "" {
		if r.Header.Get("If-None-Match") == f.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", f.etag)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title><link>https://site.example/</link>`)
	for _, g := range f.guids {
		fmt.Fprintf(&b, `<item><guid>%s</guid><title>Post %s</title><link>https://site.example/%s</link></item>`, g, g, g)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(b.String()))
}

// TestFeedPollsByResult adds a feed and polls it against a real HTTP feed through every
// result: new items, 304, a 200 with nothing new, an error, 410. A feed whose first poll
// fails is counted too.
func TestFeedPollsByResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Now())
	db := storagetest.Open(t, clock.Now)
	m := metrics.New(metrics.Options{Store: db})
	acct, err := db.SaveAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "carol",
		TokenSealed: []byte("token"), TokenExpiresAt: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	feeds := rss.NewManager(rss.ManagerOptions{Store: db, Observer: m, Now: clock.Now,
		Fetcher:  rss.NewFetcher(rss.FetcherOptions{Version: "test", AllowPrivate: true, Timeout: 5 * time.Second}),
		Enqueuer: rss.ServiceEnqueuer{Service: ingest.NewService(ingest.Options{Queue: db})},
		// Short, though poll moves the clock past any interval and backoff.
		DefaultInterval: time.Millisecond, MinInterval: time.Millisecond,
		Jitter: func(time.Duration) time.Duration { return 0 }})
	site := &feedServer{}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)

	want := map[string]float64{}
	check := func(step string) {
		t.Helper()
		fams := families(t, m)
		for _, o := range rss.PollOutcomes() {
			if got := value(t, fams, "spindle_feed_polls_total", map[string]string{"result": string(o)}); got != want[string(o)] {
				t.Errorf("after %s: feed polls{result=%s} = %v, want %v", step, o, got, want[string(o)])
			}
		}
	}
	poll := func(step, result string) {
		t.Helper()
		clock.Advance(rss.MaxBackoff + time.Minute) // past the interval, and any backoff
		if err := feeds.PollDue(ctx); err != nil {
			t.Fatal(err)
		}
		want[result]++
		check(step)
	}

	site.set(http.StatusNotFound, "")
	if _, err := feeds.Add(ctx, rss.AddRequest{AccountID: acct.ID, URL: srv.URL + "/missing.xml"}); err == nil {
		t.Fatal("a feed answering 404 was added")
	}
	want["error"]++
	check("adding a missing feed")

	site.set(http.StatusOK, `"v1"`, "a", "b")
	if _, err := feeds.Add(ctx, rss.AddRequest{AccountID: acct.ID, URL: srv.URL + "/feed.xml"}); err != nil {
		t.Fatal(err)
	}
	want["new_items"]++ // the baseline: two items never seen before
	check("adding the feed")

	poll("a conditional GET", "not_modified")
	site.set(http.StatusOK, "", "a", "b")
	poll("a 200 with the same items", "unchanged")
	site.set(http.StatusOK, "", "a", "b", "c")
	poll("a new item", "new_items")
	site.set(http.StatusInternalServerError, "")
	poll("a 500", "error")
	site.set(http.StatusGone, "")
	poll("a 410", "gone")

	fs, err := feeds.List(ctx, rss.AllAccounts())
	if err != nil || len(fs) != 1 || fs[0].Enabled {
		t.Fatalf("after a 410 the feed should be paused: %+v, %v", fs, err)
	}
	posts, err := db.List(ctx, storage.ListFilter{Door: "feed"})
	if err != nil || len(posts) != 1 {
		t.Fatalf("the new item made %d posts (%v), want 1", len(posts), err)
	}
}
