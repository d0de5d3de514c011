package publisher_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// count tallies the account's posts by state.
func (e *env) count(accountID int64) map[storage.State]int {
	e.t.Helper()
	ps, err := e.db.List(context.Background(), storage.ListFilter{AccountID: accountID, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[storage.State]int{}
	for _, p := range ps {
		m[p.State]++
	}
	return m
}

func (e *env) drainOnce() {
	e.t.Helper()
	if err := e.pub.Drain(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	if err := e.pub.Deliver(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// settle drains until what is due now has gone out: each post is created, then published
// once its container is ready, a few short steps of the manual clock apart. An account's
// posts go one after another (one container in flight per account), so it drains until
// four rounds in a row changed no post's state.
func (e *env) settle(clock *threadstest.ManualClock) {
	e.t.Helper()
	e.settleBy(clock, 5*time.Millisecond)
}

// settleBy is settle with the clock moving step between rounds.
func (e *env) settleBy(clock *threadstest.ManualClock, step time.Duration) {
	e.t.Helper()
	var last []storage.PostCount
	for still := 0; still < 4; {
		e.drainOnce()
		clock.Advance(step)
		counts, err := e.db.PostCounts(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if slices.Equal(counts, last) {
			still++
		} else {
			still = 0
		}
		last = counts
	}
}

func TestQuotaHoldsPostsUntilTheWindowMoves(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now})
	a := e.account("busy")
	start := clock.Now()
	for i := range 260 {
		e.enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprintf("post %d", i)})
	}
	settle := func() { e.settle(clock) }
	settle()
	if got := e.count(a.ID); got[storage.StatePosted] != 250 || got[storage.StateQueued] != 10 || got[storage.StateFailed] != 0 {
		t.Fatalf("after the first drain: %v, want 250 posted and 10 queued", got)
	}
	if n := len(e.sim.Ledger()); n != 250 {
		t.Fatalf("simulator published %d", n)
	}
	delayed := 0
	for _, ev := range e.note.all() {
		if ev.Kind == publisher.EventDelayed {
			delayed++
			if want := start.Add(24 * time.Hour); ev.Until.Before(want) || ev.Until.After(want.Add(time.Second)) {
				t.Errorf("delayed until %v, want just after %v", ev.Until, want)
			}
		}
	}
	if delayed != 10 {
		t.Errorf("%d delayed events, want 10 (one per waiting post)", delayed)
	}

	clock.Advance(23 * time.Hour)
	settle()
	if got := e.count(a.ID); got[storage.StatePosted] != 250 {
		t.Fatalf("an hour before the window moves: %v", got)
	}
	clock.Advance(time.Hour + time.Second)
	settle()
	if got := e.count(a.ID); got[storage.StatePosted] != 260 || got[storage.StateFailed] != 0 {
		t.Fatalf("after the window moved: %v, want all 260 posted", got)
	}
	if n := len(e.sim.Ledger()); n != 260 {
		t.Errorf("simulator published %d", n)
	}
	if delayed := e.note.count(publisher.EventDelayed); delayed != 10 {
		t.Errorf("%d delayed events in all, want 10", delayed)
	}
}

func TestQuotaUsedByOtherAppsIsReconciled(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now})
	a := e.account("shared")
	e.sim.InjectUsage(e.users[a.ID], threadstest.QuotaPosts, 100) // another app posted 100 today
	for i := range 200 {
		e.enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprintf("shared %d", i)})
	}
	e.settleBy(clock, time.Minute) // backoffs and rechecks pass with the clock
	got := e.count(a.ID)
	if got[storage.StatePosted] != 150 || got[storage.StateFailed] != 0 || got[storage.StateQueued] != 50 {
		t.Fatalf("got %v, want 150 posted and 50 waiting", got)
	}
	clock.Advance(24 * time.Hour)
	e.settleBy(clock, time.Minute)
	if got := e.count(a.ID); got[storage.StatePosted] != 200 {
		t.Fatalf("after a day: %v", got)
	}
	if n := len(e.sim.Ledger()); n != 200 {
		t.Errorf("simulator published %d", n)
	}
}

