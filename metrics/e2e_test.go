package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/metrics"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestMetricsAfterPublishing enqueues posts from several doors, publishes some through the
// simulator with the instrumented client, and checks /metrics against what happened.
func TestMetricsAfterPublishing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	m := metrics.New(metrics.Options{Store: db})
	// The simulator's URL is known once the stack is built: the client is swapped in after.
	stack := publishertest.New(t, publishertest.Options{DB: db, Publisher: publisher.Options{Observer: m,
		Delays: publisher.Delays{TextCheck: time.Millisecond, StatusPoll: time.Millisecond}}})
	sim := stack.Sim
	client := threads.New(threads.Options{BaseURL: sim.URL,
		HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: m.Transport(nil)}})
	acct := stack.Account("alice")
	enqueue := func(door, text string, at time.Time) storage.Post {
		p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: door, Text: text, ScheduledAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := enqueue("slack", "first from slack", time.Time{})
	b := enqueue("telegram", "first from telegram", time.Time{})
	enqueue("telegram", "for tomorrow", time.Now().Add(24*time.Hour))
	c := enqueue("webhook", "changed my mind", time.Now().Add(time.Hour))
	if _, err := db.Cancel(ctx, c.ID); err != nil {
		t.Fatal(err)
	}

	o := stack.Opts
	o.API = client
	stack.Pub = publisher.New(o)
	posted := func(id string) bool {
		p, err := db.Get(ctx, id)
		if err != nil || p.State == storage.StateFailed {
			t.Fatalf("post %s: %+v %v", id, p, err)
		}
		return p.State == storage.StatePosted
	}
	// Drained only: the results stay pending until the Deliver below.
	stack.RunDrain("both posts published", func() bool { return posted(a.ID) && posted(b.ID) })
	pub := stack.Pub

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	text := string(body)
	for _, name := range []string{"spindle_posts", "spindle_quota_used", "spindle_publish_latency_seconds_bucket",
		"spindle_threads_api_requests_total", "spindle_threads_api_request_duration_seconds", "spindle_store_scrape_errors",
		"go_goroutines"} {
		if !strings.Contains(text, "\n"+name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if strings.Contains(text, string(acct.TokenSealed)) {
		t.Error("/metrics shows an access token")
	}

	fams := families(t, m)
	for _, c := range []struct {
		door, state string
		want        float64
	}{
		{"slack", "posted", 1}, {"slack", "queued", 0},
		{"telegram", "posted", 1}, {"telegram", "queued", 1},
		{"webhook", "cancelled", 1}, {"webhook", "posted", 0},
	} {
		if got := value(t, fams, "spindle_posts", map[string]string{"door": c.door, "state": c.state}); got != c.want {
			t.Errorf("spindle_posts{door=%s,state=%s} = %v, want %v", c.door, c.state, got, c.want)
		}
	}
	if got := value(t, fams, "spindle_quota_used", map[string]string{"account": "alice", "kind": "posts"}); got != 2 {
		t.Errorf("quota used = %v, want 2", got)
	}
	if got := value(t, fams, "spindle_store_scrape_errors", nil); got != 0 {
		t.Errorf("scrape errors = %v", got)
	}
	// Nobody delivered the two results yet (no Deliver call): both wait in the outbox.
	if got := value(t, fams, "spindle_results", map[string]string{"door": "slack", "state": "pending"}); got != 1 {
		t.Errorf("slack results pending = %v, want 1", got)
	}
	if got := value(t, fams, "spindle_results", map[string]string{"door": "telegram", "state": "pending"}); got != 1 {
		t.Errorf("telegram results pending = %v, want 1", got)
	}
	if err := pub.Deliver(ctx); err != nil { // no notifiers: marked delivered and dropped
		t.Fatal(err)
	}
	if got := value(t, families(t, m), "spindle_results", map[string]string{"door": "slack", "state": "delivered"}); got != 1 {
		t.Errorf("slack results delivered = %v, want 1", got)
	}
	lat, ok := find(fams, "spindle_publish_latency_seconds", nil)
	if !ok || lat.GetHistogram().GetSampleCount() != 2 {
		t.Fatalf("latency histogram: %v", lat)
	}
	if b := lat.GetHistogram().GetBucket(); b[len(b)-1].GetCumulativeCount() != 2 {
		t.Errorf("both posts took under 24 h, buckets %v", b)
	}
	if got := value(t, fams, "spindle_posts_published_total", nil); got != 2 {
		t.Errorf("posts published counted live = %v, want 2", got)
	}
	if got := total(fams, "spindle_posts_failed_total"); got != 0 {
		t.Errorf("posts failed counted live = %v, want 0", got)
	}
	if got := value(t, fams, "spindle_threads_api_requests_total", map[string]string{"endpoint": "threads_create", "outcome": "ok"}); got < 2 {
		t.Errorf("threads_create calls = %v, want at least 2 (one per post)", got)
	}

	// A day later the quota window has moved past both publishes.
	later := metrics.New(metrics.Options{Store: db, Now: func() time.Time { return time.Now().Add(25 * time.Hour) }})
	if _, ok := find(families(t, later), "spindle_quota_used", map[string]string{"account": "alice"}); ok {
		t.Error("quota still counted after the 24 h window")
	}
}

// TestBrokenStore: a database that cannot be read still gives an answer, with the error flag.
func TestBrokenStore(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Store: brokenStore{}})
	fams := families(t, m)
	if got := value(t, fams, "spindle_store_scrape_errors", nil); got != 1 {
		t.Errorf("scrape errors = %v, want 1", got)
	}
	if _, ok := fams["spindle_posts"]; ok {
		t.Error("posts reported from a broken store")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "spindle_store_scrape_errors 1") {
		t.Errorf("GET /metrics with a broken store: %d\n%s", rec.Code, rec.Body)
	}
}
