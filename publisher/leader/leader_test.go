package leader_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/spindle-threads/spindle/publisher/leader"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// The electors run against both engines: SQLite, and PostgreSQL when
// SPINDLE_TEST_DATABASE_URL is set (CI sets it), which is where replicas really meet.
func TestMain(m *testing.M) { os.Exit(storagetest.RunDialects(m)) }

// candidate is one replica's elector, running until killed.
type candidate struct {
	e    *leader.Elector
	kill context.CancelFunc
	done chan struct{}
}

func start(t *testing.T, db *storage.DB, o leader.Options) *candidate {
	t.Helper()
	o.Store = db
	e := leader.New(o)
	ctx, cancel := context.WithCancel(context.Background())
	c := &candidate{e: e, kill: cancel, done: make(chan struct{})}
	go func() { defer close(c.done); e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-c.done })
	return c
}

// die stops a candidate as SIGKILL would: no resignation, its term left to expire.
func (c *candidate) die() { c.kill(); <-c.done }

func leaders(cs []*candidate) []int {
	var out []int
	for i, c := range cs {
		if c != nil && c.e.Leading() {
			out = append(out, i)
		}
	}
	return out
}

// TestFailoverWithinTermOnFakeClock: three replicas on one database, one leads; killed without
// resigning, another takes over once its term has expired by the database's clock, never
// before, and never are two leading at once.
func TestFailoverWithinTermOnFakeClock(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Unix(1_800_000_000, 0))
	db := storagetest.Open(t, clock.Now)
	const ttl = 30 * time.Second
	cs := make([]*candidate, 3)
	for i := range cs {
		cs[i] = start(t, storagetest.Reopen(t, db, clock.Now), leader.Options{TTL: ttl, Clock: clock})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Each Run tried once and waits on its timer.
	if err := clock.BlockUntilContext(ctx, 3); err != nil {
		t.Fatal(err)
	}
	first := leaders(cs)
	if len(first) != 1 {
		t.Fatalf("leaders after the first round: %v, want exactly one", first)
	}
	old := first[0]
	cs[old].die()
	alive := 2

	// Followers try every ttl/3; the dead leader's term ends ttl after it was last renewed.
	for step := 1; step <= 3; step++ {
		clock.Advance(ttl / 3)
		if err := clock.BlockUntilContext(ctx, alive); err != nil {
			t.Fatal(err)
		}
		now := leaders(cs)
		if len(now) > 1 {
			t.Fatalf("step %d: leaders %v at once", step, now)
		}
		switch {
		case step < 3 && (len(now) != 1 || now[0] != old) && step*int(ttl/3) < int(ttl-ttl/5):
			t.Fatalf("step %d (%v after the last renewal): leaders %v, want the dead one's term still running", step, time.Duration(step)*ttl/3, now)
		case step == 3 && (len(now) != 1 || now[0] == old):
			t.Fatalf("a full term after the leader died: leaders %v, want one of the others", now)
		}
	}
	// The new leader renews: still the same one two terms later.
	next := leaders(cs)[0]
	for i := 0; i < 6; i++ {
		clock.Advance(ttl / 3)
		if err := clock.BlockUntilContext(ctx, alive); err != nil {
			t.Fatal(err)
		}
		if now := leaders(cs); len(now) != 1 || now[0] != next {
			t.Fatalf("renewal %d: leaders %v, want %d still", i, now, next)
		}
	}
}

// TestResignHandsOverAtNextTry: a replica shutting down cleanly frees its term, so another
// takes over at its next try (a third of the term), not a whole term later.
func TestResignHandsOverAtNextTry(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Unix(1_800_000_000, 0))
	db := storagetest.Open(t, clock.Now)
	const ttl = 30 * time.Second
	cs := []*candidate{
		start(t, storagetest.Reopen(t, db, clock.Now), leader.Options{TTL: ttl, Clock: clock}),
		start(t, storagetest.Reopen(t, db, clock.Now), leader.Options{TTL: ttl, Clock: clock}),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, 2); err != nil {
		t.Fatal(err)
	}
	l := leaders(cs)
	if len(l) != 1 {
		t.Fatalf("leaders %v, want one", l)
	}
	cs[l[0]].die()
	if err := cs[l[0]].e.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if cs[l[0]].e.Leading() {
		t.Fatal("still leading after Resign")
	}
	clock.Advance(ttl / 3)
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if now := leaders(cs); len(now) != 1 || now[0] == l[0] {
		t.Fatalf("a third of a term after the leader resigned: leaders %v, want the other", now)
	}
}

