package accounts

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, err := NewKeys(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeys(bytes.Repeat([]byte{7}, 32))
	sealed := k.Seal("THQVJ-secret-token", "1784")
	if got, err := k.Open(sealed, "1784"); err != nil || got != "THQVJ-secret-token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if bytes.Contains(sealed, []byte("THQVJ")) {
		t.Error("sealed token contains the clear text")
	}
	if again := k.Seal("THQVJ-secret-token", "1784"); bytes.Equal(again, sealed) {
		t.Error("two seals of one token are equal: the nonce is not random")
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		keys   *Keys
		sealed []byte
		aad    string
		want   error
	}{
		{"wrong key", other, sealed, "1784", ErrWrongKey},
		{"other account", k, sealed, "1785", ErrCorruptToken},
		{"flipped bit", k, flipped, "1784", ErrCorruptToken},
		{"truncated", k, sealed[:10], "1784", ErrCorruptToken},
		{"empty", k, nil, "1784", ErrCorruptToken},
		{"unknown version", k, append([]byte{9}, sealed[1:]...), "1784", ErrCorruptToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keys.Open(tt.sealed, tt.aad)
			if !errors.Is(err, tt.want) || got != "" {
				t.Errorf("Open = %q, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := NewKeys([]byte("short")); err == nil {
		t.Error("a 5-byte secret key was accepted")
	}
}

// What the database keeps (SQLite's file and WAL, PostgreSQL's rows) holds no token in clear.
func TestNoTokenInDatabaseFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.sim.AddUser("alice")
	if status, _, body := e.connect(e.identify("1")); status != 200 {
		t.Fatalf("connect: %d %s", status, body)
	}
	a := e.accounts()[0]
	ctx := context.Background()
	tok, _, err := e.svc.Token(ctx, a.ID)
	if err != nil || len(tok) < 16 {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	link := e.link(e.identify("2")) // a link token is stored hashed too
	linkTok := link[len(link)-linkTokenLen:]
	api, err := e.svc.CreateAPIToken(ctx, e.identify("1"))
	if err != nil {
		t.Fatal(err)
	}
	all := storagetest.AtRest(t, e.db)
	if !bytes.Contains(all, []byte(a.ThreadsUserID)) {
		t.Fatalf("what the database keeps does not even hold the account's user id: the test reads the wrong place")
	}
	for name, secret := range map[string]string{"access token": tok, "link token": linkTok, "API token": api} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("the %s is in the database in clear", name)
		}
	}
}

// A Spindle started with another secret key fails loudly on the stored token and asks for a
// reconnect; it never publishes with garbage.
func TestWrongKeyFailsLoudly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.sim.AddUser("alice")
	owner := e.identify("1")
	e.connect(owner)
	a := e.accounts()[0]
	other, _ := NewKeys(bytes.Repeat([]byte{9}, 32))
	svc2 := New(Options{DB: e.db, Threads: e.svc.threads, Keys: other, Now: e.clock.Now, Notifier: e.told})
	_, _, err := svc2.Token(context.Background(), a.ID)
	if !errors.Is(err, ErrWrongKey) || !errors.Is(err, ErrNeedsReconnect) {
		t.Fatalf("Token under the wrong key: %v", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("SPINDLE_SECRET_KEY")) {
		t.Errorf("error does not name SPINDLE_SECRET_KEY: %v", err)
	}
	got, _ := e.db.Account(context.Background(), a.ID)
	if got.Status != storage.AccountNeedsReconnect {
		t.Errorf("status = %s, want needs_reconnect", got.Status)
	}
	msgs := e.told.all()
	if last := msgs[len(msgs)-1]; !bytes.Contains([]byte(last), []byte("must be connected again")) {
		t.Errorf("owner told %q", last)
	}
}
