package publisher_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestClockJumpsWithLostAnswersPublishEachOnce drains posts of every kind while the wall clock
// the publisher and its database read jumps forward and backward by minutes, far past the
// leases, and Threads loses answers after acting on them, or acts on requests only after their
// caller gave up. Every post must end published exactly once.
func TestClockJumpsWithLostAnswersPublishEachOnce(t *testing.T) {
	t.Parallel()
	n := 120
	if os.Getenv("SPINDLE_SOAK") != "" {
		n = 1000
	}
	clock := &jumpClock{}
	e := newEnv(t, envOptions{db: storagetest.Open(t, clock.Now), tweak: func(o *publisher.Options) {
		o.Now = clock.Now
		o.LeaseTTL = time.Second
		o.Workers = 6
	}})
	media := mediaServer(t)
	e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultLatency, Rate: 0.2, Delay: 20 * time.Millisecond})
	e.sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Rate: 0.1})
	e.sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Rate: 0.05})
	e.sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLateProcess, Rate: 0.05, Delay: 30 * time.Millisecond})
	e.sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultLateProcess, Rate: 0.05, Delay: 30 * time.Millisecond})

	var accounts []storage.Account
	for i := range 8 {
		accounts = append(accounts, e.account(fmt.Sprintf("jumpy%d", i)))
	}
	var ids []string
	for i := range n {
		np := storage.NewPost{AccountID: accounts[i%len(accounts)].ID, Text: fmt.Sprintf("clock jump post %d", i)}
		switch i % 4 {
		case 1:
			np.Media = []storage.Media{{Kind: "image", URL: media.URL + "/img.png"}}
		case 2:
			np.Media = []storage.Media{{Kind: "image", URL: media.URL + "/img.png"}, {Kind: "image", URL: media.URL + "/img2.png"}}
		}
		ids = append(ids, e.enqueue(np).ID)
	}

	// The jumps: every few milliseconds the clock is set minutes ahead of or behind real time.
	stop := make(chan struct{})
	jumped := make(chan int)
	var jumps atomic.Int32
	go func() {
		rng := rand.New(rand.NewPCG(5, 8))
		tick := time.NewTicker(7 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				clock.set(10 * time.Minute) // ahead of every due time set meanwhile
				jumped <- int(jumps.Load())
				return
			case <-tick.C:
				clock.set(time.Duration(rng.IntN(11)-5) * time.Minute)
				jumps.Add(1)
			}
		}
	}()
	// Drain while the clock jumps, until half the posts are out or 3 s have passed (posts
	// requeued while the clock was ahead wait until it is ahead again).
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && countPosted(t, e, ids) < n/2 {
		if err := e.pub.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	total := <-jumped
	e.drain(ids...)
	e.sim.WaitLate()
	e.drainOnce()

	ledger := ledgerByText(e.sim.Ledger())
	for _, id := range ids {
		p := e.get(id)
		if p.State != storage.StatePosted {
			t.Errorf("post %s ended %s: %s", id, p.State, p.LastError)
		}
		if c := ledger[p.Text]; c != 1 {
			t.Errorf("post %s %q published %d times", id, p.Text, c)
		}
	}
	if len(e.sim.Ledger()) != n {
		t.Errorf("ledger has %d posts, want %d", len(e.sim.Ledger()), n)
	}
	if o := e.sim.Overlaps(); len(o) != 0 {
		t.Errorf("%d times two containers of one account were in flight at once, first %+v", len(o), o[0])
	}
	t.Logf("%d posts, %d clock jumps of up to ±5 min, %d API calls, 0 duplicates wanted: ledger %d",
		n, total, e.sim.CallCount(threadstest.EndpointAll), len(e.sim.Ledger()))
}

func countPosted(t *testing.T, e *env, ids []string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		if e.get(id).State == storage.StatePosted {
			n++
		}
	}
	return n
}

// TestHeartbeatKeepsALongCallsLease: a call to Threads takes many lease lifetimes. Another
// process draining the same database meanwhile must not take the post over: the worker's
// heartbeat keeps extending its lease while the work goes on.
func TestHeartbeatKeepsALongCallsLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{tweak: func(o *publisher.Options) { o.LeaseTTL = 200 * time.Millisecond }})
	a := e.account("slow")
	other := publisher.New(e.opts) // another process on the same database
	entered, unblock := make(chan struct{}), make(chan struct{})
	var creates atomic.Int32
	withTransport(e, hookTransport{before: func(r *http.Request) {
		if createOf(r, "slow call") && creates.Add(1) == 1 {
			close(entered)
			<-unblock
		}
	}})
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "a slow call"})
	done := make(chan error, 1)
	go func() { done <- e.pub.Drain(context.Background()) }()
	<-entered
	// Let the lease be extended over and over, past many TTLs, while the other process drains.
	first := e.get(p.ID).LeaseExpiresAt
	// The heartbeat is the real clock's (every LeaseTTL/4): polled, the other process
	// draining all the while.
	testsignal.Eventually(t, 10*time.Second, "the lease of a post in a long call extended past a second", func() bool {
		if err := other.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		return !e.get(p.ID).LeaseExpiresAt.Before(first.Add(time.Second))
	})
	if err := other.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.get(p.ID); got.Attempts != 1 {
		t.Errorf("another process took over a post whose worker was still working: attempt %d", got.Attempts)
	}
	close(unblock)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.drain(p.ID)
	if n := creates.Load(); n != 1 {
		t.Errorf("container created %d times", n)
	}
	if n := len(e.sim.Ledger()); n != 1 {
		t.Errorf("published %d times", n)
	}
}
