package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// keyed posts body with an Idempotency-Key as role and returns the status, the answer and
// the Idempotent-Replayed header.
func (e *env) keyed(role, key, body string) (int, map[string]any, string) {
	e.t.Helper()
	r, _ := http.NewRequest("POST", e.srv.URL+"/api/threads/post", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+e.tokens[role])
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = jsonDecode(resp, &m)
	return resp.StatusCode, m, resp.Header.Get("Idempotent-Replayed")
}

// linkRival gives the stranger an account of their own, @rival: a second tenant.
func (e *env) linkRival() storage.Account {
	e.t.Helper()
	u := e.sim.AddUser("rival")
	a, err := e.db.LinkAccount(context.Background(), storage.Account{ThreadsUserID: u.ID, Username: "rival",
		TokenSealed: []byte("sealed"), TokenExpiresAt: e.clock.Now().Add(threadstest.LongTokenTTL),
		TokenRefreshedAt: e.clock.Now()}, e.ids["stranger"].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// TestIdempotencyKeyBelongsToCaller: a second tenant who picks the same Idempotency-Key as the
// first (keys like "1" or a date are common) gets its own post stored, never the first
// tenant's post, text or id. The same holds for two people posting to one shared account.
func TestIdempotencyKeyBelongsToCaller(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rival := e.linkRival()
	ctx := context.Background()

	code, first, _ := e.keyed("owner", "2026-11-23", `{"text":"Brand launch: embargoed until noon"}`)
	if code != http.StatusAccepted {
		t.Fatalf("owner: %d %v", code, first)
	}
	code, other, replayed := e.keyed("stranger", "2026-11-23", `{"text":"Rival's own news"}`)
	if code != http.StatusAccepted || other["id"] == first["id"] || replayed != "" {
		t.Fatalf("second tenant with the same key: %d %v (replayed %q); want 202 and a post of its own", code, other, replayed)
	}
	if other["text"] != "Rival's own news" || strings.Contains(other["text"].(string), "embargoed") {
		t.Fatalf("second tenant was answered another tenant's text: %v", other["text"])
	}
	p, err := e.db.Get(ctx, other["id"].(string))
	if err != nil || p.Text != "Rival's own news" || p.AccountID != rival.ID {
		t.Fatalf("second tenant's post not stored as sent: %+v, %v", p, err)
	}

	// Two people allowed on @brand, one key: two posts.
	code, shared, _ := e.keyed("grantee", "2026-11-23", `{"text":"Grantee's note"}`)
	if code != http.StatusAccepted || shared["id"] == first["id"] || shared["text"] != "Grantee's note" {
		t.Fatalf("grantee with the owner's key: %d %v", code, shared)
	}
}

// TestIdempotencyKeyConflictAndReplay: the same key with the same body is a replay (the first
// post, 200, Idempotent-Replayed: true); with another body it is refused 409 and nothing new
// is stored.
func TestIdempotencyKeyConflictAndReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"text":"Deploy 881 done","mediaUrl":"https://cdn.example/a.png"}`
	code, first, _ := e.keyed("owner", "deploy-881", body)
	if code != http.StatusAccepted {
		t.Fatalf("first: %d %v", code, first)
	}
	// The same request, spelled differently (key order, spacing): still a replay.
	code, again, replayed := e.keyed("owner", "deploy-881", `{ "mediaUrl":"https://cdn.example/a.png", "text":"Deploy 881 done" }`)
	if code != http.StatusOK || again["id"] != first["id"] || replayed != "true" {
		t.Fatalf("replay: %d %v, Idempotent-Replayed %q; want 200, id %v, true", code, again, replayed, first["id"])
	}
	for _, changed := range []string{
		`{"text":"Deploy 882 done","mediaUrl":"https://cdn.example/a.png"}`,
		`{"text":"Deploy 881 done"}`,
		`{"text":"Deploy 881 done","mediaUrl":"https://cdn.example/a.png","altText":"chart"}`,
	} {
		code, m, replayed := e.keyed("owner", "deploy-881", changed)
		msg, _ := m["error"].(string)
		if code != http.StatusConflict || replayed != "" || !strings.Contains(msg, "deploy-881") || !strings.Contains(msg, "different request") {
			t.Errorf("key reused with %s: %d %v; want 409 naming the conflict", changed, code, m)
		}
		if m["id"] != nil || m["text"] != nil {
			t.Errorf("a conflict answered a post: %v", m)
		}
	}
	ps, err := e.db.List(context.Background(), storage.ListFilter{AccountID: e.brand.ID})
	if err != nil || len(ps) != 1 {
		t.Fatalf("%d posts stored (err %v), want 1", len(ps), err)
	}
}

// TestIdempotencyKeyFromBeforeScopes: a post stored before keys were scoped (no scope, no
// digest) still answers a retry of its key on its account, so an upgrade in the middle of a
// client's retries does not post twice.
func TestIdempotencyKeyFromBeforeScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old, _, err := e.db.Enqueue(context.Background(), storage.NewPost{AccountID: e.brand.ID, Door: "api",
		Text: "From before the upgrade", IdempotencyKey: "retry-me"})
	if err != nil {
		t.Fatal(err)
	}
	code, m, replayed := e.keyed("owner", "retry-me", `{"text":"From before the upgrade"}`)
	if code != http.StatusOK || m["id"] != old.ID || replayed != "true" {
		t.Fatalf("retry after the upgrade: %d %v (replayed %q), want the old post %s", code, m, replayed, old.ID)
	}
}
