package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// tokens is the test TokenSource: the token is kept in clear in TokenSealed (the accounts
// package seals it for real).
type tokens struct{ db *storage.DB }

func (t tokens) Token(ctx context.Context, id int64) (string, string, error) {
	a, err := t.db.Account(ctx, id)
	if err != nil {
		return "", "", err
	}
	if a.Status != storage.AccountActive || len(a.TokenSealed) == 0 {
		return "", "", fmt.Errorf("account @%s: %w", a.Username, publisher.ErrNeedsReconnect)
	}
	return string(a.TokenSealed), a.ThreadsUserID, nil
}

func (t tokens) SaveRefreshed(ctx context.Context, id int64, token string, expires time.Time) error {
	a, err := t.db.Account(ctx, id)
	if err != nil {
		return err
	}
	a.TokenSealed, a.TokenExpiresAt, a.TokenRefreshedAt = []byte(token), expires, time.Now()
	_, err = t.db.SaveAccount(ctx, a)
	return err
}

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
}

type envOptions struct {
	sim   threadstest.Options
	now   func() time.Time
	tweak func(*publisher.Options)
	db    *storage.DB
}

func fastOptions(o *publisher.Options) {
	o.Delays = publisher.Delays{TextCheck: 2 * time.Millisecond, MediaCheck: 5 * time.Millisecond,
		StatusPoll: 5 * time.Millisecond, NotReadyWait: 5 * time.Millisecond}
	o.Retry = publisher.Retry{Base: 2 * time.Millisecond, Max: 20 * time.Millisecond, MaxAttempts: 30}
	o.LeaseTTL = 10 * time.Second
}

func newEnv(t testing.TB, eo envOptions) *env {
	t.Helper()
	sim := eo.sim
	if sim.Clock == nil && eo.now != nil {
		t.Fatal("pass the clock to both")
	}
	s := threadstest.NewServer(sim)
	t.Cleanup(s.Close)
	db := eo.db
	if db == nil {
		db = storagetest.Open(t, eo.now)
	}
	e := &env{t: t, sim: s, db: db, note: &recorder{}, users: map[int64]string{}}
	client := threads.New(threads.Options{BaseURL: s.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	e.opts = publisher.Options{Store: db, API: client, Tokens: tokens{db}, Now: eo.now,
		Notifiers: map[string]publisher.Notifier{"slack": e.note, "": e.note}}
	fastOptions(&e.opts)
	if eo.tweak != nil {
		eo.tweak(&e.opts)
	}
	if os.Getenv("PUBDEBUG") != "" {
		e.opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e.pub = publisher.New(e.opts)
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
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := e.pub.Drain(ctx); err != nil {
			e.t.Fatal(err)
		}
		if err := e.pub.Deliver(ctx); err != nil {
			e.t.Fatal(err)
		}
		if e.terminal(ids) {
			return
		}
		if time.Now().After(deadline) {
			for _, id := range ids {
				p, _ := e.db.Get(ctx, id)
				if p.State != storage.StatePosted && p.State != storage.StateFailed {
					e.t.Fatalf("post %s still %s after 30 s: %s", id, p.State, p.LastError)
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
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
