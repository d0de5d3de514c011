package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/storage"
)

// bearer adds an API token to every request of an MCP client.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

// mcpTools are the tools every transport must offer.
var mcpTools = []string{"post", "schedule", "queue", "slots", "preview", "list_posts", "post_status", "cancel", "quota", "list_accounts", "delete", "stats", "edit", "series"}

// agent is an MCP client session with helpers that fail the test on transport errors.
type agent struct {
	t  *testing.T
	cs *sdk.ClientSession
}

func connectAgent(t *testing.T, tr sdk.Transport) agent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1"}, nil).Connect(ctx, tr, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return agent{t, cs}
}

// call runs a tool and returns its text and whether it was a tool error.
func (a agent) call(name string, args map[string]any) (string, bool, *sdk.CallToolResult) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		a.t.Fatalf("%s %v: %v", name, args, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError, res
}

// ok runs a tool that must succeed.
func (a agent) ok(name string, args map[string]any) (string, *sdk.CallToolResult) {
	a.t.Helper()
	text, isErr, res := a.call(name, args)
	if isErr {
		a.t.Fatalf("%s %v: tool error %q", name, args, text)
	}
	return text, res
}

// queued runs post or schedule and returns the post id it reports.
func (a agent) queued(name string, args map[string]any) string {
	a.t.Helper()
	text, res := a.ok(name, args)
	b, _ := json.Marshal(res.StructuredContent)
	var out struct {
		PostID string `json:"post_id"`
	}
	if json.Unmarshal(b, &out); out.PostID == "" || !strings.Contains(text, out.PostID) {
		a.t.Fatalf("%s: no post id in %s / %q", name, b, text)
	}
	return out.PostID
}

// listsTools checks the tool list: every tool, each with a description and an object schema.
func (a agent) listsTools() {
	a.t.Helper()
	res, err := a.cs.ListTools(context.Background(), nil)
	if err != nil {
		a.t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		b, _ := json.Marshal(tool.InputSchema)
		if len(tool.Description) < 40 || !strings.Contains(string(b), `"type":"object"`) {
			a.t.Errorf("tool %s: description %q, schema %s", tool.Name, tool.Description, b)
		}
	}
	for _, want := range mcpTools {
		if !slices.Contains(names, want) {
			a.t.Errorf("tools %v lack %s", names, want)
		}
	}
}

// waitStatus polls post_status until its text contains want.
func (a agent) waitStatus(id, want string) string {
	a.t.Helper()
	var text string
	testsignal.Eventually(a.t, 30*time.Second, "post "+id+" status "+want, func() bool {
		text, _ = a.ok("post_status", map[string]any{"id": id})
		return strings.Contains(text, want)
	})
	return text
}

