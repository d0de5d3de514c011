package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// slowLimits is the Threads client whose publishing-limit calls take rtt of the test clock,
// and whose next answer is held, once, while meanwhile runs: what other replicas and apps do
// during that round trip.
type slowLimits struct {
	*threads.Client
	clock     *storagetest.Clock
	rtt       time.Duration
	meanwhile atomic.Pointer[func()]
}

func (l *slowLimits) PublishingLimit(ctx context.Context, token, userID string) (threads.Limits, error) {
	lim, err := l.Client.PublishingLimit(ctx, token, userID)
	if f := l.meanwhile.Swap(nil); err == nil && f != nil {
		(*f)()
	}
	l.clock.Advance(l.rtt)
	return lim, err
}

// reconcileRace is two replicas on one database and one simulated Threads, on one test clock,
// with a deletion quota of deleteLimit; replica one's publishing-limit answers can be held.
type reconcileRace struct {
	one, two *publishertest.Stack
	late     *slowLimits
	clock    *storagetest.Clock
	account  storage.Account
	posts    []string // published, to delete
}

const deleteLimit = 5

func newReconcileRace(t *testing.T) *reconcileRace {
	t.Helper()
	r := &reconcileRace{clock: storagetest.NewClock(time.Time{})}
	sim := threadstest.NewServer(threadstest.Options{Clock: r.clock, Quotas: threadstest.Quotas{Deletes: deleteLimit}})
	t.Cleanup(sim.Close)
	api := func() *slowLimits {
		return &slowLimits{Client: threads.New(threads.Options{BaseURL: sim.URL}), clock: r.clock, rtt: 5 * time.Millisecond}
	}
	opts := func(api publisher.API) publisher.Options {
		o := publisher.Options{API: api, ReconcileEvery: time.Minute,
			ReconcileAt: 0.01} // reconcile before every deletion while the last report is stale
		o.Limits.Deletes = deleteLimit
		return o
	}
	r.late = api()
	r.one = publishertest.New(t, publishertest.Options{Clock: r.clock, Server: sim, Publisher: opts(r.late)})
	r.two = publishertest.New(t, publishertest.Options{Clock: r.clock, Server: sim, Publisher: opts(api()),
		DB: storagetest.Reopen(t, r.one.DB, r.clock.Now)})
	r.account = r.one.Account("racer")
	for i := range 3 {
		r.posts = append(r.posts, r.one.Enqueue(storage.NewPost{AccountID: r.account.ID, Text: fmt.Sprint("post ", i)}).ID)
	}
	r.one.Finish(r.posts...)
	r.clock.Advance(2 * time.Minute) // the reports the publishes made are stale now
	return r
}

// whileReconciling runs f while replica one's next reconcile is in flight: Threads has
// answered, the answer has not arrived. It reports whether f ran.
func (r *reconcileRace) whileReconciling(f func()) (ran func() bool) {
	g := func() {
		r.clock.Advance(10 * time.Millisecond)
		f()
	}
	r.late.meanwhile.Store(&g)
	return func() bool { return r.late.meanwhile.Load() == nil }
}

// overQuota checks that, with the quota used up at Threads, replica one refuses a deletion
// itself rather than sending one Threads refuses.
func (r *reconcileRace) overQuota(t *testing.T) {
	t.Helper()
	used := r.one.Sim.Usage(r.account.ThreadsUserID, threadstest.QuotaDeletes)
	if used < deleteLimit {
		t.Fatalf("Threads counts %d of %d deletions used, want the quota used up", used, deleteLimit)
	}
	calls := r.one.Sim.CallCount(threadstest.EndpointDelete)
	err := r.one.Pub.Delete(context.Background(), r.posts[2])
	if !errors.Is(err, publisher.ErrQuotaExceeded) || r.one.Sim.CallCount(threadstest.EndpointDelete) != calls {
		t.Errorf("deletion with the quota used up (%d/%d at Threads): %v, want Spindle's own ErrQuotaExceeded without a call",
			used, deleteLimit, err)
	}
}

