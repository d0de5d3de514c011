package publisher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// hangingCallback is a webhook notifier whose callback server never answers: Notify returns
// only when its context ends or the test releases it. Its lane is the callback host.
type hangingCallback struct {
	release  chan struct{}
	started  chan struct{} // one send per call, buffered
	running  atomic.Int32
	maxSeen  atomic.Int32
	finished atomic.Int32
}

func newHangingCallback() *hangingCallback {
	return &hangingCallback{release: make(chan struct{}), started: make(chan struct{}, 1000)}
}

func (h *hangingCallback) Lane(publisher.Event) string { return "ci.example.com" }

func (h *hangingCallback) Notify(ctx context.Context, _ publisher.Event) error {
	n := h.running.Add(1)
	defer h.running.Add(-1)
	for {
		if m := h.maxSeen.Load(); n <= m || h.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	h.started <- struct{}{}
	defer h.finished.Add(1)
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// signalling is a notifier that reports each event on a channel.
type signalling chan publisher.Event

func (s signalling) Notify(_ context.Context, e publisher.Event) error {
	s <- e
	return nil
}

// addEvent writes an event to the outbox as the publisher would.
func addEvent(t *testing.T, db *storage.DB, key string, e publisher.Event) {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddOutbox(context.Background(), storage.OutboxEvent{Key: key, Door: e.Door, Payload: b}); err != nil {
		t.Fatal(err)
	}
}

func waitFor[T any](t *testing.T, c <-chan T, within time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(within):
		t.Fatalf("%s did not happen within %v", what, within)
	}
	panic("unreachable")
}

// TestHangingCallbackDelaysOnlyItsOwnLane: twenty results for a CI server that never answers
// are being delivered when a Slack result arrives; the Slack result goes out while every
// callback still hangs, and the callbacks hold no more than their lane's few workers.
func TestHangingCallbackDelaysOnlyItsOwnLane(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	hang, slack := newHangingCallback(), make(signalling, 10)
	pub := publisher.New(publisher.Options{Store: db,
		Notifiers: map[string]publisher.Notifier{"webhook": hang, "slack": slack}})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for i := range 20 {
		addEvent(t, db, fmt.Sprintf("cb%d", i), publisher.Event{Kind: publisher.EventPosted, PostID: fmt.Sprintf("w%d", i), Door: "webhook"})
	}
	first := make(chan error, 1)
	go func() { first <- pub.Deliver(ctx) }()
	waitFor(t, hang.started, 10*time.Second, "the first callback")

	addEvent(t, db, "s1", publisher.Event{Kind: publisher.EventPosted, PostID: "s1", Door: "slack"})
	second := make(chan error, 1)
	go func() { second <- pub.Deliver(ctx) }()
	if e := waitFor(t, slack, 10*time.Second, "the Slack result beside a hanging callback"); e.PostID != "s1" {
		t.Fatalf("slack got %q", e.PostID)
	}
	if n := hang.finished.Load(); n != 0 {
		t.Fatalf("%d callbacks finished; they were to hang throughout", n)
	}
	if m := hang.maxSeen.Load(); m > 4 {
		t.Errorf("%d callbacks to one host at once; a lane has 4 workers", m)
	}
	close(hang.release)
	for _, c := range []chan error{first, second} {
		if err := waitFor(t, c, 10*time.Second, "Deliver returning once the callbacks answer"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScheduledDeliveryIsNotHeldByAHangingCallback runs the real delivery job: a Slack result
// written while a callback hangs goes out at the job's next run, not after the callback's
// timeout; and Shutdown ends the hanging delivery and waits for it.
func TestScheduledDeliveryIsNotHeldByAHangingCallback(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	hang, slack := newHangingCallback(), make(signalling, 10)
	pub := publisher.New(publisher.Options{Store: db,
		Notifiers: map[string]publisher.Notifier{"webhook": hang, "slack": slack}})
	s, err := publisher.NewScheduler(publisher.SchedulerOptions{StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Register(s); err != nil {
		t.Fatal(err)
	}
	addEvent(t, db, "cb", publisher.Event{Kind: publisher.EventPosted, PostID: "w1", Door: "webhook"})
	s.Start()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = s.Shutdown()
		}
	})
	waitFor(t, hang.started, 10*time.Second, "the callback")
	addEvent(t, db, "s1", publisher.Event{Kind: publisher.EventPosted, PostID: "s1", Door: "slack"})
	// The job runs every 2 s; the callback's timeout is 30 s.
	waitFor(t, slack, 10*time.Second, "the Slack result beside a hanging callback")
	if n := hang.finished.Load(); n != 0 {
		t.Fatalf("the callback finished (%d); it was to hang throughout", n)
	}
	done := make(chan error, 1)
	go func() { done <- s.Shutdown() }()
	stopped = true
	if err := waitFor(t, done, 15*time.Second, "Shutdown"); err != nil {
		t.Fatal(err)
	}
	if n := hang.running.Load(); n != 0 {
		t.Errorf("%d deliveries still running after Shutdown", n)
	}
}

// retryLog is a Store that records failed deliveries as the publisher reports them.
type retryLog struct {
	*storage.DB
	mu      sync.Mutex
	retries []retried
}

type retried struct {
	id     int64
	next   time.Time
	reason string
	giveUp bool
}

func (r *retryLog) OutboxRetry(ctx context.Context, it storage.OutboxItem, next time.Time, reason string, giveUp bool) error {
	r.mu.Lock()
	r.retries = append(r.retries, retried{it.ID, next, reason, giveUp})
	r.mu.Unlock()
	return r.DB.OutboxRetry(ctx, it, next, reason, giveUp)
}

func (r *retryLog) all() []retried {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]retried(nil), r.retries...)
}

// failures is a DeliveryObserver that counts by door and way.
type failures struct {
	mu sync.Mutex
	n  map[string]int
}

func (f *failures) DeliveryFailed(door string, why publisher.DeliveryFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[string]int{}
	}
	f.n[door+"/"+string(why)]++
}