// TestNeverTwoLeadersUnderChurn runs many replicas on the real clock with a short term, each
// running a singleton (as Telegram long polling is) under WhileLeader, and kills the leader
// again and again without resigning, or with: the singleton never runs twice at once, and
// always comes back within a couple of terms. Run it with -race.
func TestNeverTwoLeadersUnderChurn(t *testing.T) {
	db := storagetest.Open(t, nil)
	const (
		n     = 6
		ttl   = 400 * time.Millisecond
		kills = 6
	)
	var active, overlaps, runs atomic.Int32
	singleton := func(ctx context.Context) {
		if active.Add(1) > 1 {
			overlaps.Add(1)
		}
		runs.Add(1)
		<-ctx.Done()
		active.Add(-1)
	}
	var wg sync.WaitGroup
	bg, stopAll := context.WithCancel(context.Background())
	defer func() { stopAll(); wg.Wait() }()
	spawn := func() *candidate {
		c := start(t, storagetest.Reopen(t, db, nil), leader.Options{TTL: ttl})
		wg.Add(1)
		go func() { defer wg.Done(); c.e.WhileLeader(bg, singleton) }()
		return c
	}
	cs := make([]*candidate, n)
	for i := range cs {
		cs[i] = spawn()
	}
	tick := time.NewTicker(5 * time.Millisecond) // polling observable state under a deadline
	defer tick.Stop()
	for k := 0; k < kills; k++ {
		// Wait on observable state: one replica leading and its singleton running.
		deadline := time.Now().Add(4 * ttl)
		var l []int
		for {
			l = leaders(cs)
			if len(l) == 1 && active.Load() == 1 {
				break
			}
			if len(l) > 1 {
				t.Fatalf("kill %d: leaders %v at once", k, l)
			}
			if time.Now().After(deadline) {
				t.Fatalf("kill %d: no leader with its singleton running within %v (leaders %v, active %d)", k, 4*ttl, l, active.Load())
			}
			<-tick.C
		}
		victim := cs[l[0]]
		victim.die()
		if k%2 == 1 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := victim.e.Resign(ctx); err != nil {
				t.Fatalf("resign: %v", err)
			}
			cancel()
		}
		cs[l[0]] = spawn() // the replica restarts as a new candidate
	}
	if o := overlaps.Load(); o != 0 {
		t.Fatalf("the singleton ran on two replicas at once %d times", o)
	}
	if r := runs.Load(); r < kills {
		t.Fatalf("the singleton started %d times over %d kills", r, kills)
	}
}

func TestAlwaysLeads(t *testing.T) {
	var a leader.Always
	if err := a.IsLeader(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { <-ran; cancel() }()
	a.WhileLeader(ctx, func(context.Context) { close(ran) })
}

// TestWhileLeaderStopsWithItsContext: the leader's WhileLeader returns once its context ends,
// though its term still runs (Run not stopped yet, as at shutdown), having run fn once. It
// once started fn again and again until the term ran out.
func TestWhileLeaderStopsWithItsContext(t *testing.T) {
	c := start(t, storagetest.Open(t, nil), leader.Options{TTL: time.Minute})
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.e.WhileLeader(ctx, func(ctx context.Context) {
			if runs.Add(1) == 1 {
				started <- struct{}{}
			}
			<-ctx.Done()
		})
	}()
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("WhileLeader still running 10s after its context ended (fn started %d times)", runs.Load())
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("fn started %d times, want once", n)
	}
	if !c.e.Leading() {
		t.Fatal("the term ended: the test no longer shows WhileLeader stopping while it leads")
	}
}