// TestMCPAgainstTheSandboxDaemon drives a running `serve --sandbox` as agents would: over
// POST /mcp with a REST API token, and through `spindle mcp` on stdio as the operator. Each
// lists the tools, posts (the text reaching Threads verbatim, even when it looks like an
// option), schedules, cancels and reads status; a token without rights gets tool errors and
// changes nothing; no token, or a revoked one, is 401.
func TestMCPAgainstTheSandboxDaemon(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0", "SPINDLE_POLL_INTERVAL=1s"}, "serve", "--sandbox")
	token := func(args ...string) (int64, string) {
		t.Helper()
		code, out, errOut := spindle(t, env, append([]string{"tokens", "create", "--json"}, args...)...)
		var c struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("tokens create %v: %d %s %s", args, code, out, errOut)
		}
		return c.ID, c.Token
	}
	endpoint := "http://" + addr + "/mcp"
	overHTTP := func(tok string) agent {
		return connectAgent(t, &sdk.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &http.Client{Transport: bearer(tok)}})
	}
	initialize := func(tok string) int {
		req, _ := http.NewRequest("POST", endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	countPosts := func() int {
		db, err := storage.Open(dir, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ps, err := db.List(context.Background(), storage.ListFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}
	restPost := func(tok, id string) map[string]any {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/posts/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p map[string]any
		json.NewDecoder(resp.Body).Decode(&p)
		return p
	}

	revokedID, revoked := token("--account", "sandbox", "--name", "gone")
	if code, _, errOut := spindle(t, env, "tokens", "revoke", itoa(revokedID)); code != 0 {
		t.Fatalf("tokens revoke: %s", errOut)
	}
	for name, tok := range map[string]string{"no token": "", "not a token": "hunter2", "revoked": revoked} {
		if got := initialize(tok); got != http.StatusUnauthorized {
			t.Errorf("initialize with %s: %d, want 401", name, got)
		}
	}

	_, tok := token("--account", "sandbox", "--name", "agent")
	t.Run("http", func(t *testing.T) {
		a := overHTTP(tok)
		a.t = t
		a.listsTools()
		if text, _ := a.ok("preview", map[string]any{"text": strings.Repeat("long words here ", 40)}); !strings.Contains(text, "2") {
			t.Errorf("preview of a 640-character text: %q, want the split into parts", text)
		}
		if text, _ := a.ok("list_accounts", nil); !strings.Contains(text, "@sandbox") {
			t.Errorf("list_accounts: %q", text)
		}
		// The agent's text looks like an option; it must go out as text, on the token's account.
		text := "--account @someoneelse hello from an agent"
		id := a.queued("post", map[string]any{"text": text})
		a.waitStatus(id, "posted")
		if p := restPost(tok, id); p["text"] != text || p["account"] != "@sandbox" {
			t.Errorf("published post: %v, want text %q on @sandbox", p, text)
		}
		later := a.queued("schedule", map[string]any{"text": "tomorrow's news", "when": "in 2h"})
		if list, _ := a.ok("list_posts", nil); !strings.Contains(list, later) {
			t.Errorf("list_posts lacks the scheduled %s: %q", later, list)
		}
		a.waitStatus(later, "scheduled for")
		if text, _ := a.ok("cancel", map[string]any{"id": later}); !strings.Contains(text, "Cancelled") {
			t.Errorf("cancel: %q", text)
		}
		a.waitStatus(later, "cancelled")
		if text, _ := a.ok("quota", nil); !strings.Contains(strings.ToLower(text), "post") {
			t.Errorf("quota: %q", text)
		}
		// Posting slots, wired through the daemon: set over REST by the account's owner (the
		// token's identity), filled and shown through MCP.
		if text, isErr, _ := a.call("queue", map[string]any{"text": "in a slot"}); !isErr || !strings.Contains(text, "no posting slots") {
			t.Errorf("queue without slots: error=%v %q", isErr, text)
		}
		req, _ := http.NewRequest("PUT", "http://"+addr+"/api/threads/slots", strings.NewReader(`{"slots":"daily 06:00,18:00","zone":"Europe/Berlin"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT /api/threads/slots: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		slotted := a.queued("queue", map[string]any{"text": "in a slot"})
		if text, _ := a.ok("slots", nil); !strings.Contains(text, "daily 06:00,18:00 (Europe/Berlin time)") || !strings.Contains(text, "taken by "+slotted) {
			t.Errorf("slots: %q", text)
		}
		if text, _ := a.ok("cancel", map[string]any{"id": slotted}); !strings.Contains(text, "Cancelled") {
			t.Errorf("cancel the slotted post: %q", text)
		}
		// Refusals are tool errors in the chat's words.
		if text, isErr, _ := a.call("cancel", map[string]any{"id": id}); !isErr || !strings.Contains(text, "already posted") {
			t.Errorf("cancel a published post: error=%v %q", isErr, text)
		}
		if text, _ := a.ok("delete", map[string]any{"id": id}); !strings.Contains(text, "Deleting") {
			t.Errorf("delete: %q", text)
		}
		a.waitStatus(id, "deleted")
		if text, isErr, _ := a.call("schedule", map[string]any{"text": "x", "when": "yesterday at noon"}); !isErr || text == "" {
			t.Errorf("schedule in the past: error=%v %q", isErr, text)
		}
	})

	t.Run("token without rights", func(t *testing.T) {
		_, other := token("--identity", "api:mallory", "--name", "mallory")
		m := overHTTP(other)
		m.t = t
		_, tokA := token("--account", "sandbox", "--name", "victim")
		victim := overHTTP(tokA)
		victim.t = t
		queued := victim.queued("schedule", map[string]any{"text": "not yours to cancel", "when": "in 3h"})
		before := countPosts()
		for _, c := range []struct {
			tool string
			args map[string]any
		}{
			{"post", map[string]any{"text": "hijack", "account": "sandbox"}},
			{"schedule", map[string]any{"text": "hijack", "when": "in 1h", "account": "@sandbox"}},
			{"cancel", map[string]any{"id": queued}},
			{"post_status", map[string]any{"id": queued}},
			{"list_posts", map[string]any{"account": "sandbox"}},
		} {
			text, isErr, _ := m.call(c.tool, c.args)
			if !isErr || text == "" || strings.Contains(text, "not yours") {
				t.Errorf("%s as a token without rights: error=%v %q, want a refusal", c.tool, isErr, text)
			}
		}
		if after := countPosts(); after != before {
			t.Errorf("posts: %d before, %d after the refused calls", before, after)
		}
		victim.waitStatus(queued, "scheduled for")
	})

	t.Run("stdio", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "mcp")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Env = []string{"SPINDLE_TEST_AS_MAIN=1", "SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=" + addr}
		a := connectAgent(t, &sdk.CommandTransport{Command: cmd})
		a.listsTools()
		if text, _ := a.ok("list_accounts", nil); !strings.Contains(text, "@sandbox") {
			t.Errorf("list_accounts as the operator: %q", text)
		}
		id := a.queued("post", map[string]any{"text": "hello from a desktop agent", "account": "sandbox"})
		a.waitStatus(id, "posted")
		later := a.queued("schedule", map[string]any{"text": "later from the desktop", "when": time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339), "account": "@sandbox"})
		if text, _ := a.ok("cancel", map[string]any{"id": later}); !strings.Contains(text, "Cancelled") {
			t.Errorf("cancel: %q", text)
		}
		a.waitStatus(later, "cancelled")
		// The operator deletes on stdio too, through the daemon's simulator in the sandbox.
		if text, _ := a.ok("delete", map[string]any{"id": id}); !strings.Contains(text, "Deleting") {
			t.Errorf("delete on stdio: %q", text)
		}
		a.waitStatus(id, "deleted")
		if text, isErr, _ := a.call("post", map[string]any{"text": "x", "account": "nobody"}); !isErr || !strings.Contains(text, "@nobody") {
			t.Errorf("post to an unknown account: error=%v %q", isErr, text)
		}
		if t.Failed() {
			t.Logf("spindle mcp said:\n%s", stderr.String())
		}
	})
}
