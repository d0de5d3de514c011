package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestSeriesRoutes: POST, GET and DELETE /api/threads/series end to end, with the attackers of
// authz_test (a revoked grantee, a stranger) refused and nothing changed.
func TestSeriesRoutes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"bad rule", map[string]any{"rule": "every fortnight 09:00", "text": "x"}, 400, `"field":"rule"`},
		{"text in rule", map[string]any{"rule": "monday 09:00 hello", "text": "x"}, 400, "put the text in"},
		{"bad zone", map[string]any{"rule": "monday 09:00", "text": "x", "timezone": "Mars/Base"}, 400, `"field":"timezone"`},
		{"unknown field", map[string]any{"rule": "day 09:00", "text": "{{.Title}}"}, 400, "only {{.Date}}"},
		{"both text and texts", map[string]any{"rule": "day 09:00", "text": "a", "texts": []string{"b"}}, 400, "not both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, raw := e.do("owner", http.MethodPost, "/api/threads/series", tc.body)
			if code != tc.status || !strings.Contains(string(raw), tc.want) {
				t.Fatalf("POST %v: %d %s; want %d with %q", tc.body, code, raw, tc.status, tc.want)
			}
		})
	}
	if code, _, raw := e.do("stranger", http.MethodPost, "/api/threads/series", map[string]any{"rule": "day 09:00", "text": "x", "account": "@brand"}); code/100 != 4 {
		t.Fatalf("a stranger created a series on @brand: %d %s", code, raw)
	}
	code, m, raw := e.do("owner", http.MethodPost, "/api/threads/series", map[string]any{"rule": "every weekday 08:30",
		"texts": []string{"Standup #{{.N}}", "Standup again"}, "timezone": "Europe/Paris"})
	if code != http.StatusCreated || m["id"] != "s1" || !strings.Contains(string(raw), `"description":"every Monday, Tuesday, Wednesday, Thursday and Friday at 08:30"`) ||
		!strings.Contains(string(raw), `"text":"Standup #1"`) || !strings.Contains(string(raw), `"scheduledAt":"2026-11-24T07:30:00Z"`) {
		t.Fatalf("POST series: %d %s", code, raw)
	}
	if _, _, raw := e.do("grantee", http.MethodGet, "/api/threads/series", nil); !strings.Contains(string(raw), `"id":"s1"`) {
		t.Fatalf("the grantee does not see the series: %s", raw)
	}
	before := e.snapshot()
	for _, role := range []string{"stranger", "revoked"} {
		if _, _, raw := e.do(role, http.MethodGet, "/api/threads/series", nil); strings.Contains(string(raw), "s1") {
			t.Fatalf("%s sees the series: %s", role, raw)
		}
		if code, _, raw := e.do(role, http.MethodDelete, "/api/threads/series/s1", nil); code != http.StatusNotFound {
			t.Fatalf("%s DELETE: %d %s", role, code, raw)
		}
	}
	if code, _, _ := e.do("owner", http.MethodDelete, "/api/threads/series/p7k2m9", nil); code != http.StatusNotFound {
		t.Fatalf("DELETE of a post id as a series: %d", code)
	}
	if e.snapshot() != before {
		t.Fatal("refused requests changed something")
	}
	code, _, raw = e.do("grantee", http.MethodDelete, "/api/threads/series/s1", nil)
	if code != http.StatusOK || !strings.Contains(string(raw), `"state":"cancelled"`) || strings.Contains(string(raw), `"cancelledPosts":[]`) {
		t.Fatalf("DELETE series: %d %s", code, raw)
	}
	if code, _, raw := e.do("owner", http.MethodDelete, "/api/threads/series/s1", nil); code != http.StatusConflict {
		t.Fatalf("DELETE twice: %d %s", code, raw)
	}
}