// partition is a Store the test can cut off from the database, as a network partition
// would cut off one replica while the others still reach it.
type partition struct {
	leader.Store
	cut atomic.Bool
}

func (p *partition) ElectLeader(ctx context.Context, name, id string, ttl time.Duration) (bool, error) {
	if p.cut.Load() {
		return false, errors.New("dial tcp 10.0.0.5:5432: connect: no route to host")
	}
	return p.Store.ElectLeader(ctx, name, id, ttl)
}

// TestTermEndsBeforeTheDatabaseHandsItOn: a leader cut off from the database keeps its term
// by its own clock while renewals fail; a run under Term ends (cause ErrNotLeader) while the
// database still refuses the term to others, so that run never overlaps the next leader's.
// gocron asks IsLeader only before a run: without Term, a long run went on past the term.
func TestTermEndsBeforeTheDatabaseHandsItOn(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Unix(1_800_000_000, 0))
	db := storagetest.Open(t, clock.Now)
	const ttl = 30 * time.Second
	p := &partition{Store: db}
	e := leader.New(leader.Options{Store: p, TTL: ttl, Clock: clock, ID: "cut-off"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { defer close(ran); e.Run(runCtx) }()
	defer func() { stop(); <-ran }()
	if err := clock.BlockUntilContext(ctx, 1); err != nil { // Run's timer
		t.Fatal(err)
	}
	if !e.Leading() {
		t.Fatal("alone on the database, the replica does not lead")
	}
	job, end := e.Term(ctx)
	defer end()
	if err := clock.BlockUntilContext(ctx, 2); err != nil { // and Term's
		t.Fatal(err)
	}

	p.cut.Store(true)
	for i := 1; i <= 2; i++ { // two failed renewals: the term still runs by the local clock
		clock.Advance(ttl / 3)
		if err := clock.BlockUntilContext(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if job.Err() != nil {
			t.Fatalf("the run ended %v into a term of %v", time.Duration(i)*ttl/3, ttl)
		}
	}
	clock.Advance(ttl - ttl/5 - 2*ttl/3) // to the local end of the term
	select {
	case <-job.Done():
	case <-ctx.Done():
		t.Fatalf("the run still goes on %v into a term of %v, renewals failing", ttl-ttl/5, ttl)
	}
	if c := context.Cause(job); !errors.Is(c, leader.ErrNotLeader) {
		t.Fatalf("the run ended with cause %v, want ErrNotLeader", c)
	}
	// The run has ended, and the database has not yet handed the term on.
	if ok, err := db.ElectLeader(ctx, "scheduler", "next", ttl); err != nil || ok {
		t.Fatalf("another replica got the term %v after the last renewal: %v, %v", ttl-ttl/5, ok, err)
	}
	clock.Advance(ttl / 5)
	if ok, err := db.ElectLeader(ctx, "scheduler", "next", ttl); err != nil || !ok {
		t.Fatalf("another replica did not get the term once it expired: %v, %v", ok, err)
	}
}

// TestTermEndsWhenNotLeading: a follower's term has ended already; a leader's ends when it
// resigns.
func TestTermEndsWhenNotLeading(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db := storagetest.Open(t, nil)
	l := leader.New(leader.Options{Store: db, TTL: time.Minute})
	f := leader.New(leader.Options{Store: db, TTL: time.Minute})
	if !l.Try(ctx) || f.Try(ctx) {
		t.Fatal("want the first candidate leading and the second not")
	}
	fjob, fend := f.Term(ctx)
	defer fend()
	select {
	case <-fjob.Done():
	case <-ctx.Done():
		t.Fatal("a follower's term is still running")
	}
	ljob, lend := l.Term(ctx)
	defer lend()
	if ljob.Err() != nil {
		t.Fatalf("the leader's run ended at once: %v", context.Cause(ljob))
	}
	if err := l.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ljob.Done():
	case <-ctx.Done():
		t.Fatal("the leader's run goes on after it resigned")
	}
	if c := context.Cause(ljob); !errors.Is(c, leader.ErrNotLeader) {
		t.Fatalf("cause %v, want ErrNotLeader", c)
	}
}
