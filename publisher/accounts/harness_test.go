package accounts

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// recorder is an IdentityNotifier that keeps what it was told.
type recorder struct {
	mu   sync.Mutex
	msgs []string // "identityID: text"
}

func (r *recorder) NotifyIdentity(_ context.Context, id Identity, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, id.Key()+": "+text)
	return nil
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// env is one Spindle (database, accounts service, HTTP server) and one simulated Threads.
type env struct {
	t       *testing.T
	clock   *threadstest.ManualClock
	sim     *threadstest.Server
	db      *storage.DB
	svc     *Service
	srv     *httptest.Server
	told    *recorder
	browser *http.Client
}

type envOpts struct {
	appSecret        string // the secret Spindle is configured with; "" means the right one
	success, failure string
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	e := &env{t: t, clock: threadstest.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)), told: &recorder{}}
	e.sim = threadstest.NewServer(threadstest.Options{Clock: e.clock})
	t.Cleanup(e.sim.Close)
	e.db = storagetest.Open(t, e.clock.Now)
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	secret := o.appSecret
	if secret == "" {
		secret = e.sim.AppSecret()
	}
	client := threads.New(threads.Options{BaseURL: e.sim.URL, AuthURL: e.sim.AuthorizeURL(), AppID: e.sim.AppID(),
		AppSecret: secret, RedirectURI: e.srv.URL + CallbackPath})
	keys, err := NewKeys(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = New(Options{DB: e.db, Threads: client, Keys: keys, PublicURL: e.srv.URL, Notifier: e.told,
		Now: e.clock.Now, SuccessRedirectURI: o.success, FailureRedirectURI: o.failure})
	h = e.svc.Handler()
	e.browser = newBrowser()
	return e
}

// newBrowser is a client that keeps cookies, as a browser does, and stops at each redirect.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// identify stores a Telegram identity.
func (e *env) identify(user string) Identity {
	e.t.Helper()
	id, err := e.svc.Identify(context.Background(), Identity{Door: DoorTelegram, User: user, Name: "@" + user})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) link(id Identity) string {
	e.t.Helper()
	u, err := e.svc.LinkFor(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// get fetches u in e's browser without following redirects and returns status, Location and
// body.
func (e *env) get(u string) (int, string, string) {
	e.t.Helper()
	return e.getIn(e.browser, u)
}

// getIn is get in another browser.
func (e *env) getIn(browser *http.Client, u string) (int, string, string) {
	e.t.Helper()
	resp, err := browser.Get(u)
	if err != nil {
		e.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// authorize opens a connect link, presses Continue on the page naming who is linking, and
// follows it to Threads' consent page, returning the callback URL Threads redirects the
// browser to.
func (e *env) authorize(link string) string {
	e.t.Helper()
	status, _, body := e.get(link)
	loc, ok := ContinueURL(body)
	if status != http.StatusOK || !ok || !strings.HasPrefix(loc, e.sim.AuthorizeURL()) {
		e.t.Fatalf("connect link: %d %s, want a page with Continue to the authorize page", status, body)
	}
	status, cb, body := e.get(loc)
	if status != http.StatusFound || !strings.HasPrefix(cb, e.srv.URL+CallbackPath) {
		e.t.Fatalf("authorize page: %d %q %s, want a redirect to the callback", status, cb, body)
	}
	return cb
}

// connect runs the whole flow for id and returns the callback's status and body.
func (e *env) connect(id Identity) (int, string, string) {
	e.t.Helper()
	return e.get(e.authorize(e.link(id)))
}

func (e *env) accounts() []storage.Account {
	e.t.Helper()
	as, err := e.db.Accounts(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}
