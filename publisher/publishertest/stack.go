package publishertest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// Clock is a test clock the stack may move: storagetest.Clock and threadstest.ManualClock.
type Clock interface {
	Now() time.Time
	Advance(d time.Duration)
}

// Options configure New. Every field may be left zero.
type Options struct {
	// DB is the store; nil opens a fresh one (storagetest.Open) on the stack's clock.
	DB *storage.DB
	// Clock, when set, is the clock of the store New opens, of the publisher and of the
	// simulator (unless Sim.Clock is set), and Run moves it to each next due time instead of
	// waiting: the stack then never waits for real time.
	Clock Clock
	// Sim configures the simulator.
	Sim threadstest.Options
	// Server is a simulator the test started itself, used instead of starting one from Sim.
	Server *threadstest.Server
	// Publisher is the publisher's configuration. Store, API, Tokens, Now and Signals are
	// filled in when zero; when Delays and Retry are both zero they get Fast's.
	Publisher publisher.Options
}

// Stack is a database, the Threads simulator and a publisher draining the one to the other.
type Stack struct {
	t       testing.TB
	DB      *storage.DB
	Sim     *threadstest.Server
	Pub     *publisher.Publisher
	Opts    publisher.Options // as the publisher was built
	Signals *publisher.TestSignals
	clock   Clock
}

// Fast sets the delays and retry budget that let a test publish within milliseconds.
func Fast(o *publisher.Options) {
	o.Delays = publisher.Delays{TextCheck: 2 * time.Millisecond, MediaCheck: 5 * time.Millisecond,
		StatusPoll: 5 * time.Millisecond, NotReadyWait: 5 * time.Millisecond}
	o.Retry = publisher.Retry{Base: 2 * time.Millisecond, Max: 20 * time.Millisecond, MaxAttempts: 30}
}

// New builds the stack; the simulator closes when the test ends.
func New(t testing.TB, o Options) *Stack {
	t.Helper()
	var now func() time.Time
	if o.Clock != nil {
		now = o.Clock.Now
		if o.Sim.Clock == nil {
			o.Sim.Clock = o.Clock
		}
	}
	sim := o.Server
	if sim == nil {
		sim = threadstest.NewServer(o.Sim)
		t.Cleanup(sim.Close)
	}
	db := o.DB
	if db == nil {
		db = storagetest.Open(t, now)
	}
	po := o.Publisher
	if po.Store == nil {
		po.Store = db
	}
	if po.API == nil {
		po.API = threads.New(threads.Options{BaseURL: sim.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	}
	if po.Tokens == nil {
		po.Tokens = Tokens{db}
	}
	if po.Now == nil {
		po.Now = now
	}
	if po.Delays == (publisher.Delays{}) && po.Retry == (publisher.Retry{}) {
		fast := publisher.Options{}
		Fast(&fast)
		po.Delays, po.Retry = fast.Delays, fast.Retry
	}
	if po.Signals == nil {
		po.Signals = &publisher.TestSignals{}
		po.Signals.Init()
	}
	return &Stack{t: t, DB: db, Sim: sim, Pub: publisher.New(po), Opts: po, Signals: po.Signals, clock: o.Clock}
}

// Account links a new simulator user as an active account whose token has scopes (every
// default scope when none is given).
func (s *Stack) Account(name string, scopes ...string) storage.Account {
	s.t.Helper()
	if len(scopes) == 0 {
		scopes = threads.DefaultScopes()
	}
	u := s.Sim.AddUser(name)
	a, err := s.DB.SaveAccount(context.Background(), storage.Account{ThreadsUserID: u.ID, Username: name,
		TokenSealed: []byte(s.Sim.IssueToken(u.ID, scopes...)), TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour)})
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// Enqueue queues a post.
func (s *Stack) Enqueue(np storage.NewPost) storage.Post {
	s.t.Helper()
	p, _, err := s.DB.Enqueue(context.Background(), np)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// Run drains the queue and delivers the results until done holds, failing the test with
// what if it does not within the wait of testsignal (30 s).
//
// Between rounds it waits for the queue's next due time, which the publisher chose (a status
// check a few milliseconds on, a backoff): with a Clock it moves the clock there at once; on
// real time it waits for it, at most 10 ms a round. It never waits on done itself.
func (s *Stack) Run(what string, done func() bool) {
	s.t.Helper()
	s.run(what, true, done)
}

// RunDrain is Run without delivering results: the drain alone (a benchmark of it).
func (s *Stack) RunDrain(what string, done func() bool) {
	s.t.Helper()
	s.run(what, false, done)
}

func (s *Stack) run(what string, deliver bool, done func() bool) {
	s.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := s.Pub.Drain(ctx); err != nil {
			s.t.Fatal(err)
		}
		if deliver {
			if err := s.Pub.Deliver(ctx); err != nil {
				s.t.Fatal(err)
			}
		}
		if done() {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("publishing: %s: not within 30 s", what)
		}
		s.untilNextDue(ctx)
	}
}

// roundWait caps the wait between rounds: a post due later than this (scheduled for
// tomorrow) is not what a round waits for, and an outbox retry has no due time in NextDue.
const roundWait = 10 * time.Millisecond

// untilNextDue moves the clock to, or waits for, the queue's next due time, at most roundWait.
func (s *Stack) untilNextDue(ctx context.Context) {
	now := time.Now
	if s.Opts.Now != nil {
		now = s.Opts.Now
	}
	wait := roundWait
	if at, ok, err := s.DB.NextDue(ctx); err != nil {
		s.t.Fatal(err)
	} else if ok {
		wait = min(max(at.Sub(now()), time.Millisecond), roundWait)
	}
	if s.clock != nil {
		s.clock.Advance(wait)
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	<-t.C
}

// Finish runs until every post of ids is posted or failed, and returns them as they ended.
func (s *Stack) Finish(ids ...string) []storage.Post {
	s.t.Helper()
	out := make([]storage.Post, len(ids))
	s.Run("posts "+joinIDs(ids)+" posted or failed", func() bool {
		for i, id := range ids {
			p, err := s.DB.Get(context.Background(), id)
			if err != nil {
				s.t.Fatal(err)
			}
			if p.State != storage.StatePosted && p.State != storage.StateFailed {
				return false
			}
			out[i] = p
		}
		return true
	})
	return out
}

func joinIDs(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		s += id
	}
	return s
}
