package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestRESTInsights: with the default scopes, GET /api/threads/post/{id}/insights answers a
// published post's counts from the simulator, by Spindle id and by Threads media id; a caller
// with no right on the account gets 404 (the post's existence is not told), a post not yet
// published 409; the MCP stats tool answers the same counts.
func TestRESTInsights(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0"}, "serve", "--sandbox")
	token := func(args ...string) string {
		code, out, errOut := spindle(t, env, append([]string{"tokens", "create", "--json"}, args...)...)
		var tok struct{ Token string }
		if code != 0 || json.Unmarshal([]byte(out), &tok) != nil {
			t.Fatalf("tokens create: %d %s %s", code, out, errOut)
		}
		return tok.Token
	}
	owner, stranger := token("--account", "sandbox"), token("--identity", "telegram:999")
	get := func(tok, path string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		m := map[string]any{}
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	id := postAndWait(t, dir, "How many saw this?", 0, nil)
	code, in := get(owner, "/api/threads/post/"+id+"/insights")
	if code != http.StatusOK || in["id"] != id || in["views"] != float64(0) || in["replies"] != float64(0) {
		t.Fatalf("insights: %d %v", code, in)
	}
	if code, again := get(owner, "/api/threads/post/"+in["threads_id"].(string)+"/insights"); code != http.StatusOK || again["id"] != id {
		t.Errorf("insights by media id: %d %v", code, again)
	}
	if code, ans := get(stranger, "/api/threads/post/"+id+"/insights"); code != http.StatusNotFound {
		t.Errorf("a stranger's insights read: %d %v, want 404", code, ans)
	}
	a := connectAgent(t, &sdk.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: bearer(owner)}})
	if text, _ := a.ok("stats", map[string]any{"id": id}); !strings.Contains(text, "0 views") || !strings.Contains(text, id) {
		t.Errorf("MCP stats: %q", text)
	}
	code, out, _ := spindle(t, env, "post", "not yet", "--account", "sandbox", "--at", "in 2h", "--json")
	var queued struct{ ID string }
	if code != 0 || json.Unmarshal([]byte(out), &queued) != nil {
		t.Fatal("could not schedule a post")
	}
	if code, ans := get(owner, "/api/threads/post/"+queued.ID+"/insights"); code != http.StatusConflict {
		t.Errorf("insights of a queued post: %d %v, want 409", code, ans)
	}
}
