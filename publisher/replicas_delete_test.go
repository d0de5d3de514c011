package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestReplicasDeletingAtOnceStopAtTheQuota: two replicas (two database handles, two
// publishers, one Threads) delete more posts of one account at once than its deletion quota
// allows: exactly the quota succeeds, the rest are refused with ErrQuotaExceeded, and Threads
// saw exactly that many deletions. On both dialects.
func TestReplicasDeletingAtOnceStopAtTheQuota(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		const limit, posts = 4, 12
		limits := func(o *publisher.Options) { o.Limits.Deletes = limit }
		one := publishertest.New(t, publishertest.Options{})
		limits(&one.Opts)
		one.Pub = publisher.New(one.Opts)
		two := publishertest.New(t, publishertest.Options{DB: storagetest.Reopen(t, one.DB, nil), Server: one.Sim})
		limits(&two.Opts)
		two.Pub = publisher.New(two.Opts)
		a := one.Account("dora")
		var ids []string
		for i := range posts {
			ids = append(ids, one.Enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprint("post ", i)}).ID)
		}
		one.Finish(ids...)

		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			deleted int
		)
		start := make(chan struct{})
		for i, id := range ids {
			pub := []*publisher.Publisher{one.Pub, two.Pub}[i%2]
			wg.Go(func() {
				<-start
				err := pub.Delete(context.Background(), id)
				switch {
				case err == nil:
					mu.Lock()
					deleted++
					mu.Unlock()
				case !errors.Is(err, publisher.ErrQuotaExceeded):
					t.Errorf("delete %s: %v, want success or ErrQuotaExceeded", id, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if deleted != limit {
			t.Fatalf("%d deletions succeeded, want the quota of %d", deleted, limit)
		}
		atThreads := 0
		for _, p := range one.Sim.Ledger() {
			if p.Deleted {
				atThreads++
			}
		}
		if atThreads != limit {
			t.Fatalf("Threads deleted %d posts, want %d", atThreads, limit)
		}
	})
}
