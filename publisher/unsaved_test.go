package publisher_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// cuttingStore is a database whose connection the server ends in the middle of steps, as a
// PostgreSQL restart or failover does: the first cuts steps that do not put the post back in
// the queue (a part published, a post completed) fail with a dropped connection, either
// before their transaction commits (nothing written) or after (written, the answer lost).
// With cutPutBack, each post's first write that puts it back fails too, before it commits,
// as when the server ended every connection in the pool at once.
type cuttingStore struct {
	publisher.Store
	afterCommit bool
	cuts        atomic.Int32
	cutPosts    sync.Map // post id → struct{}: one of its steps was cut
	cutPutBack  bool
	putBackCut  sync.Map // post id → struct{}: its put-back was cut
}

// count is how many posts m holds.
func count(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

func (s *cuttingStore) Advance(ctx context.Context, l storage.Lease, st storage.Step) error {
	if st.Retry != nil && s.cutPutBack && strings.HasPrefix(st.Retry.Reason, "Spindle could not save its progress") {
		if _, cut := s.putBackCut.LoadOrStore(l.ID, struct{}{}); !cut {
			return fmt.Errorf("storage: advance post %s: %w", l.ID, driver.ErrBadConn)
		}
	}
	if st.Retry != nil || st.Fail != "" || s.cuts.Add(-1) < 0 {
		return s.Store.Advance(ctx, l, st)
	}
	s.cutPosts.Store(l.ID, struct{}{})
	if s.afterCommit {
		if err := s.Store.Advance(ctx, l, st); err != nil {
			return err
		}
	}
	return fmt.Errorf("storage: advance post %s: %w", l.ID, driver.ErrBadConn)
}

// TestUnsavedStepPutsThePostBackAtOnce: a step whose commit failed on a dropped connection
// must not leave its post leased until the lease expires (an hour here, a test timeout): the
// worker puts it back in the queue at once, and the next step finds from the committed state
// what Threads already has, so every post is still published exactly once. A put-back that
// meets a dropped connection too is tried again on another.
func TestUnsavedStepPutsThePostBackAtOnce(t *testing.T) {
	t.Parallel()
	const accounts = 4
	for _, tc := range []struct {
		name       string
		after      bool
		cutPutBack bool
	}{
		{"before commit", false, false},
		{"after commit", true, false},
		{"before commit, the put-back too", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &cuttingStore{afterCommit: tc.after, cutPutBack: tc.cutPutBack}
			store.cuts.Store(2 * accounts)
			obs := &countingObserver{}
			e := newEnv(t, envOptions{
				tweak: func(o *publisher.Options) { o.LeaseTTL, o.Observer = time.Hour, obs },
				store: func(db *storage.DB) publisher.Store { store.Store = db; return store },
			})
			media := mediaServer(t)
			var ids []string
			for i := range accounts {
				a := e.account(fmt.Sprintf("cut%d", i))
				var long strings.Builder // every part's text its own, for the ledger's count
				for j := range 30 {
					fmt.Fprintf(&long, "Sentence %d of thread %d, whose parts are saved one by one. ", j, i)
				}
				for _, np := range []storage.NewPost{
					{Text: fmt.Sprintf("text post %d", i)},
					{Text: long.String(), Thread: true},
					{Text: fmt.Sprintf("image post %d", i), Media: []storage.Media{{Kind: "image", URL: media.URL + "/img.png"}}},
				} {
					np.AccountID = a.ID
					ids = append(ids, e.enqueue(np).ID)
				}
			}
			for _, p := range e.kit.Finish(ids...) {
				if p.State != storage.StatePosted {
					t.Errorf("post %s ended %s (%q), want posted", p.ID, p.State, p.LastError)
				}
			}
			if left := store.cuts.Load(); left > 0 {
				t.Fatalf("%d cuts were never made: the test did not exercise what it means to", left)
			}
			if n, want := count(&store.putBackCut), count(&store.cutPosts); tc.cutPutBack && (n != want || n == 0) {
				t.Fatalf("%d put-backs were cut, want one per post with a cut step (%d)", n, want)
			}
			for text, n := range ledgerByText(e.sim.Ledger()) {
				if n != 1 {
					t.Errorf("%q published %d times, want once", text, n)
				}
			}
			if got := len(e.sim.Ledger()); got < 3*accounts {
				t.Errorf("the simulator holds %d posts, want at least %d", got, 3*accounts)
			}
			if !tc.after {
				// Nothing was written: each cut step was retried, counted as a transient failure.
				if n := obs.get("retried:transient"); n < 2*accounts {
					t.Errorf("retried{class=transient} = %d, want at least %d (one per cut step)", n, 2*accounts)
				}
			}
		})
	}
}