// TestReconcileCountsUsesMadeDuringTheCall: replica one reconciles the deletion quota while
// replica two deletes. Threads' count predates that deletion, so the report must be stamped
// before the call: the deletion then counts among the uses since the report. (Stamped when
// the answer arrived, it counted nowhere, and Spindle sent a deletion over the quota.)
func TestReconcileCountsUsesMadeDuringTheCall(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		r := newReconcileRace(t)
		ctx := context.Background()
		r.one.Sim.InjectUsage(r.account.ThreadsUserID, threadstest.QuotaDeletes, deleteLimit-2) // other apps
		var twoErr error
		ran := r.whileReconciling(func() { twoErr = r.two.Pub.Delete(ctx, r.posts[1]) })
		if err := r.one.Pub.Delete(ctx, r.posts[0]); err != nil {
			t.Fatalf("replica one's deletion: %v", err)
		}
		if !ran() || twoErr != nil {
			t.Fatalf("replica two's deletion during the reconcile: ran %v, %v", ran(), twoErr)
		}
		r.overQuota(t)
	})
}

// TestLateReconcileKeepsTheNewerReport: replica one's reconcile is answered, then other apps
// delete and replica two reconciles (seeing them) and deletes, all before one's answer
// arrives. One's older report must not replace two's: it misses the other apps' deletions,
// and Spindle would send a deletion over the quota.
func TestLateReconcileKeepsTheNewerReport(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		r := newReconcileRace(t)
		ctx := context.Background()
		r.one.Sim.InjectUsage(r.account.ThreadsUserID, threadstest.QuotaDeletes, 1)
		var twoErr error
		ran := r.whileReconciling(func() {
			r.one.Sim.InjectUsage(r.account.ThreadsUserID, threadstest.QuotaDeletes, 2) // other apps, meanwhile
			twoErr = r.two.Pub.Delete(ctx, r.posts[1])
		})
		if err := r.one.Pub.Delete(ctx, r.posts[0]); err != nil {
			t.Fatalf("replica one's deletion: %v", err)
		}
		if !ran() || twoErr != nil {
			t.Fatalf("replica two's deletion during the reconcile: ran %v, %v", ran(), twoErr)
		}
		r.overQuota(t)
	})
}

// TestReconcileCountsUsesOfAReplicaWhoseClockIsBehind: as TestReconcileCountsUsesMadeDuringTheCall,
// on the real clock, with replica two's clock five seconds behind replica one's. Its deletion
// during one's reconcile must still count after one's report. (Dated by each replica's own
// clock, it fell five seconds before the report, counted nowhere, and Spindle sent a deletion
// over the quota: uses and reports are dated by the ledger's one clock now.)
func TestReconcileCountsUsesOfAReplicaWhoseClockIsBehind(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		ctx := context.Background()
		sim := threadstest.NewServer(threadstest.Options{Quotas: threadstest.Quotas{Deletes: deleteLimit}})
		t.Cleanup(sim.Close)
		opts := func(api publisher.API, now func() time.Time) publisher.Options {
			o := publisher.Options{API: api, Now: now, ReconcileEvery: time.Minute, ReconcileAt: 0.01}
			o.Limits.Deletes = deleteLimit
			return o
		}
		late := &slowLimits{Client: threads.New(threads.Options{BaseURL: sim.URL}), clock: storagetest.NewClock(time.Time{})}
		one := publishertest.New(t, publishertest.Options{Server: sim, Publisher: opts(late, nil)})
		behind := func() time.Time { return time.Now().Add(-5 * time.Second) }
		two := publishertest.New(t, publishertest.Options{Server: sim, DB: storagetest.Reopen(t, one.DB, nil),
			Publisher: opts(threads.New(threads.Options{BaseURL: sim.URL}), behind)})
		r := &reconcileRace{one: one, two: two, late: late, account: one.Account("skewed")}
		// The posts go out through a third replica that never reconciles three posts, so the
		// first deletion of each of the two asks Threads.
		setup := publishertest.New(t, publishertest.Options{Server: sim, DB: storagetest.Reopen(t, one.DB, nil)})
		for i := range 3 {
			r.posts = append(r.posts, setup.Enqueue(storage.NewPost{AccountID: r.account.ID, Text: fmt.Sprint("post ", i)}).ID)
		}
		setup.Finish(r.posts...)
		sim.InjectUsage(r.account.ThreadsUserID, threadstest.QuotaDeletes, deleteLimit-2) // other apps
		var twoErr error
		late.meanwhile.Store(new(func() { twoErr = two.Pub.Delete(ctx, r.posts[1]) }))
		if err := one.Pub.Delete(ctx, r.posts[0]); err != nil {
			t.Fatalf("replica one's deletion: %v", err)
		}
		if late.meanwhile.Load() != nil || twoErr != nil {
			t.Fatalf("replica two's deletion during the reconcile: ran %v, %v", late.meanwhile.Load() == nil, twoErr)
		}
		r.overQuota(t)
	})
}
