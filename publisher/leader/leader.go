// Package leader elects one replica among those sharing a database to run the work that must
// happen once: the periodic singleton jobs (through gocron's WithDistributedElector, which
// calls IsLeader before each run) and long-lived loops such as Telegram long polling, which
// allows one poller per bot (WhileLeader). The term lives in storage's leader table, judged by
// the database's clock; a leader renews every third of the term and stops acting as leader by
// its own clock before the database would hand the term to another replica.
package leader

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Store keeps the terms; *storage.DB implements it.
type Store interface {
	ElectLeader(ctx context.Context, name, id string, ttl time.Duration) (bool, error)
	ResignLeader(ctx context.Context, name, id string) error
}

// ErrNotLeader is IsLeader's answer on a replica that does not lead.
var ErrNotLeader = errors.New("leader: this replica is not the leader")

// DefaultTTL is a term when Options.TTL is zero: a dead leader's jobs move to another replica
// within about this long (plus a third, the followers' retry interval).
const DefaultTTL = 15 * time.Second

// Options configure New.
type Options struct {
	Store Store
	// Name names the term in the leader table ["scheduler"].
	Name string
	// TTL is a term's length [DefaultTTL].
	TTL time.Duration
	// Clock drives renewals and the local end of a term; nil means the real clock.
	Clock  clockwork.Clock
	Logger *slog.Logger
	// ID names this replica in the table; empty means a random one (a restarted replica is a
	// new candidate: it must not inherit a term it cannot know it still holds).
	ID string
}

// Elector is one replica's candidacy. Run keeps it going; IsLeader, Leading and WhileLeader
// read it.
type Elector struct {
	o     Options
	guard time.Duration // how much sooner than the database this replica ends its own term

	mu      sync.Mutex
	until   time.Time     // by o.Clock; zero when not leading
	changed chan struct{} // closed and replaced whenever until is set
	running sync.WaitGroup
}

// New returns a candidate that leads nothing until Run wins a term.
func New(o Options) *Elector {
	if o.Name == "" {
		o.Name = "scheduler"
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ID == "" {
		var b [8]byte
		rand.Read(b[:])
		o.ID = hex.EncodeToString(b[:])
	}
	return &Elector{o: o, guard: o.TTL / 5, changed: make(chan struct{})}
}

// ID is this replica's name in the leader table.
func (e *Elector) ID() string { return e.o.ID }

// Run stands for election at once and then every third of the term until ctx ends: the
// leader renews, the others take over a term that has expired. It returns when ctx ends
// without resigning (a replica killed outright does not either); call Resign after it on a
// clean shutdown so another replica takes over at its next try rather than after the term.
func (e *Elector) Run(ctx context.Context) {
	every := e.o.TTL / 3
	for {
		e.Try(ctx)
		t := e.o.Clock.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.Chan():
		}
	}
}

// Try takes or renews the term once and reports whether this replica leads; Run calls it
// every third of the term. The local term is counted from before the statement was
// sent, so it ends no later than the database's (which started when the statement ran), and
// a fifth of the term sooner still, for work it cancels to notice.
func (e *Elector) Try(ctx context.Context) bool {
	start := e.o.Clock.Now()
	ok, err := e.o.Store.ElectLeader(ctx, e.o.Name, e.o.ID, e.o.TTL)
	if err != nil {
		if ctx.Err() == nil {
			// Keep what we had: a term still running ends on its own by the local clock.
			e.o.Logger.Warn("leader election failed; will try again", slog.Any("error", err))
		}
		return e.Leading()
	}
	was := e.Leading()
	if ok {
		e.set(start.Add(e.o.TTL - e.guard))
	} else {
		e.set(time.Time{})
	}
	switch {
	case ok && !was:
		e.o.Logger.Info("this replica is now the leader: it runs the singleton jobs", slog.String("leader_id", e.o.ID))
	case !ok && was:
		e.o.Logger.Warn("this replica lost the leadership", slog.String("leader_id", e.o.ID))
	}
	return ok
}

func (e *Elector) set(until time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.until = until
	close(e.changed)
	e.changed = make(chan struct{})
}

// state is the current term's local end and a channel closed at the next change.
func (e *Elector) state() (time.Time, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.until, e.changed
}

// Leading reports whether this replica leads now.
func (e *Elector) Leading() bool {
	until, _ := e.state()
	return e.o.Clock.Now().Before(until)
}

// IsLeader implements gocron's Elector: nil on the leader, ErrNotLeader elsewhere.
func (e *Elector) IsLeader(context.Context) error {
	if e.Leading() {
		return nil
	}
	return ErrNotLeader
}

// WhileLeader runs fn whenever this replica becomes the leader, with a context that ends when
// it stops leading (its term ran out unrenewed, another replica took it, or Resign), and again
// at the next term. It returns when ctx ends, once fn has returned.
func (e *Elector) WhileLeader(ctx context.Context, fn func(context.Context)) {
	for {
		if !e.awaitLeading(ctx) {
			return
		}
		e.running.Add(1)
		fctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); fn(fctx) }()
		e.awaitNotLeading(ctx)
		cancel()
		<-done
		e.running.Done()
	}
}

// Term returns a context that ends, with ErrNotLeader as its cause, when this replica's
// current term does: not renewed in time by its own clock (the database out of reach),
// taken by another replica, or resigned. If this replica does not lead, it has ended
// already. gocron asks IsLeader only before a singleton job runs; a run under Term stops a
// fifth of a term before the database could hand the same job to another replica, so a
// long run on a leader cut off from the database never overlaps the next leader's. Call
// the CancelFunc when the run returns.
func (e *Elector) Term(ctx context.Context) (context.Context, context.CancelFunc) {
	tctx, cancel := context.WithCancelCause(ctx)
	go func() {
		e.awaitNotLeading(tctx)
		cancel(ErrNotLeader)
	}()
	return tctx, func() { cancel(context.Canceled) }
}

// awaitLeading waits until this replica leads; false when ctx ended first.
func (e *Elector) awaitLeading(ctx context.Context) bool {
	for {
		// ctx first: a replica shutting down while its term still runs (Run not yet stopped)
		// would otherwise start fn, see it return at once, and start it again, in a loop.
		if ctx.Err() != nil {
			return false
		}
		_, changed := e.state()
		if e.Leading() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-changed:
		}
	}
}

// awaitNotLeading waits until this replica's term ends, or ctx does.
func (e *Elector) awaitNotLeading(ctx context.Context) {
	for {
		until, changed := e.state()
		left := until.Sub(e.o.Clock.Now())
		if left <= 0 {
			return
		}
		t := e.o.Clock.NewTimer(left)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-changed:
		case <-t.Chan():
		}
		t.Stop()
	}
}

// Resign ends this replica's term: it stops leading at once, waits (within ctx) for the work
// WhileLeader started to return, and then frees the term in the database so another replica
// takes over at its next try. Call it after Run returned.
func (e *Elector) Resign(ctx context.Context) error {
	e.set(time.Time{})
	done := make(chan struct{})
	go func() { e.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return e.o.Store.ResignLeader(ctx, e.o.Name, e.o.ID)
}

// Always is the elector of a process that is alone on its database (SQLite: one daemon per
// data dir, enforced by the data dir lock): it always leads.
type Always struct{}

// IsLeader implements gocron's Elector.
func (Always) IsLeader(context.Context) error { return nil }

// WhileLeader runs fn until ctx ends.
func (Always) WhileLeader(ctx context.Context, fn func(context.Context)) { fn(ctx) }

// Term is ctx: a process alone on its database leads for as long as it runs.
func (Always) Term(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}
