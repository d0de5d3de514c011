package publisher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// deliveryLog is one notifier shared by every replica: it counts each event's deliveries,
// notices two deliveries of one event at once, and keeps the order the events of one post
// were started in, whichever replica started them.
type deliveryLog struct {
	mu       sync.Mutex
	count    map[int64]int
	running  map[int64]bool
	overlap  []int64
	order    map[string][]publisher.EventKind // post → kinds in the order started
	replicas [3]int                           // deliveries per replica
}

func newDeliveryLog() *deliveryLog {
	return &deliveryLog{count: map[int64]int{}, running: map[int64]bool{}, order: map[string][]publisher.EventKind{}}
}

// notifier is the log as seen by replica r.
func (l *deliveryLog) notifier(r int) publisher.Notifier {
	return notifyFunc(func(_ context.Context, e publisher.Event) error {
		l.mu.Lock()
		if l.running[e.ID] {
			l.overlap = append(l.overlap, e.ID)
		}
		l.running[e.ID] = true
		l.count[e.ID]++
		l.order[e.PostID] = append(l.order[e.PostID], e.Kind)
		l.replicas[r]++
		l.mu.Unlock()
		l.mu.Lock()
		delete(l.running, e.ID)
		l.mu.Unlock()
		return nil
	})
}

type notifyFunc func(ctx context.Context, e publisher.Event) error

func (f notifyFunc) Notify(ctx context.Context, e publisher.Event) error { return f(ctx, e) }

// TestReplicasDeliverEachEventOnce: three replicas (three database handles, three
// publishers) deliver one outbox at once, each several rounds in parallel: every event is
// delivered exactly once, never twice at the same time, and the two results of each post
// went out in the order they were written, whichever replicas delivered them. On both
// dialects.
func TestReplicasDeliverEachEventOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		db := storagetest.Open(t, nil)
		log := newDeliveryLog()
		var pubs []*publisher.Publisher
		for r := range 3 {
			h := db
			if r > 0 {
				h = storagetest.Reopen(t, db, nil)
			}
			n := log.notifier(r)
			pubs = append(pubs, publisher.New(publisher.Options{Store: h,
				Notifiers: map[string]publisher.Notifier{"slack": n, "telegram": n, "webhook": n}}))
		}
		const posts = 90
		doors := []string{"slack", "telegram", "webhook"}
		// Every post's first result, then every post's second: a claim of the oldest hundred
		// takes some posts' both and leaves others' second to a replica that must wait.
		for _, kind := range []publisher.EventKind{publisher.EventPosted, publisher.EventDeleted} {
			for i := range posts {
				door, post := doors[i%3], fmt.Sprint("p", i)
				addEventFor(t, db, post+":"+string(kind), publisher.Event{Kind: kind, PostID: post, Door: door})
			}
		}
		var wg sync.WaitGroup
		var failed atomic.Bool
		for _, p := range pubs {
			for range 2 {
				wg.Go(func() {
					if err := p.Deliver(context.Background()); err != nil {
						failed.Store(true)
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		if failed.Load() {
			return
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		if len(log.overlap) > 0 {
			t.Fatalf("events delivered twice at once: %v", log.overlap)
		}
		if len(log.count) != 2*posts {
			t.Fatalf("%d events delivered, want %d", len(log.count), 2*posts)
		}
		for id, n := range log.count {
			if n != 1 {
				t.Errorf("event %d delivered %d times", id, n)
			}
		}
		for post, kinds := range log.order {
			if len(kinds) != 2 || kinds[0] != publisher.EventPosted || kinds[1] != publisher.EventDeleted {
				t.Errorf("%s: results started in the order %v, want posted then deleted", post, kinds)
			}
		}
		t.Logf("deliveries per replica: %v", log.replicas)
		if left, err := db.DueOutbox(context.Background(), farFuture(), 10); err != nil || len(left) != 0 {
			t.Fatalf("undelivered after the race: %+v, %v", left, err)
		}
	})
}

// TestDeliveryStopsWhenTheClaimWasTaken: a replica whose claim on an event ran out while the
// event waited (another replica claimed it since) does not deliver it.
func TestDeliveryStopsWhenTheClaimWasTaken(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	got := make(signalling, 10)
	pub := publisher.New(publisher.Options{Store: db, Notifiers: map[string]publisher.Notifier{"slack": got}})
	addEvent(t, db, "e1", publisher.Event{Kind: publisher.EventPosted, PostID: "p1", Door: "slack"})
	// Another replica holds the event.
	if items, err := db.ClaimOutbox(context.Background(), time.Hour, 10); err != nil || len(items) != 1 {
		t.Fatalf("claim: %v, %v", items, err)
	}
	if err := pub.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("an event another replica holds was delivered: %+v", <-got)
	}
}

// addEventFor writes an event to the outbox under its post, as the publisher does.
func addEventFor(t *testing.T, db *storage.DB, key string, e publisher.Event) {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddOutbox(context.Background(), storage.OutboxEvent{Key: key, Door: e.Door, Payload: b, PostID: e.PostID}); err != nil {
		t.Fatal(err)
	}
}

// farFuture is a time every event written by the test is due at.
func farFuture() time.Time { return time.Now().AddDate(1, 0, 0) }
