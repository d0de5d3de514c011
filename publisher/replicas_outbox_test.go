package publisher_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// deliveryLog is one notifier shared by every replica: it counts each event's deliveries,
// notices two deliveries of one event at once, and keeps the order each replica started the
// events of one post in.
type deliveryLog struct {
	mu      sync.Mutex
	count   map[int64]int
	running map[int64]bool
	overlap []int64
	order   map[string][]publisher.EventKind // replica|post → kinds in the order started
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
		key := fmt.Sprint(r, "|", e.PostID)
		l.order[key] = append(l.order[key], e.Kind)
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
// delivered exactly once, never twice at the same time, and the two results of a post that
// one replica delivered went out in the order they were written. On both dialects.
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
		for i := range posts {
			door, post := doors[i%3], fmt.Sprint("p", i)
			addEvent(t, db, post+":posted", publisher.Event{Kind: publisher.EventPosted, PostID: post, Door: door})
			addEvent(t, db, post+":deleted", publisher.Event{Kind: publisher.EventDeleted, PostID: post, Door: door})
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
		for key, kinds := range log.order {
			if len(kinds) == 2 && (kinds[0] != publisher.EventPosted || kinds[1] != publisher.EventDeleted) {
				t.Errorf("%s: results started in the order %v, want posted then deleted", key, kinds)
			}
		}
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
	if items, err := db.ClaimOutbox(context.Background(), farFuture().AddDate(-1, 0, 0), farFuture(), 10); err != nil || len(items) != 1 {
		t.Fatalf("claim: %v, %v", items, err)
	}
	if err := pub.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("an event another replica holds was delivered: %+v", <-got)
	}
}

// farFuture is a time every event written by the test is due at.
func farFuture() time.Time { return time.Now().AddDate(1, 0, 0) }
