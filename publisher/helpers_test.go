package publisher_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// recorder is a Notifier that keeps what it was told.
type recorder struct {
	mu     sync.Mutex
	events []publisher.Event
	fail   int // fail this many calls first
}

func (r *recorder) Notify(_ context.Context, e publisher.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("chat is down")
	}
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) all() []publisher.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]publisher.Event(nil), r.events...)
}

// count is how many events of kind were recorded, for every post.
func (r *recorder) count(kind publisher.EventKind) int {
	n := 0
	for _, e := range r.all() {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func (r *recorder) kinds(postID string) []publisher.EventKind {
	var out []publisher.EventKind
	for _, e := range r.all() {
		if e.PostID == postID {
			out = append(out, e.Kind)
		}
	}
	return out
}

// env is a publisher wired to a simulator and a real database.
type env struct {
	t     testing.TB
	sim   *threadstest.Server
	db    *storage.DB
	pub   *publisher.Publisher
	note  *recorder
	opts  publisher.Options
	users map[int64]string // account id → simulator user id
	kit   *publishertest.Stack
}

type envOptions struct {
	sim   threadstest.Options
	now   func() time.Time
	tweak func(*publisher.Options)
	db    *storage.DB
	// store, when set, is the Store the publisher uses, made from the test's database (a
	// wrapper that counts or holds calls).
	store func(*storage.DB) publisher.Store
}

func fastOptions(o *publisher.Options) {
	publishertest.Fast(o)
	o.LeaseTTL = 10 * time.Second
}

// newEnv builds the publishing stack of publishertest around a recorder that hears every
// door's results, with eo's clock and tweaks.
func newEnv(t testing.TB, eo envOptions) *env {
	t.Helper()
	if eo.sim.Clock == nil && eo.now != nil {
		t.Fatal("pass the clock to both")
	}
	db := eo.db
	if db == nil {
		db = storagetest.Open(t, eo.now)
	}
	e := &env{t: t, db: db, note: &recorder{}, users: map[int64]string{}}
	o := publisher.Options{Now: eo.now, Notifiers: map[string]publisher.Notifier{"slack": e.note, "": e.note}}
	fastOptions(&o)
	if eo.tweak != nil {
		eo.tweak(&o)
	}
	if eo.store != nil {
		o.Store = eo.store(db)
	}
	if os.Getenv("PUBDEBUG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e.kit = publishertest.New(t, publishertest.Options{DB: db, Sim: eo.sim, Publisher: o})
	e.sim, e.pub, e.opts = e.kit.Sim, e.kit.Pub, e.kit.Opts
	return e
}

// account links a simulator user as a Spindle account.
func (e *env) account(name string) storage.Account {
	e.t.Helper()
	u := e.sim.AddUser(name)
	tok := e.sim.IssueToken(u.ID, threads.DefaultScopes()...)
	a, err := e.db.SaveAccount(context.Background(), storage.Account{ThreadsUserID: u.ID, Username: name,
		TokenSealed: []byte(tok), TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	e.users[a.ID] = u.ID
	return a
}

func (e *env) enqueue(np storage.NewPost) storage.Post {
	e.t.Helper()
	if np.Door == "" {
		np.Door = "slack"
	}
	p, _, err := e.db.Enqueue(context.Background(), np)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// drain runs the drain (and delivery) until every given post is posted or failed.
func (e *env) drain(ids ...string) {
	e.t.Helper()
	e.kit.Pub = e.pub // a test may have rebuilt the publisher
	e.kit.Finish(ids...)
}

func (e *env) terminal(ids []string) bool {
	for _, id := range ids {
		p, err := e.db.Get(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if p.State != storage.StatePosted && p.State != storage.StateFailed {
			return false
		}
	}
	return true
}

func (e *env) get(id string) storage.Post {
	e.t.Helper()
	p, err := e.db.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// startJobs runs the publisher's jobs on a scheduler of their own, as the daemon does, until
// the test ends.
func (e *env) startJobs() {
	e.t.Helper()
	s, err := publisher.NewScheduler(publisher.SchedulerOptions{StopTimeout: time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.pub.Register(s); err != nil {
		e.t.Fatal(err)
	}
	s.Start()
	e.t.Cleanup(func() { s.Shutdown() })
}

// mediaServer is threadstest's media host, closed when the test ends.
func mediaServer(t testing.TB) *httptest.Server {
	srv := threadstest.NewMediaHost()
	t.Cleanup(srv.Close)
	return srv
}

// ledgerByText counts the simulator's published posts by text.
func ledgerByText(l []threadstest.Published) map[string]int {
	m := map[string]int{}
	for _, p := range l {
		m[p.Text]++
	}
	return m
}
