package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/storage"
)

// TestMissingScopesRefusedAtEveryDoor: a Spindle whose THREADS_DEFAULT_SCOPES were trimmed to
// publishing links @sandbox without threads_manage_replies and threads_delete. A user of each
// door who asks for what needs them — a reply, a thread, a delete — is refused at once, with the
// permission named and how to link again, and nothing is stored or sent to Threads; a plain
// post still goes out.
func TestMissingScopesRefusedAtEveryDoor(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0", "SPINDLE_POLL_INTERVAL=1s",
		"THREADS_DEFAULT_SCOPES=threads_basic,threads_content_publish"}, "serve", "--sandbox")
	base := "http://" + addr
	code, out, errOut := spindle(t, env, "tokens", "create", "--account", "sandbox", "--name", "ci", "--json")
	var tok struct{ Token string }
	if code != 0 || json.Unmarshal([]byte(out), &tok) != nil {
		t.Fatalf("tokens create: %d %s %s", code, out, errOut)
	}
	api := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		m := map[string]any{}
		raw, _ := io.ReadAll(resp.Body)
		if json.Unmarshal(raw, &m) != nil {
			m["raw"] = string(raw)
		}
		return resp.StatusCode, m
	}
	relink := func(t *testing.T, door, text, scope string) {
		t.Helper()
		if !strings.Contains(text, scope) || !strings.Contains(text, "connect") {
			t.Errorf("%s: %q does not name %s and how to link again", door, text, scope)
		}
	}

	code, p := api("POST", "/api/threads/post", map[string]any{"text": "plain, within the scopes"})
	if code != http.StatusAccepted {
		t.Fatalf("plain post: %d %v", code, p)
	}
	parent := p["id"].(string)
	var mediaID string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, s := api("GET", "/api/posts/"+parent, nil); s["status"] == "posted" {
			mediaID, _ = s["threads_id"].(string)
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the plain post did not go out: %v", s)
		}
	}

	t.Run("REST", func(t *testing.T) {
		cases := []struct {
			name, method, path string
			body               any
			scope              string
		}{
			{"reply", "POST", "/api/threads/post", map[string]any{"text": "a reply", "replyToId": parent}, "threads_manage_replies"},
			{"thread", "POST", "/api/threads/post", map[string]any{"text": strings.Repeat("Long thought goes on. ", 40), "thread": true}, "threads_manage_replies"},
			{"scheduled reply", "POST", "/api/threads/post/schedule", map[string]any{"text": "later reply", "replyToId": parent,
				"scheduledAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, "threads_manage_replies"},
			{"delete", "DELETE", "/api/threads/post/" + parent, nil, "threads_delete"},
			{"insights", "GET", "/api/threads/post/" + parent + "/insights", nil, "threads_manage_insights"},
		}
		for _, tc := range cases {
			code, ans := api(tc.method, tc.path, tc.body)
			if code != http.StatusForbidden || ans["code"] != "missing_scope" || ans["scope"] != tc.scope {
				t.Errorf("%s: %d %v, want 403 missing_scope naming %s", tc.name, code, ans, tc.scope)
				continue
			}
			relink(t, "REST "+tc.name, ans["error"].(string), tc.scope)
		}
	})

	t.Run("CLI", func(t *testing.T) {
		code, out, errOut := spindle(t, env, "post", "a reply from the shell", "--account", "sandbox", "--reply-to", parent)
		if code == 0 {
			t.Fatalf("spindle post --reply-to without the scope succeeded: %s", out)
		}
		relink(t, "CLI", errOut, "threads_manage_replies")
	})

	t.Run("webhook", func(t *testing.T) {
		code, out, errOut := spindle(t, env, "sources", "add", "ci", "--account", "sandbox", "--scheme", "standard", "--json")
		var src struct{ URL, Secret string }
		if code != 0 || json.Unmarshal([]byte(out), &src) != nil {
			t.Fatalf("sources add: %d %s %s", code, out, errOut)
		}
		body := []byte(`{"text":"a reply from CI","reply_to_id":"` + mediaID + `"}`)
		h, err := webhook.Sign(webhook.SchemeStandard, src.Secret, body, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/hooks/ci", bytes.NewReader(body))
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ans map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&ans)
		if resp.StatusCode != http.StatusForbidden || ans["code"] != "missing_scope" {
			t.Fatalf("signed reply without the scope: %d %v, want 403 missing_scope", resp.StatusCode, ans)
		}
		relink(t, "webhook", ans["error"].(string), "threads_manage_replies")
	})

	t.Run("MCP", func(t *testing.T) {
		a := connectAgent(t, &sdk.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: &http.Client{Transport: bearer(tok.Token)}})
		text, isErr, _ := a.call("delete", map[string]any{"id": parent})
		if !isErr {
			t.Errorf("MCP delete without the scope: %q, want a tool error", text)
		}
		relink(t, "MCP delete", text, "threads_delete")
		text, isErr, _ = a.call("stats", map[string]any{"id": parent})
		if !isErr {
			t.Errorf("MCP stats without the scope: %q, want a tool error", text)
		}
		relink(t, "MCP stats", text, "threads_manage_insights")
		text, isErr, _ = a.call("stats", map[string]any{})
		if !isErr {
			t.Errorf("MCP account stats without the scope: %q, want a tool error", text)
		}
		relink(t, "MCP account stats", text, "threads_manage_insights")
	})

	// Nothing was stored but the plain post, and it is still live.
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	posts, err := db.List(context.Background(), storage.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || posts[0].ID != parent || posts[0].Status() != "posted" {
		for _, p := range posts {
			t.Logf("stored: %s %s %q", p.ID, p.Status(), p.Text)
		}
		t.Errorf("%d posts stored, want only the plain one, still posted", len(posts))
	}
}