// TestQuotaNoticeTellsEachPostItsOwnTime: three posts wait for a full quota whose uses leave
// the window ten minutes apart; each notice names the slot that post will take, where all
// three used to name the first.
func TestQuotaNoticeTellsEachPostItsOwnTime(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now,
		tweak: func(o *publisher.Options) { o.Limits.Posts = 3 }})
	a := e.account("busy")
	start := clock.Now()
	for i := range 3 {
		e.enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprintf("early %d", i)})
		e.settle(clock) // published within 20 ms of the manual clock
		clock.Advance(10*time.Minute - 20*time.Millisecond)
	}
	for i := range 3 {
		e.enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprintf("late %d", i)})
	}
	e.drainOnce()
	var got []time.Time
	for _, ev := range e.note.all() {
		if ev.Kind == publisher.EventDelayed {
			got = append(got, ev.Until.Truncate(time.Second))
			want := fmt.Sprintf("the post will go out at %s", ev.Until.UTC().Format("2006-01-02 15:04 MST"))
			if !strings.HasSuffix(ev.Reason, want) {
				t.Errorf("reason %q does not end with %q", ev.Reason, want)
			}
		}
	}
	slices.SortFunc(got, time.Time.Compare)
	want := []time.Time{start.Add(24 * time.Hour), start.Add(24*time.Hour + 10*time.Minute), start.Add(24*time.Hour + 20*time.Minute)}
	for i := range want {
		want[i] = want[i].Truncate(time.Second)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("notices say %v, want %v", got, want)
	}
	// And the posts do go out at those times.
	clock.Advance(24*time.Hour - 30*time.Minute + time.Second)
	e.settle(clock)
	if c := e.count(a.ID); c[storage.StatePosted] != 4 {
		t.Fatalf("after the first slot: %v, want 4 posted", c)
	}
	clock.Advance(20 * time.Minute)
	e.settle(clock)
	if c := e.count(a.ID); c[storage.StatePosted] != 6 {
		t.Fatalf("after the last slot: %v, want 6 posted", c)
	}
}

// TestQuotaConfiguredLowerHoldsPostsBack: an operator who keeps headroom for the Threads app
// (SPINDLE_QUOTA_POSTS=5) gets five posts out of twelve, the rest wait for the window with a
// delayed notice, and Meta's 250 never comes into it.
func TestQuotaConfiguredLowerHoldsPostsBack(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now,
		tweak: func(o *publisher.Options) { o.Limits = publisher.Limits{Posts: 5} }})
	a := e.account("careful")
	for i := range 12 {
		e.enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprintf("careful %d", i)})
	}
	e.settle(clock)
	if got := e.count(a.ID); got[storage.StatePosted] != 5 || got[storage.StateQueued] != 7 || got[storage.StateFailed] != 0 {
		t.Fatalf("got %v, want 5 posted and 7 waiting under a limit of 5", got)
	}
	if n := len(e.sim.Ledger()); n != 5 {
		t.Errorf("simulator published %d, want 5", n)
	}
	if delayed := e.note.count(publisher.EventDelayed); delayed != 7 {
		t.Errorf("%d delayed events, want 7 (one per waiting post)", delayed)
	}
	clock.Advance(24*time.Hour + time.Second)
	e.settle(clock)
	if got := e.count(a.ID); got[storage.StatePosted] != 10 || got[storage.StateQueued] != 2 {
		t.Fatalf("after the window moved: %v, want 10 posted and 2 waiting", got)
	}
}

