package publisher_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// panicky is a Threads client that panics on creating a container whose text contains
// "boom", as a bug tripped by one post's data would.
type panicky struct {
	publisher.API
	flaky atomic.Int32 // "flaky" posts panic this many times in all
}

func (p *panicky) CreateContainer(ctx context.Context, token, userID string, c threads.Container) (string, error) {
	if strings.Contains(c.Text, "boom") {
		var m map[string]int
		m["boom"]++ // a nil map write: a runtime panic, not a deliberate one
	}
	if strings.Contains(c.Text, "flaky") && p.flaky.Add(-1) >= 0 {
		panic("flaky")
	}
	return p.API.CreateContainer(ctx, token, userID, c)
}

// countingObserver counts what the Observer hears, by kind and class.
type countingObserver struct {
	mu     sync.Mutex
	counts map[string]int
}

func (o *countingObserver) add(k string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.counts == nil {
		o.counts = map[string]int{}
	}
	o.counts[k]++
}

func (o *countingObserver) get(k string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[k]
}

func (o *countingObserver) Published()                       { o.add("published") }
func (o *countingObserver) Failed(c publisher.FailureClass)  { o.add("failed:" + string(c)) }
func (o *countingObserver) Retried(c publisher.FailureClass) { o.add("retried:" + string(c)) }

// TestPanicInAWorkerFailsOnlyThatPost: a panic while publishing one post puts that post back
// (and fails it once it keeps panicking, with a reason), is counted under the "panic" class,
// and leaves the drain and every other post alone.
func TestPanicInAWorkerFailsOnlyThatPost(t *testing.T) {
	t.Parallel()
	obs := &countingObserver{}
	e := newEnv(t, envOptions{tweak: func(o *publisher.Options) { o.Observer = obs }})
	api := &panicky{API: e.opts.API}
	api.flaky.Store(1)
	e.opts.API = api
	e.pub = publisher.New(e.opts)
	a, b := e.account("alice"), e.account("bob")
	boom := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "this one goes boom"})
	flaky := e.enqueue(storage.NewPost{AccountID: b.ID, Text: "this one is flaky"})
	fine := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "this one is fine"})
	e.drain(boom.ID, flaky.ID, fine.ID) // fails the test if Drain returns an error; a panic ends the binary

	if got := e.get(boom.ID); got.State != storage.StateFailed || !strings.Contains(got.LastError, "internal error") {
		t.Errorf("boom post: %s %q, want failed with a reason", got.State, got.LastError)
	}
	for _, p := range []storage.Post{flaky, fine} {
		if got := e.get(p.ID); got.State != storage.StatePosted {
			t.Errorf("%q: %s %q, want posted", p.Text, got.State, got.LastError)
		}
	}
	if n := obs.get("failed:panic"); n != 1 {
		t.Errorf("failed{class=panic} = %d, want 1", n)
	}
	if n := obs.get("retried:panic"); n != 3 { // boom twice before failing, flaky once
		t.Errorf("retried{class=panic} = %d, want 3", n)
	}
	if kinds := e.note.kinds(boom.ID); len(kinds) == 0 || kinds[len(kinds)-1] != publisher.EventFailed {
		t.Errorf("the boom post's door was told %v, want a failure", kinds)
	}
}
