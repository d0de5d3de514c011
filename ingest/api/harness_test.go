package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// fakeDeleter records what it was asked to delete.
type fakeDeleter struct {
	mu  sync.Mutex
	ids []string
	err error
}

func (d *fakeDeleter) Delete(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ids = append(d.ids, id)
	return d.err
}

// env is a Spindle REST API over a real database and a simulated Threads, with one account
// @brand that has an owner, a grantee, a revoked grantee, and a stranger who has nothing.
type env struct {
	t      *testing.T
	clock  *threadstest.ManualClock
	sim    *threadstest.Server
	db     *storage.DB
	acct   *accounts.Service
	srv    *httptest.Server
	del    *fakeDeleter
	brand  storage.Account
	tokens map[string]string // bearer token by role: owner, grantee, revoked, stranger
	ids    map[string]accounts.Identity
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, clock: threadstest.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)),
		del: &fakeDeleter{}, tokens: map[string]string{}, ids: map[string]accounts.Identity{}}
	e.sim = threadstest.NewServer(threadstest.Options{Clock: e.clock})
	t.Cleanup(e.sim.Close)
	e.db = storagetest.Open(t, e.clock.Now)
	client := threads.New(threads.Options{BaseURL: e.sim.URL, AuthURL: e.sim.AuthorizeURL(),
		AppID: e.sim.AppID(), AppSecret: e.sim.AppSecret(), RedirectURI: "http://spindle.test/api/auth/threads/callback"})
	keys, err := accounts.NewKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	e.acct = accounts.New(accounts.Options{DB: e.db, Threads: client, Keys: keys, Now: e.clock.Now, PublicURL: "http://spindle.test"})
	svc := ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now, Approvals: e.db})
	h := New(Options{Accounts: e.acct, Posts: e.db, Enqueuer: svc, Deleter: e.del, Approvals: e.db, PublicURL: "http://spindle.test", Now: e.clock.Now,
		Series: recur.NewService(recur.Options{Store: e.db, Validator: svc, Now: e.clock.Now}),
		Slots:  publisher.Slots{Store: e.db},
		Events: testEventHooks{events.Subscriptions{Store: e.db, Sealer: keys}, e.db}})
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)

	for _, role := range []string{"owner", "grantee", "revoked", "stranger"} {
		id, err := e.acct.Identify(ctx, accounts.Identity{Door: accounts.DoorTelegram, User: role, Name: "@" + role})
		if err != nil {
			t.Fatal(err)
		}
		e.ids[role] = id
	}
	u := e.sim.AddUser("brand")
	e.brand, err = e.db.LinkAccount(ctx, storage.Account{ThreadsUserID: u.ID, Username: "brand",
		TokenSealed: keys.Seal(e.sim.IssueToken(u.ID, threads.DefaultScopes()...), u.ID), TokenExpiresAt: e.clock.Now().Add(threadstest.LongTokenTTL),
		TokenRefreshedAt: e.clock.Now()}, e.ids["owner"].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"grantee", "revoked"} {
		if _, err := e.acct.Grant(ctx, e.ids["owner"], e.brand.ID, e.ids[role]); err != nil {
			t.Fatal(err)
		}
	}
	for role, id := range e.ids {
		if e.tokens[role], err = e.acct.CreateAPIToken(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.acct.Revoke(ctx, e.ids["owner"], e.brand.ID, e.ids["revoked"]); err != nil {
		t.Fatal(err)
	}
	return e
}

// do sends a request with role's token ("" for none) and decodes the JSON answer.
func (e *env) do(role, method, path string, body any) (int, map[string]any, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := e.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	} else if role != "" {
		req.Header.Set("Authorization", "Bearer "+role)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		e.t.Errorf("%s %s: Content-Type %q, body %s", method, path, ct, raw)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

// queued stores a post on @brand scheduled an hour ahead.
func (e *env) queued() storage.Post {
	e.t.Helper()
	p, _, err := e.db.Enqueue(context.Background(), storage.NewPost{AccountID: e.brand.ID, Door: "api",
		Text: "later", ScheduledAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// published stores a post on @brand and marks it published as media id mediaID.
func (e *env) published(mediaID string) storage.Post {
	e.t.Helper()
	ctx := context.Background()
	p, _, err := e.db.Enqueue(ctx, storage.NewPost{AccountID: e.brand.ID, Door: "api", Text: "now"})
	if err != nil {
		e.t.Fatal(err)
	}
	leased, err := e.db.Lease(ctx, 10, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != p.ID {
		e.t.Fatalf("lease: %v %+v", err, leased)
	}
	if err := e.db.Complete(ctx, storage.LeaseOf(leased[0]), mediaID, "https://www.threads.net/@brand/post/x"); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
