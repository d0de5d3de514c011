package publisher_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestLegacyAutoPublishMarkerIsResolvedOnce: an older version began an auto_publish_text
// create and died before recording its outcome. The post waits until that request has surely
// settled, then either finds it published (and records it) or publishes it through a container:
// once either way.
func TestLegacyAutoPublishMarkerIsResolvedOnce(t *testing.T) {
	t.Parallel()
	for _, published := range []bool{false, true} {
		name := map[bool]string{false: "lost before Threads acted", true: "published by the old request"}[published]
		t.Run(name, func(t *testing.T) {
			clock := threadstest.NewManualClock(time.Time{})
			e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now})
			a := e.account("legacy")
			ctx := context.Background()
			p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "begun by an older version"})
			leased, err := e.db.Lease(ctx, 1, time.Minute)
			if err != nil || len(leased) != 1 {
				t.Fatalf("lease: %v %d", err, len(leased))
			}
			began := clock.Now()
			if err := e.db.Advance(ctx, storage.LeaseOf(leased[0]), storage.Step{
				Parts: []storage.Part{{PostID: p.ID, AutoPublishAt: began}}}); err != nil {
				t.Fatal(err)
			}
			if published {
				tok, uid, err := publishertest.Tokens{DB: e.db}.Token(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.opts.API.CreateContainer(ctx, tok, uid, threads.Container{MediaType: threads.MediaTypeText,
					Text: p.Text, AutoPublishText: true}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.db.ReleaseLeases(ctx); err != nil { // the old process died
				t.Fatal(err)
			}
			e.drainOnce()
			if got := e.get(p.ID); got.State != storage.StateQueued || !strings.Contains(got.LastError, "earlier attempt") {
				t.Fatalf("right after the restart: %s %q, want queued, waiting for the old request to settle", got.State, got.LastError)
			}
			for range 5 {
				clock.Advance(time.Minute)
				e.drainOnce()
			}
			got := e.get(p.ID)
			ledger := e.sim.Ledger()
			if got.State != storage.StatePosted || len(ledger) != 1 || got.MediaID != ledger[0].MediaID {
				t.Fatalf("post %s %q media %q; ledger %+v: want posted once, its media id recorded", got.State, got.LastError, got.MediaID, ledger)
			}
			if ledger[0].AutoPublished != published {
				t.Errorf("published by auto_publish_text: %v, want %v", ledger[0].AutoPublished, published)
			}
		})
	}
}
