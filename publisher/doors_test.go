package publisher_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// lateDoors is a registry a door joins after the publisher was built.
type lateDoors struct {
	mu sync.Mutex
	m  map[string]publisher.Notifier
}

func (d *lateDoors) Notifier(door string) publisher.Notifier {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m[door]
}

// told keeps the post ids it was told about.
type told struct {
	mu  sync.Mutex
	ids []string
}

func (t *told) Notify(_ context.Context, e publisher.Event) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ids = append(t.ids, e.PostID)
	return nil
}

// TestDoorsAreAskedAtDelivery: with Options.Doors, a door's notifier is looked up when its
// event is delivered, so a daemon may build the publisher first and register doors after; an
// event for a door with no notifier is delivered to nobody and not retried.
func TestDoorsAreAskedAtDelivery(t *testing.T) {
	db := storagetest.Open(t, nil)
	doors := &lateDoors{m: map[string]publisher.Notifier{}}
	pub := publisher.New(publisher.Options{Store: db, Doors: doors})
	slack := &told{}
	doors.m["slack"] = slack // registered after New
	ctx := context.Background()
	for _, e := range []publisher.Event{{Kind: publisher.EventPosted, PostID: "p1", Door: "slack"},
		{Kind: publisher.EventPosted, PostID: "p2", Door: "cli"}} {
		b, _ := json.Marshal(e)
		if err := db.AddOutbox(ctx, storage.OutboxEvent{Key: e.PostID, Door: e.Door, Payload: b}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if len(slack.ids) != 1 || slack.ids[0] != "p1" {
		t.Fatalf("slack was told %v, want p1", slack.ids)
	}
	due, err := db.DueOutbox(ctx, time.Now().AddDate(1, 0, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 0 {
		t.Errorf("%d events still due, want both delivered: %+v", len(due), due)
	}
}
