package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/metrics"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestFailuresAndRetriesCountedByClass publishes through the simulator while it refuses a post
// (validation), fails every attempt of another (transient, until the retry budget is spent),
// cannot process a third one's image (media), and loses the permalink lookup of a fourth once
// (a transient retry, then published). Each counter moves for its class and no other.
func TestFailuresAndRetriesCountedByClass(t *testing.T) {
	t.Parallel()
	img := threadstest.NewMediaHost()
	t.Cleanup(img.Close)
	db := storagetest.Open(t, nil)
	m := metrics.New(metrics.Options{Store: db})
	stack := publishertest.New(t, publishertest.Options{DB: db,
		Sim: threadstest.Options{ContainerError: func(_ string, p threadstest.Post) string {
			if strings.Contains(p.Text, "bad image") {
				return "UNKNOWN"
			}
			return ""
		}},
		Publisher: publisher.Options{Observer: m,
			Delays: publisher.Delays{TextCheck: time.Millisecond, MediaCheck: time.Millisecond,
				StatusPoll: time.Millisecond, NotReadyWait: time.Millisecond},
			Retry: publisher.Retry{MaxAttempts: 2, Base: time.Millisecond, Max: time.Millisecond}}})
	sim, acct := stack.Sim, stack.Account("bob")

	// publish enqueues one post and drains until it is posted or failed.
	publish := func(np storage.NewPost) storage.Post {
		t.Helper()
		np.AccountID = acct.ID
		return stack.Finish(stack.Enqueue(np).ID)[0]
	}
	// check compares every class of the failed and retried counters, and the published one.
	check := func(step string, failed, retried map[string]float64, published float64) {
		t.Helper()
		fams := families(t, m)
		for _, c := range publisher.FailureClasses() {
			if got := value(t, fams, "spindle_posts_failed_total", map[string]string{"class": string(c)}); got != failed[string(c)] {
				t.Errorf("%s: posts failed{class=%s} = %v, want %v", step, c, got, failed[string(c)])
			}
			if got := value(t, fams, "spindle_publish_retries_total", map[string]string{"class": string(c)}); got != retried[string(c)] {
				t.Errorf("%s: retries{class=%s} = %v, want %v", step, c, got, retried[string(c)])
			}
		}
		if got := value(t, fams, "spindle_posts_published_total", nil); got != published {
			t.Errorf("%s: published = %v, want %v", step, got, published)
		}
	}

	// Threads refuses the post's parameters: failed at once, validation, no retry.
	sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultError, Count: 1,
		Error: &threadstest.GraphError{Code: 100, Type: "THApiException", Message: "Invalid parameter"}})
	if p := publish(storage.NewPost{Text: "refused by Threads"}); p.State != storage.StateFailed {
		t.Fatalf("refused post ended %s", p.State)
	}
	check("validation", map[string]float64{"validation": 1}, nil, 0)

	// Every create fails transiently: two retries (MaxAttempts), then given up.
	sim.ClearFaults()
	sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultTransient})
	if p := publish(storage.NewPost{Text: "Threads is having a bad day"}); p.State != storage.StateFailed || !strings.Contains(p.LastError, "gave up") {
		t.Fatalf("post ended %s: %s", p.State, p.LastError)
	}
	check("retries exhausted", map[string]float64{"validation": 1, "retries_exhausted": 1},
		map[string]float64{"transient": 2}, 0)

	// The image's container ends in ERROR, is recreated once, errs again: a media failure.
	sim.ClearFaults()
	if p := publish(storage.NewPost{Text: "a bad image", Media: []storage.Media{{Kind: "image", URL: img.URL + "/img.png"}}}); p.State != storage.StateFailed {
		t.Fatalf("bad image post ended %s", p.State)
	}
	check("media", map[string]float64{"validation": 1, "retries_exhausted": 1, "media": 1},
		map[string]float64{"transient": 2}, 0)

	// Published, but the permalink lookup fails once: a retry, then posted, counted once.
	media := sim.CallCount(threadstest.EndpointMedia)
	sim.Fault(threadstest.EndpointMedia, threadstest.Fault{Kind: threadstest.FaultServerError, Count: 1})
	p := publish(storage.NewPost{Text: "published, link later"})
	if p.State != storage.StatePosted || p.Permalink == "" {
		t.Fatalf("post ended %s with permalink %q: %s", p.State, p.Permalink, p.LastError)
	}
	check("permalink retry", map[string]float64{"validation": 1, "retries_exhausted": 1, "media": 1},
		map[string]float64{"transient": 3}, 1)
	if n := sim.CallCount(threadstest.EndpointMedia) - media; n != 2 {
		t.Errorf("%d permalink lookups, want 2 (the failed one and the next step's)", n)
	}
}