func TestLimitsOrMetaFillsOnlyZeroFields(t *testing.T) {
	t.Parallel()
	got := publisher.Limits{Replies: 7}.OrMeta()
	if want := (publisher.Limits{Posts: 250, Replies: 7, Deletes: 100}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestQuotaNoticeTellsEachKindItsOwnTime: two posts wait for a full post quota and a reply
// waits for a full reply quota; the reply is told when its own quota frees (the first reply's
// slot), not the third reply's, as when the two posts waiting for the other quota counted as
// ahead of it.
func TestQuotaNoticeTellsEachKindItsOwnTime(t *testing.T) {
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now,
		tweak: func(o *publisher.Options) { o.Limits.Posts, o.Limits.Replies = 2, 3 }})
	a := e.account("mixed")
	start := clock.Now()
	step := func(np storage.NewPost) storage.Post {
		p := e.enqueue(np)
		e.settle(clock)
		clock.Advance(10*time.Minute - 20*time.Millisecond)
		if got := e.get(p.ID); got.State != storage.StatePosted {
			t.Fatalf("%q is %s: %s", np.Text, got.State, got.LastError)
		}
		return e.get(p.ID)
	}
	parent := step(storage.NewPost{AccountID: a.ID, Text: "parent"})                   // post slot at +0
	step(storage.NewPost{AccountID: a.ID, Text: "reply 1", ReplyToID: parent.MediaID}) // reply slot at +10m
	step(storage.NewPost{AccountID: a.ID, Text: "second"})                             // post slot at +20m
	step(storage.NewPost{AccountID: a.ID, Text: "reply 2", ReplyToID: parent.MediaID}) // reply slot at +30m
	step(storage.NewPost{AccountID: a.ID, Text: "reply 3", ReplyToID: parent.MediaID}) // reply slot at +40m
	late1 := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "late post 1"})
	late2 := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "late post 2"})
	lateReply := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "late reply", ReplyToID: parent.MediaID})
	e.settle(clock)
	got := map[string]time.Time{}
	for _, ev := range e.note.all() {
		if ev.Kind == publisher.EventDelayed {
			got[ev.PostID] = ev.Until.Truncate(time.Second)
			if ev.PostID == lateReply.ID && !strings.Contains(ev.Reason, "replies quota") {
				t.Errorf("the reply's notice %q does not name the replies quota", ev.Reason)
			}
		}
	}
	want := map[string]time.Time{
		late1.ID:     start.Add(24 * time.Hour).Truncate(time.Second),
		late2.ID:     start.Add(24*time.Hour + 20*time.Minute).Truncate(time.Second),
		lateReply.ID: start.Add(24*time.Hour + 10*time.Minute).Truncate(time.Second),
	}
	for id, w := range want {
		if !got[id].Equal(w) {
			t.Errorf("post %s was told %v, want %v (all notices: %v)", id, got[id], w, got)
		}
	}
}

// TestTheGateJudgesTheWindowByTheLedgersClock: a publisher whose clock runs two hours behind
// the database's counts the uses of the last 24 hours by the database's clock, which dated
// them. Judged by its own clock, the three posts of 24 hours ago (by the database) were still
// in its window: the fourth post was held until a time the database's clock had passed, and
// the drain leased it again at once, without end. A daemon gives its publisher the database's
// clock (storage.DB.Now); the gate does not rely on that.
func TestTheGateJudgesTheWindowByTheLedgersClock(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		clock := threadstest.NewManualClock(time.Time{})
		const limit = 3
		e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock, Quotas: threadstest.Quotas{Posts: limit}},
			now: clock.Now, tweak: func(o *publisher.Options) {
				o.Limits.Posts = limit
				o.Now = func() time.Time { return clock.Now().Add(-2 * time.Hour) }
			}})
		a := e.account("behind")
		for i := range limit {
			e.enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprintf("post %d", i)})
		}
		e.settle(clock)
		if got := e.count(a.ID); got[storage.StatePosted] != limit {
			t.Fatalf("first day: %v, want %d posted", got, limit)
		}

		clock.Advance(23 * time.Hour)
		late := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "one more"})
		e.settle(clock)
		if got := e.get(late.ID); got.State != storage.StateQueued {
			t.Fatalf("the fourth post, an hour before the window moves: %s, want queued", got.State)
		}
		// Drained under a deadline: on a gate that judged by the publisher's clock, the drain
		// never returned (the post held until a time already past, leased again at once).
		clock.Advance(time.Hour + time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for round := 0; e.get(late.ID).State != storage.StatePosted; round++ {
			if err := e.pub.Drain(ctx); err != nil || round == 50 {
				got := e.get(late.ID)
				t.Fatalf("the fourth post, after the window moved by the database's clock: %s (%s) after %d rounds (%v), want posted",
					got.State, got.LastError, round, err)
			}
			clock.Advance(5 * time.Millisecond)
		}
		if n := e.sim.QuotaRefusals(a.ThreadsUserID); n != 0 {
			t.Fatalf("Threads refused %d publishes over the quota", n)
		}
	})
}
