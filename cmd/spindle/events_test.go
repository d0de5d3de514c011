package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/storage"
)

// TestEventsCommandLifecycle adds a subscription from the command line, delivers an event to
// a receiver that checks the signature with the secret the command printed (the README's
// verification, written out here), then lists, redelivers, rotates and removes it.
func TestEventsCommandLifecycle(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	webhookTestAccount(t, dir, "alice")

	var mu sync.Mutex
	var secret string
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "."))
		m.Write(body)
		want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
		ok := false
		for _, sig := range strings.Fields(r.Header.Get("webhook-signature")) { // two after a rotation
			ok = ok || hmac.Equal([]byte(sig), []byte(want))
		}
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got = append(got, r.Header.Get("webhook-id")+" "+string(body))
	}))
	defer srv.Close()

	code, out, errOut := spindle(t, env, "events", "add", srv.URL+"/in", "--events", "post.published, post.failed", "--account", "@alice", "--json")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	var added struct {
		ID     int64
		URL    string
		Secret string
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.ID == 0 || !strings.HasPrefix(added.Secret, "whsec_") {
		t.Fatalf("add --json = %q (%v)", out, err)
	}
	secret = added.Secret

	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	subs, err := db.EventSubscriptions(ctx)
	if err != nil || len(subs) != 1 || bytes.Contains(subs[0].SecretSealed, []byte(strings.TrimPrefix(secret, "whsec_"))) {
		t.Fatalf("stored subscription: %+v %v (secret must be sealed)", subs, err)
	}
	acct, _ := db.AccountByUsername(ctx, "alice")
	fan := events.Fanout{Store: db}
	for id, kind := range map[int64]publisher.EventKind{1: publisher.EventPosted, 2: publisher.EventDeleted} {
		if err := fan.Event(ctx, publisher.Event{ID: id, Kind: kind, PostID: "p1", AccountID: acct.ID, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.EnsureSecretKey(); err != nil { // reads the key file `events add` generated
		t.Fatal(err)
	}
	keys, err := accounts.NewKeys(cfg.SecretKeyBytes())
	if err != nil {
		t.Fatal(err)
	}
	d := events.NewDeliverer(events.Options{Store: db, Sealer: keys, Client: srv.Client()})
	d.Drain(ctx)
	mu.Lock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "msg_1 ") || !strings.Contains(got[0], `"type":"post.published"`) {
		t.Fatalf("receiver got %q (post.deleted is not subscribed)", got)
	}
	mu.Unlock()

	code, out, _ = spindle(t, env, "events", "list")
	if code != 0 || !strings.Contains(out, srv.URL) || !strings.Contains(out, "delivered 200") || strings.Contains(out, "whsec_") {
		t.Errorf("list: %d %q", code, out)
	}
	code, out, _ = spindle(t, env, "events", "deliveries", "1", "--json")
	if code != 0 || !strings.Contains(out, `"webhook_id": "msg_1"`) {
		t.Errorf("deliveries: %d %q", code, out)
	}
	if code, _, errOut := spindle(t, env, "events", "redeliver", "1"); code != 0 {
		t.Fatalf("redeliver: %d %s", code, errOut)
	}
	code, out, _ = spindle(t, env, "events", "rotate", "1", "--json")
	var rot struct{ Secret string }
	if code != 0 || json.Unmarshal([]byte(out), &rot) != nil || rot.Secret == secret || !strings.HasPrefix(rot.Secret, "whsec_") {
		t.Fatalf("rotate: %d %q", code, out)
	}
	mu.Lock()
	secret = rot.Secret
	mu.Unlock()
	d.Drain(ctx)
	mu.Lock()
	if len(got) != 2 || !strings.HasPrefix(got[1], "msg_1 ") {
		t.Fatalf("after redeliver: %q", got)
	}
	mu.Unlock()
	if code, _, errOut := spindle(t, env, "events", "remove", "1"); code != 0 {
		t.Fatalf("remove: %d %s", code, errOut)
	}
	if code, _, errOut := spindle(t, env, "events", "remove", "1"); code != 1 || !strings.Contains(errOut, "events list") {
		t.Errorf("remove again: %d %q", code, errOut)
	}
}

func TestEventsCommandRefusals(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	webhookTestAccount(t, dir, "alice")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"events", "add", "ftp://x.example/"}, "https://"},
		{[]string{"events", "add", "https://x.example/", "--events", "post.publish"}, "not an event"},
		{[]string{"events", "add", "https://x.example/", "--account", "bob"}, "no linked Threads account @bob"},
		{[]string{"events", "add"}, "one receiver URL"},
		{[]string{"events", "rotate", "abc"}, "not an id"},
		{[]string{"events", "redeliver", "9"}, "no event delivery 9"},
		{[]string{"events", "frob"}, "unknown events command"},
	} {
		code, _, errOut := spindle(t, env, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	code, out, _ := spindle(t, env, "events", "list", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("a refusal changed something: %q", out)
	}
}
