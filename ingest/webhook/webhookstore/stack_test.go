package webhookstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/mux"
	_ "github.com/mattn/go-sqlite3"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// clock is a concurrency-safe settable clock.
// stack is the webhook door as serve wires it: a gorilla/mux router over real HTTP, the
// handler, the SQLite-backed sources with sealed secrets, the ingest service and the queue.
type stack struct {
	db    *storage.DB
	store *webhookstore.Store
	acct  storage.Account
	clock *storagetest.Clock
	srv   *httptest.Server
	keys  *accounts.Keys
	last  http.Header // the headers of the last answer post received
}

const publicURL = "https://spindle.example.com"

func newStack(t testing.TB, opts ...func(*webhook.Options, *webhookstore.Options)) *stack {
	t.Helper()
	c := storagetest.NewClock(time.Now().UTC().Truncate(time.Millisecond))
	db := storagetest.Open(t, c.Now)
	key := make([]byte, 32)
	rand.Read(key)
	keys, err := accounts.NewKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{db: db, clock: c, keys: keys, acct: storagetest.Account(t, db, "alice")}
	so := webhookstore.Options{DB: db, Sealer: keys, Now: c.Now}
	o := webhook.Options{
		Enqueuer:   webhookstore.Enqueuer{Ingest: ingest.NewService(ingest.Options{Queue: db, Now: c.Now})},
		StatusURL:  func(id string) string { return publicURL + "/api/posts/" + id },
		SourceName: func(r *http.Request) string { return mux.Vars(r)["source"] },
		Now:        c.Now,
	}
	for _, f := range opts {
		f(&o, &so)
	}
	s.store = webhookstore.New(so)
	o.Sources = s.store
	h := webhook.NewHandler(o)
	r := mux.NewRouter()
	r.Handle("/hooks/{source}", h)
	s.srv = httptest.NewServer(r)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *stack) add(t testing.TB, sp webhookstore.Spec) string {
	t.Helper()
	sp.AccountID = s.acct.ID
	a, err := s.store.Add(context.Background(), sp)
	if err != nil {
		t.Fatalf("add source %s: %v", sp.Name, err)
	}
	return a.Secret
}

// post sends one delivery and decodes the JSON answer.
func (s *stack) post(t testing.TB, source string, h http.Header, body []byte) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/hooks/"+source, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	s.last = resp.Header
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]string
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func sign(t testing.TB, scheme webhook.Scheme, secret string, body []byte, now time.Time, kv ...string) http.Header {
	t.Helper()
	h, err := webhook.Sign(scheme, secret, body, now)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			h.Del(kv[i])
		} else {
			h.Set(kv[i], kv[i+1])
		}
	}
	return h
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