func (f *failures) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n[key]
}

// TestPanickingNotifierFailsOnlyItsDelivery: a notifier bug that panics fails that one
// delivery, recorded against the event with the panic as its reason and counted; the daemon
// goes on and the next result is delivered.
func TestPanickingNotifierFailsOnlyItsDelivery(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	store := &retryLog{DB: storagetest.Open(t, func() time.Time { return now })}
	slack, obs := make(signalling, 10), &failures{}
	boom := publisher.NotifierFunc(func(context.Context, publisher.Event) error {
		var m map[string]int
		m["nil map"]++ // a Notifier's bug
		return nil
	})
	pub := publisher.New(publisher.Options{Store: store, Now: func() time.Time { return now }, Deliveries: obs,
		Notifiers: map[string]publisher.Notifier{"telegram": boom, "slack": slack}})
	addEvent(t, store.DB, "t1", publisher.Event{Kind: publisher.EventPosted, PostID: "t1", Door: "telegram"})
	addEvent(t, store.DB, "s1", publisher.Event{Kind: publisher.EventPosted, PostID: "s1", Door: "slack"})
	if err := pub.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, slack, time.Second, "the Slack result after a panicking Telegram delivery")
	rs := store.all()
	if len(rs) != 1 || !strings.Contains(rs[0].reason, "panicked") || !strings.Contains(rs[0].reason, "nil map") || rs[0].giveUp {
		t.Fatalf("recorded failures %+v, want one retryable attempt whose reason names the panic", rs)
	}
	if !rs[0].next.After(now) {
		t.Errorf("retry at %v, want after %v (backoff)", rs[0].next, now)
	}
	if n := obs.count("telegram/panic"); n != 1 {
		t.Errorf("panics counted %d, want 1 (%v)", n, obs.n)
	}
	h := pub.DeliveryHealth()
	if h["telegram"].LastError != "panic" || !h["telegram"].LastErrorAt.Equal(now) || !h["slack"].LastSuccess.Equal(now) {
		t.Errorf("delivery health %+v, want telegram's panic and slack's success", h)
	}
	// Not due again yet: a second round leaves it alone.
	if err := pub.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(store.all()); n != 1 {
		t.Errorf("%d attempts recorded after a second round, want 1", n)
	}
}

// rateLimited is an error carrying a chat's Retry-After.
type rateLimited struct{ after time.Duration }

func (e rateLimited) Error() string             { return "rate limited" }
func (e rateLimited) RetryAfter() time.Duration { return e.after }

// TestDeliveryHonoursRetryAfter: a door that says "retry after 90 s" is not tried again
// before then, though the outbox's own first backoff is one second.
func TestDeliveryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	store := &retryLog{DB: storagetest.Open(t, func() time.Time { return now })}
	limited := publisher.NotifierFunc(func(context.Context, publisher.Event) error {
		return fmt.Errorf("slack: chat.postMessage: %w", rateLimited{90 * time.Second})
	})
	obs := &failures{}
	pub := publisher.New(publisher.Options{Store: store, Now: func() time.Time { return now }, Deliveries: obs,
		Notifiers: map[string]publisher.Notifier{"slack": limited}})
	addEvent(t, store.DB, "s1", publisher.Event{Kind: publisher.EventPosted, PostID: "s1", Door: "slack"})
	if err := pub.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	rs := store.all()
	if len(rs) != 1 || !rs[0].next.Equal(now.Add(90*time.Second)) || rs[0].giveUp {
		t.Fatalf("recorded %+v, want a retry at %v", rs, now.Add(90*time.Second))
	}
	if obs.count("slack/error") != 1 {
		t.Errorf("failures counted %v", obs.n)
	}
}

// TestUndecodableEventIsGivenUpAndCounted: an outbox row whose payload is not an event (a
// damaged row) is given up at once with the reason, counted, and does not stop the round.
func TestUndecodableEventIsGivenUpAndCounted(t *testing.T) {
	t.Parallel()
	store := &retryLog{DB: storagetest.Open(t, nil)}
	slack, obs := make(signalling, 10), &failures{}
	pub := publisher.New(publisher.Options{Store: store, Deliveries: obs,
		Notifiers: map[string]publisher.Notifier{"slack": slack}})
	ctx := context.Background()
	for i, payload := range []string{`not json`, `{}`} {
		if err := store.AddOutbox(ctx, storage.OutboxEvent{Key: fmt.Sprint("bad", i), Door: "slack", Payload: []byte(payload)}); err != nil {
			t.Fatal(err)
		}
	}
	addEvent(t, store.DB, "s1", publisher.Event{Kind: publisher.EventPosted, PostID: "s1", Door: "slack"})
	if err := pub.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if e := waitFor(t, slack, time.Second, "the good event"); e.PostID != "s1" {
		t.Fatalf("delivered %q", e.PostID)
	}
	rs := store.all()
	if len(rs) != 2 || !rs[0].giveUp || !rs[1].giveUp || !strings.Contains(rs[0].reason, "undecodable") {
		t.Fatalf("recorded %+v, want both damaged rows given up as undecodable", rs)
	}
	if n := obs.count("slack/undecodable"); n != 2 {
		t.Errorf("undecodable counted %d, want 2", n)
	}
}
