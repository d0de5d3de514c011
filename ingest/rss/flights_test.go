package rss

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

// fakeJobs captures the jobs Register adds, so a test runs a round when it chooses.
type fakeJobs struct {
	fns map[string]func(context.Context) error
}

func (j *fakeJobs) Every(name string, _ time.Duration, fn func(context.Context) error) error {
	j.fns[name] = fn
	return nil
}

// outcomes records what the Observer heard.
type outcomes struct {
	mu  sync.Mutex
	got map[PollOutcome]int
}

func (o *outcomes) Polled(p PollOutcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got[p]++
}

func (o *outcomes) count(p PollOutcome) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.got[p]
}

// hangingFeed serves a feed until hang is set, then accepts requests and never answers
// (until the test ends), signalling each request on arrived.
func hangingFeed(t *testing.T, hang *atomic.Bool, release chan struct{}, arrived chan<- string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			arrived <- r.Host
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(rssDoc("Slow", numberedItems(0, 2)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHangingFeedsDoNotDelayHealthyOne: two feeds whose servers never answer and one healthy
// feed. The round job returns at once, the healthy feed is polled on schedule round after
// round, and a hanging feed is not started again beside its own poll.
func TestHangingFeedsDoNotDelayHealthyOne(t *testing.T) {
	t.Parallel()
	var hang atomic.Bool
	release, arrived := make(chan struct{}), make(chan string, 10)
	slow1, slow2 := hangingFeed(t, &hang, release, arrived), hangingFeed(t, &hang, release, arrived)
	signals := &TestSignals{}
	signals.Init()
	b := setupManager(t, func(o *ManagerOptions) {
		o.Signals = signals
		// Neither the fetch nor the poll times out within the test: only independence helps.
		o.Fetcher = NewFetcher(FetcherOptions{AllowPrivate: true, Timeout: time.Hour})
		o.PollTimeout = time.Hour
	})
	t.Cleanup(func() {
		close(release)
		if err := b.m.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	b.srv.set("/feed.xml", rssDoc("Healthy", numberedItems(0, 2)), "application/rss+xml")
	healthy := b.add(t, AddRequest{URL: b.srv.URL + "/feed.xml", Interval: 10 * time.Minute}).Feed.ID
	b.add(t, AddRequest{URL: slow1.URL + "/feed.xml"})
	b.add(t, AddRequest{URL: slow2.URL + "/feed.xml"})
	hang.Store(true)
	jobs := &fakeJobs{fns: map[string]func(context.Context) error{}}
	if err := b.m.Register(jobs, jobs, 0); err != nil {
		t.Fatal(err)
	}
	round := func() {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- jobs.fns["feed-poll"](t.Context()) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the poll round is still waiting for the hanging feeds")
		}
	}
	for i := range 3 {
		b.clock.Advance(10 * time.Minute)
		round()
		now := b.clock.Now()
		signals.Polled.WaitFor(t, "the healthy feed's poll", func(id int64) bool { return id == healthy })
		if f := b.feed(t, healthy); !f.LastSuccessAt.Equal(now) {
			t.Fatalf("the healthy feed's poll stored success at %v, want %v", f.LastSuccessAt, now)
		}
		if i == 0 {
			<-arrived
			<-arrived
		}
	}
	if n := len(arrived); n != 0 {
		t.Fatalf("a hanging feed was polled again beside its own poll (%d more requests)", n)
	}
}

// panicky panics when asked to queue a post of one feed: a bug deep in one feed's poll.
type panicky struct {
	Enqueuer
	feedID atomic.Int64
}

func (p *panicky) Enqueue(ctx context.Context, r ingest.Request) (string, error) {
	if id := p.feedID.Load(); id != 0 && strings.HasPrefix(r.IdempotencyKey, IdempotencyKey(id, "")) {
		panic("injected: template engine blew up")
	}
	return p.Enqueuer.Enqueue(ctx, r)
}

// TestPanicFailsOnlyThatFeedsPoll: a panic in one feed's poll is recorded with that feed
// (visible in the feed list), counted as "panicked", and the other feed in the same round
// posts its items; the process and the poller carry on.
func TestPanicFailsOnlyThatFeedsPoll(t *testing.T) {
	t.Parallel()
	obs := &outcomes{got: map[PollOutcome]int{}}
	var pq *panicky
	b := setupManager(t, func(o *ManagerOptions) {
		pq = &panicky{Enqueuer: o.Enqueuer}
		o.Enqueuer, o.Observer = pq, obs
	})
	b.srv.set("/bad.xml", rssDoc("Bad", numberedItems(0, 2)), "application/rss+xml")
	b.srv.set("/good.xml", rssDoc("Good", numberedItems(0, 2)), "application/rss+xml")
	bad := b.add(t, AddRequest{URL: b.srv.URL + "/bad.xml"}).Feed.ID
	good := b.add(t, AddRequest{URL: b.srv.URL + "/good.xml"}).Feed.ID
	pq.feedID.Store(bad)
	b.srv.set("/bad.xml", rssDoc("Bad", numberedItems(0, 4)), "application/rss+xml")
	b.srv.set("/good.xml", rssDoc("Good", numberedItems(0, 4)), "application/rss+xml")
	b.clock.Advance(11 * time.Minute)
	if err := b.m.PollDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if obs.count(PollPanicked) != 1 {
		t.Fatalf("outcomes %v; want one panicked", obs.got)
	}
	list, err := b.m.List(context.Background(), AllAccounts())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range list {
		switch f.ID {
		case bad:
			if f.Failures != 1 || !strings.Contains(f.LastError, "internal error") || strings.Contains(f.LastError, "injected") {
				t.Errorf("panicked feed lists failures %d, last error %q", f.Failures, f.LastError)
			}
		case good:
			if f.Failures != 0 || f.LastError != "" {
				t.Errorf("healthy feed lists failures %d, last error %q", f.Failures, f.LastError)
			}
		}
	}
	if n := len(b.feedPosts(t)); n != 2 {
		t.Fatalf("%d posts queued; want the healthy feed's 2 new items", n)
	}
	// The poller goes on: next round the bug is gone and the feed recovers.
	pq.feedID.Store(0)
	b.clock.Advance(time.Hour)
	if err := b.m.PollDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f := b.feed(t, bad); f.Failures != 0 {
		t.Fatalf("feed still failing after the bug went away: %q", f.LastError)
	}
}
