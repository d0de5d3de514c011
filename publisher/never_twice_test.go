package publisher_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// hookTransport calls before on every request to the simulator before sending it.
type hookTransport struct {
	before func(*http.Request)
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.before != nil {
		h.before(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// withTransport points the env's publisher at the simulator through rt.
func withTransport(e *env, rt http.RoundTripper) {
	e.opts.API = threads.New(threads.Options{BaseURL: e.sim.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: rt}})
	e.pub = publisher.New(e.opts)
}

// TestCreateLandingAfterTheRetryNeverPublishesTwice is the SIGKILL during a create: the
// request reaches Meta but its caller never hears back, and Meta processes it only after the
// post was taken up again and finished. Whatever the kind of post, the late request must not
// make a second post: it only made a container, which nobody publishes.
func TestCreateLandingAfterTheRetryNeverPublishesTwice(t *testing.T) {
	t.Parallel()
	var long string
	for i := range 40 {
		long += fmt.Sprintf("Sentence %d of a long thread posted as a chain of replies. ", i)
	}
	for _, tc := range []struct {
		name string
		post func(e *env, a storage.Account, media string) storage.NewPost
	}{
		{"text", func(_ *env, a storage.Account, _ string) storage.NewPost {
			return storage.NewPost{AccountID: a.ID, Text: "a text post created twice"}
		}},
		{"chain", func(_ *env, a storage.Account, _ string) storage.NewPost {
			return storage.NewPost{AccountID: a.ID, Text: long, Thread: true}
		}},
		{"image", func(_ *env, a storage.Account, media string) storage.NewPost {
			return storage.NewPost{AccountID: a.ID, Text: "an image", Media: []storage.Media{{Kind: "image", URL: media + "/img.png"}}}
		}},
		{"reply", func(e *env, a storage.Account, _ string) storage.NewPost {
			parent := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "the parent"})
			e.drain(parent.ID)
			return storage.NewPost{AccountID: a.ID, Text: "a reply", ReplyToID: e.get(parent.ID).MediaID}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			media := mediaServer(t)
			a := e.account("late")
			np := tc.post(e, a, media.URL)
			release := make(chan struct{})
			e.sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultLateProcess, Count: 1, Release: release})
			p := e.enqueue(np)
			e.drain(p.ID)
			close(release) // the lost request is processed now, after the post went out
			e.sim.WaitLate()
			e.drainOnce()
			if got := e.get(p.ID); got.State != storage.StatePosted {
				t.Fatalf("post ended %s: %s", got.State, got.LastError)
			}
			for text, n := range ledgerByText(e.sim.Ledger()) {
				if n != 1 {
					t.Errorf("%q published %d times", text, n)
				}
			}
		})
	}
}

// TestPublishLandingLateIsRefusedAndReconciled: a publish still travelling when its caller gave
// up lands just before the retried publish of the same container. Meta publishes a container
// once, so the retry is refused; the post must then be recorded posted (the container says
// PUBLISHED), with its media id, not failed on the refusal and not published again.
func TestPublishLandingLateIsRefusedAndReconciled(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"text", "image"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			media := mediaServer(t)
			a := e.account("refused")
			release := make(chan struct{})
			var publishes atomic.Int32
			withTransport(e, hookTransport{before: func(r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/threads_publish") && publishes.Add(1) == 2 {
					close(release) // the first, lost publish is processed just before the second
					e.sim.WaitLate()
				}
			}})
			e.sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLateProcess, Count: 1, Release: release})
			np := storage.NewPost{AccountID: a.ID, Text: "published by the late request"}
			if kind == "image" {
				np.Media = []storage.Media{{Kind: "image", URL: media.URL + "/img.png"}}
			}
			p := e.enqueue(np)
			e.drain(p.ID)
			got := e.get(p.ID)
			ledger := e.sim.Ledger()
			if got.State != storage.StatePosted || len(ledger) != 1 {
				t.Fatalf("post %s (%s), ledger %d: want posted once", got.State, got.LastError, len(ledger))
			}
			if got.MediaID != ledger[0].MediaID {
				t.Errorf("recorded media id %q, Threads published %q", got.MediaID, ledger[0].MediaID)
			}
			if publishes.Load() < 2 {
				t.Errorf("%d publishes: the test did not exercise the refusal", publishes.Load())
			}
		})
	}
}

// jumpClock is a wall clock that an operator (or NTP) keeps setting: real time plus an offset
// that jumps. The monotonic reading is stripped, as for a time read after a jump.
type jumpClock struct{ offset atomic.Int64 }

