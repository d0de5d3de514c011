package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

func TestPostValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 501)
	tests := []struct {
		name      string
		path      string
		body      any
		want      int
		wantField string
		wantText  string
	}{
		{"too long", "/api/threads/post", map[string]string{"text": long}, 400, "text", "500"},
		{"empty", "/api/threads/post", map[string]string{"text": ""}, 400, "", "text"},
		{"bad media type", "/api/threads/post", map[string]string{"text": "x", "mediaUrl": "https://e.example/a.jpg", "mediaType": "GIF"}, 400, "mediaType", "IMAGE or VIDEO"},
		{"not json", "/api/threads/post", "just a string", 400, "", "expected JSON"},
		{"scheduledAt on post", "/api/threads/post", map[string]string{"text": "x", "scheduledAt": "2027-01-01T00:00:00Z"}, 400, "", "/api/threads/post/schedule"},
		{"schedule without time", "/api/threads/post/schedule", map[string]string{"text": "x"}, 400, "scheduledAt", "required"},
		{"schedule bad time", "/api/threads/post/schedule", map[string]string{"text": "x", "scheduledAt": "tomorrow"}, 400, "scheduledAt", "RFC 3339"},
		{"schedule in the past", "/api/threads/post/schedule", map[string]string{"text": "x", "scheduledAt": "2026-11-23T08:00:00Z"}, 400, "scheduledAt", "in the past"},
		{"schedule too far", "/api/threads/post/schedule", map[string]string{"text": "x", "scheduledAt": "2029-01-01T00:00:00Z"}, 400, "scheduled_at", "days ahead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			status, m, raw := e.do("owner", "POST", tt.path, tt.body)
			if status != tt.want || !strings.Contains(m["error"].(string), tt.wantText) {
				t.Fatalf("%d %s; want %d with %q", status, raw, tt.want, tt.wantText)
			}
			if tt.wantField != "" && m["field"] != tt.wantField {
				t.Errorf("field = %v, want %s", m["field"], tt.wantField)
			}
			if ps, _ := e.db.List(context.Background(), storage.ListFilter{}); len(ps) != 0 {
				t.Errorf("an invalid post was stored: %+v", ps)
			}
		})
	}
}

func TestBodyLimitsAndContentType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/threads/post", strings.NewReader(`{"text":"`+strings.Repeat("a", 70<<10)+`"}`))
	req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/threads/post", strings.NewReader(`text=hi`))
	req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form body: %d", resp.StatusCode)
	}
}

func TestPostWithMediaAndIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := func() (int, map[string]any) {
		r, _ := http.NewRequest("POST", e.srv.URL+"/api/threads/post", strings.NewReader(`{"text":"Check this","mediaUrl":"https://cdn.example/clip.mp4?x=1"}`))
		r.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
		r.Header.Set("Idempotency-Key", "deploy-881")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = jsonDecode(resp, &m)
		return resp.StatusCode, m
	}
	s1, m1 := req()
	s2, m2 := req()
	if s1 != 202 || s2 != 200 || m1["id"] != m2["id"] {
		t.Fatalf("idempotent repeat: %d %v then %d %v", s1, m1, s2, m2)
	}
	p, err := e.db.Get(context.Background(), m1["id"].(string))
	if err != nil || len(p.Media) != 1 || p.Media[0].Kind != "video" || p.Door != "api" {
		t.Fatalf("stored %+v, %v", p, err)
	}
}

func TestPostLifecycleAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pub := e.published("1790042")
	q := e.queued()

	// A published post cannot be cancelled; a queued one cannot be deleted.
	if status, _, raw := e.do("owner", "DELETE", "/api/threads/post/schedule/"+pub.ID, nil); status != 409 || !strings.Contains(string(raw), "only cancel posts with status queued") {
		t.Errorf("cancel published: %d %s", status, raw)
	}
	if status, _, raw := e.do("owner", "DELETE", "/api/threads/post/"+q.ID, nil); status != 409 || !strings.Contains(string(raw), "/api/threads/post/schedule/"+q.ID) {
		t.Errorf("delete queued: %d %s", status, raw)
	}
	// Deleting by Threads media id works, and the deleter gets Spindle's id.
	if status, _, raw := e.do("owner", "DELETE", "/api/threads/post/1790042", nil); status != 200 {
		t.Errorf("delete by media id: %d %s", status, raw)
	}
	if len(e.del.ids) != 1 || e.del.ids[0] != pub.ID {
		t.Errorf("deleter got %v, want [%s]", e.del.ids, pub.ID)
	}
	if status, _, _ := e.do("owner", "DELETE", "/api/threads/post/999999", nil); status != 404 {
		t.Errorf("delete unknown: %d", status)
	}
	// GET shows the result.
	status, m, raw := e.do("owner", "GET", "/api/posts/"+pub.ID, nil)
	if status != 200 || m["status"] != "posted" || m["threads_id"] != "1790042" || m["permalink"] == nil {
		t.Errorf("get published: %d %s", status, raw)
	}
	// Cancel, then cancel again.
	if status, _, _ := e.do("owner", "DELETE", "/api/threads/post/schedule/"+q.ID, nil); status != 200 {
		t.Errorf("cancel: %d", status)
	}
	if status, _, _ := e.do("owner", "DELETE", "/api/threads/post/schedule/"+q.ID, nil); status != 409 {
		t.Errorf("cancel twice: %d", status)
	}
}

func TestDisconnectedAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := e.queued()
	if status, _, raw := e.do("owner", "DELETE", "/api/threads/connection", nil); status != 200 || !strings.Contains(string(raw), `"ok"`) {
		t.Fatalf("disconnect: %d %s", status, raw)
	}
	if p, _ := e.db.Get(context.Background(), q.ID); p.State != storage.StateQueued {
		t.Errorf("queued post is %s after disconnect", p.State)
	}
	status, _, raw := e.do("grantee", "POST", "/api/threads/post", map[string]string{"text": "hi"})
	if status != 409 || !strings.Contains(string(raw), "disconnected") {
		t.Errorf("post to disconnected: %d %s", status, raw)
	}
	if status, _, raw := e.do("owner", "GET", "/api/threads/me", nil); status != 409 || !strings.Contains(string(raw), "connect") {
		t.Errorf("me on disconnected: %d %s", status, raw)
	}
	_, m, _ := e.do("owner", "GET", "/api/threads/connection", nil)
	if c, _ := m["connection"].(map[string]any); c == nil || c["status"] != "disconnected" {
		t.Errorf("connection = %v", m)
	}
}

func TestPinnedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	other, err := e.db.LinkAccount(ctx, storage.Account{ThreadsUserID: "99", Username: "side", TokenSealed: []byte("x")}, e.ids["owner"].ID)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := e.acct.CreateAPITokenWith(ctx, e.ids["owner"], accounts.TokenOptions{AccountID: other.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["pinned"] = plain
	if status, _, raw := e.do("pinned", "POST", "/api/threads/post?account=brand", map[string]string{"text": "x"}); status != 403 || !strings.Contains(string(raw), "pinned to @side") {
		t.Errorf("pinned token to another account: %d %s", status, raw)
	}
	status, m, raw := e.do("pinned", "POST", "/api/threads/post", map[string]string{"text": "x"})
	if status != 202 || m["account"] != "@side" {
		t.Errorf("pinned token: %d %s", status, raw)
	}
	// Owning two accounts without a pin or a default chosen: the owner's default is the one
	// it connected first? No: two owned accounts is ambiguous until one is named.
	status, _, raw = e.do("owner", "POST", "/api/threads/post", map[string]string{"text": "x"})
	if status != 409 || !strings.Contains(string(raw), "@brand, @side") {
		t.Errorf("ambiguous: %d %s", status, raw)
	}
	// A pinned post on @brand is invisible to the @side token.
	q := e.queued()
	if status, _, _ := e.do("pinned", "GET", "/api/posts/"+q.ID, nil); status != 404 {
		t.Errorf("pinned token sees another account's post: %d", status)
	}
}

func TestAuthErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, header string
		want         string
	}{
		{"none", "", "Authorization: Bearer"},
		{"basic", "Basic abc", "Authorization: Bearer"},
		{"malformed", "Bearer nope", "start with spd_"},
		{"unknown", "Bearer spd_" + strings.Repeat("a", 52), "unknown to this Spindle"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/threads/me", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = jsonDecode(resp, &m)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(m["error"].(string), tt.want) || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %v", tt.name, resp.StatusCode, m)
		}
	}
	// A revoked token stops working at once.
	toks, _ := e.acct.APITokens(context.Background(), e.ids["grantee"])
	if err := e.acct.RevokeAPIToken(context.Background(), e.ids["grantee"], toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if status, _, raw := e.do("grantee", "GET", "/api/threads/me", nil); status != 401 || !strings.Contains(string(raw), "revoked") {
		t.Errorf("revoked token: %d %s", status, raw)
	}
	if status, m, _ := e.do("owner", "GET", "/api/threads/nope", nil); status != 404 || m["error"] == nil {
		t.Errorf("unknown route: %d %v", status, m)
	}
}
