package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestRouteAuthorisation runs every route as each of the four people and checks who may.
func TestRouteAuthorisation(t *testing.T) {
	future := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
	routes := []struct {
		name   string
		method string
		path   func(e *env) string
		body   any
		before func(e *env)
		// status by role; roles with no account at all see their own empty world
		want map[string]int
		// check, when set, further checks an allowed answer
		check func(t *testing.T, e *env, role string, m map[string]any, raw []byte)
	}{
		{name: "get connection", method: "GET", path: fixed("/api/threads/connection"),
			want: map[string]int{"owner": 200, "grantee": 200, "revoked": 200, "stranger": 200},
			check: func(t *testing.T, e *env, role string, m map[string]any, raw []byte) {
				conn, _ := m["connection"].(map[string]any)
				hasConn := role == "owner" || role == "grantee"
				if (conn != nil) != hasConn {
					t.Errorf("%s sees connection %s", role, raw)
				}
				if hasConn && (conn["username"] != "brand" || conn["provider"] != "THREADS" || conn["role"] != role) {
					t.Errorf("connection = %s", raw)
				}
			}},
		{name: "get connection by name", method: "GET", path: fixed("/api/threads/connection?account=@brand"),
			want: map[string]int{"owner": 200, "grantee": 200, "revoked": 404, "stranger": 404}},
		{name: "delete connection", method: "DELETE", path: fixed("/api/threads/connection"),
			want: map[string]int{"owner": 200, "grantee": 403, "revoked": 404, "stranger": 404}},
		{name: "refresh", method: "POST", path: fixed("/api/threads/refresh"),
			before: func(e *env) { e.clock.Advance(48 * time.Hour) },
			want:   map[string]int{"owner": 200, "grantee": 200, "revoked": 404, "stranger": 404},
			check: func(t *testing.T, e *env, role string, m map[string]any, raw []byte) {
				conn, _ := m["connection"].(map[string]any)
				want := e.clock.Now().Add(60 * 24 * time.Hour).Format(time.RFC3339)
				if conn == nil || conn["accessTokenExpiresAt"] != want {
					t.Errorf("refresh answered %s, want expiry %s", raw, want)
				}
			}},
		{name: "me", method: "GET", path: fixed("/api/threads/me"),
			want: map[string]int{"owner": 200, "grantee": 200, "revoked": 404, "stranger": 404},
			check: func(t *testing.T, e *env, role string, m map[string]any, raw []byte) {
				if d, _ := m["data"].(map[string]any); d == nil || d["username"] != "brand" || d["id"] != e.brand.ThreadsUserID {
					t.Errorf("me = %s", raw)
				}
			}},
		{name: "post", method: "POST", path: fixed("/api/threads/post"), body: map[string]string{"text": "Hello Threads!"},
			want: map[string]int{"owner": 202, "grantee": 202, "revoked": 404, "stranger": 404},
			check: func(t *testing.T, e *env, role string, m map[string]any, raw []byte) {
				id, _ := m["id"].(string)
				d, _ := m["data"].(map[string]any)
				if id == "" || m["status"] != "queued" || m["status_url"] != "http://spindle.test/api/posts/"+id || d["id"] != id {
					t.Errorf("post answered %s", raw)
				}
			}},
		{name: "post to named account", method: "POST", path: fixed("/api/threads/post?account=brand"), body: map[string]string{"text": "Hi"},
			want: map[string]int{"owner": 202, "grantee": 202, "revoked": 404, "stranger": 404}},
		{name: "delete post", method: "DELETE", path: func(e *env) string { return "/api/threads/post/" + e.published("1790001").ID },
			want: map[string]int{"owner": 200, "grantee": 200, "revoked": 404, "stranger": 404},
			check: func(t *testing.T, e *env, role string, m map[string]any, raw []byte) {
				if m["success"] != true || len(e.del.ids) != 1 {
					t.Errorf("delete answered %s; deleter got %v", raw, e.del.ids)
				}
			}},
		{name: "schedule", method: "POST", path: fixed("/api/threads/post/schedule"),
			body: map[string]string{"text": "Good morning", "scheduledAt": future},
			want: map[string]int{"owner": 201, "grantee": 201, "revoked": 404, "stranger": 404},
			check: func(t *testing.T, e *env, role string, m map[string]any, raw []byte) {
				if m["scheduledAt"] != future || m["status"] != "queued" || m["account"] != "@brand" {
					t.Errorf("schedule answered %s", raw)
				}
			}},
		{name: "list scheduled", method: "GET", path: func(e *env) string { e.queued(); return "/api/threads/post/schedule" },
			want: map[string]int{"owner": 200, "grantee": 200, "revoked": 200, "stranger": 200},
			check: func(t *testing.T, e *env, role string, m map[string]any, raw []byte) {
				empty := string(raw) == "[]\n"
				if (role == "owner" || role == "grantee") == empty {
					t.Errorf("%s lists %s", role, raw)
				}
			}},
		{name: "cancel scheduled", method: "DELETE", path: func(e *env) string { return "/api/threads/post/schedule/" + e.queued().ID },
			want: map[string]int{"owner": 200, "grantee": 200, "revoked": 404, "stranger": 404}},
		{name: "get post", method: "GET", path: func(e *env) string { return "/api/posts/" + e.queued().ID },
			want: map[string]int{"owner": 200, "grantee": 200, "revoked": 404, "stranger": 404}},
	}
	for _, rt := range routes {
		for _, role := range []string{"owner", "grantee", "revoked", "stranger", ""} {
			name := role
			if name == "" {
				name = "no token"
			}
			t.Run(rt.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				if rt.before != nil {
					rt.before(e)
				}
				path := rt.path(e)
				before := e.snapshot()
				status, m, raw := e.do(role, rt.method, path, rt.body)
				want := rt.want[role]
				if role == "" {
					want = http.StatusUnauthorized
				}
				if status != want {
					t.Fatalf("%s %s as %s: %d %s, want %d", rt.method, path, name, status, raw, want)
				}
				if status >= 400 {
					if msg, _ := m["error"].(string); len(msg) < 10 {
						t.Errorf("error answer without a message: %s", raw)
					}
				} else if rt.check != nil {
					rt.check(t, e, role, m, raw)
				}
				if status >= 400 {
					if after := e.snapshot(); after != before {
						t.Errorf("a refused request changed something:\n%s\n%s", before, after)
					}
				}
			})
		}
	}
}

func fixed(p string) func(*env) string { return func(*env) string { return p } }

// snapshot summarizes what a request could change: posts and their states, the account's
// status, and deletions asked for.
func (e *env) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	ps, err := e.db.List(ctx, storage.ListFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	a, _ := e.db.Account(ctx, e.brand.ID)
	s := fmt.Sprintf("account %s; deleted %v; posts", a.Status, e.del.ids)
	for _, p := range ps {
		s += " " + p.ID + "=" + string(p.State)
	}
	return s
}