func (c *jumpClock) Now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load())).Round(0)
}

func (c *jumpClock) set(d time.Duration) { c.offset.Store(int64(d)) }

// leaseSpy is a Store that reports each Lease once it returned.
type leaseSpy struct {
	publisher.Store
	leased func()
}

func (s leaseSpy) Lease(ctx context.Context, n int, ttl time.Duration, held ...string) ([]storage.Post, error) {
	ps, err := s.Store.Lease(ctx, n, ttl, held...)
	s.leased()
	return ps, err
}

// createOf reports whether r creates a container with text containing want.
func createOf(r *http.Request, want string) bool {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/threads") {
		return false
	}
	text := r.URL.Query().Get("text")
	if r.Body != nil && r.GetBody != nil {
		if body, err := r.GetBody(); err == nil {
			b, _ := io.ReadAll(body)
			if q, err := url.ParseQuery(string(b)); err == nil && q.Get("text") != "" {
				text = q.Get("text")
			}
		}
	}
	return strings.Contains(text, want)
}

// TestOwnPostIsNeverReclaimed: a worker is stuck in a call to Threads when the wall clock jumps
// forward past its lease. The same process, going on with another account's post meanwhile,
// must not take the stuck post up again: a second worker would create and publish it again.
func TestOwnPostIsNeverReclaimed(t *testing.T) {
	t.Parallel()
	clock := &jumpClock{}
	e := newEnv(t, envOptions{db: storagetest.Open(t, clock.Now), tweak: func(o *publisher.Options) { o.Now = clock.Now }})
	stuck, busy := e.account("stuck"), e.account("busy")
	entered, jumped, unblock := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var stuckCreates atomic.Int32
	withTransport(e, hookTransport{before: func(r *http.Request) {
		switch {
		case createOf(r, "stuck"):
			if stuckCreates.Add(1) == 1 {
				close(entered)
				<-unblock
			}
		case createOf(r, "busy"):
			<-jumped
		}
	}})
	var afterJump atomic.Bool
	leasedAfterJump := make(chan struct{}, 1)
	e.opts.Store = leaseSpy{Store: e.db, leased: func() {
		if afterJump.Load() {
			select {
			case leasedAfterJump <- struct{}{}:
			default:
			}
		}
	}}
	e.pub = publisher.New(e.opts)
	p := e.enqueue(storage.NewPost{AccountID: stuck.ID, Text: "stuck in a slow call"})
	b := e.enqueue(storage.NewPost{AccountID: busy.ID, Text: "busy post"})
	done := make(chan error, 1)
	go func() { done <- e.pub.Drain(context.Background()) }()
	<-entered
	clock.set(10 * time.Minute) // far past the stuck post's lease (10 s)
	afterJump.Store(true)
	close(jumped) // the busy post's worker goes on, finishes its step, and the drain leases again
	<-leasedAfterJump
	if got := e.get(p.ID); got.Attempts != 1 {
		t.Errorf("the stuck post was reclaimed by the process working on it: attempt %d", got.Attempts)
	}
	close(unblock)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.drain(p.ID, b.ID)
	if n := stuckCreates.Load(); n != 1 {
		t.Errorf("the stuck post's container was created %d times", n)
	}
	for text, n := range ledgerByText(e.sim.Ledger()) {
		if n != 1 {
			t.Errorf("%q published %d times", text, n)
		}
	}
}

// TestCarouselRefusedOnceIsRetriedWithNewItems: Threads refuses a carousel create (as it does
// when its items already went into a carousel an earlier attempt created and never recorded);
// the post is tried once more with new items, and published once.
func TestCarouselRefusedOnceIsRetriedWithNewItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	media := mediaServer(t)
	a := e.account("carousel")
	e.sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultError, Skip: 2, Count: 1,
		Error: &threadstest.GraphError{HTTPStatus: 400, Type: "THApiException", Code: 100,
			Message: "Param children contains 1, which already belongs to carousel 2."}})
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "two pictures", Media: []storage.Media{
		{Kind: "image", URL: media.URL + "/img.png"}, {Kind: "image", URL: media.URL + "/img2.png"}}})
	e.drain(p.ID)
	if got := e.get(p.ID); got.State != storage.StatePosted {
		t.Fatalf("carousel ended %s: %s", got.State, got.LastError)
	}
	if n := len(e.sim.Ledger()); n != 1 {
		t.Fatalf("published %d times", n)
	}
}
