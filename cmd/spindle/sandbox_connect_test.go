package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// TestSandboxConnectChainDeleteRestart: in a fresh sandbox a chat user connects an account
// (not @sandbox, which is the demo owner's), publishes a three-part chain and deletes it over
// REST with the default scopes; after a restart over the same data dir the account still
// publishes.
func TestSandboxConnectChainDeleteRestart(t *testing.T) {
	dir := t.TempDir()
	addr := freeLoopbackAddr(t)
	public := "http://" + addr
	env := []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=" + addr, "SPINDLE_PUBLIC_URL=" + public, "SPINDLE_POLL_INTERVAL=1s"}
	cmd, _, _ := startSpindle(t, env, "serve", "--sandbox")

	code, out, errOut := spindle(t, map[string]string{"SPINDLE_DATA_DIR": dir}, "tokens", "create", "--identity", "telegram:4242", "--json")
	var tok struct{ Token string }
	if code != 0 || json.Unmarshal([]byte(out), &tok) != nil || tok.Token == "" {
		t.Fatalf("tokens create: %d %s %s", code, out, errOut)
	}
	api := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, public+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &m)
		if m == nil {
			m = map[string]any{"raw": string(raw)}
		}
		return resp.StatusCode, m
	}
	code, start := api("GET", "/api/auth/threads?mode=json", nil)
	if code != 200 {
		t.Fatalf("GET /api/auth/threads: %d %v", code, start)
	}
	if status, page := consent(t, start["url"].(string)); status != 200 || !strings.Contains(page, "@"+sandboxChatUsername) {
		t.Fatalf("connecting in a fresh sandbox: %d %s", status, page)
	}

	waitPosted := func(id string) {
		t.Helper()
		testsignal.Eventually(t, 15*time.Second, "post "+id+" posted", func() bool {
			_, p := api("GET", "/api/posts/"+id, nil)
			if p["status"] == "failed" {
				t.Fatalf("post %s failed: %v", id, p["error"])
			}
			return p["status"] == "posted"
		})
	}
	long := strings.Repeat("A chain from the sandbox goes on. ", 36) // ~1,200 characters: three parts
	code, p := api("POST", "/api/threads/post", map[string]any{"text": long, "thread": true, "account": "@" + sandboxChatUsername})
	if code != 202 {
		t.Fatalf("post the chain: %d %v", code, p)
	}
	chain := p["id"].(string)
	waitPosted(chain)
	if code, ans := api("DELETE", "/api/threads/post/"+chain, nil); code != 200 {
		t.Fatalf("delete: %d %v", code, ans)
	}
	if _, got := api("GET", "/api/posts/"+chain, nil); got["status"] != "deleted" {
		t.Errorf("after delete the post reads %v, want deleted", got["status"])
	}
	if code, ans := api("DELETE", "/api/threads/post/"+chain, nil); code != 410 {
		t.Errorf("delete again: %d %v, want 410", code, ans)
	}

	cmd.Process.Kill()
	cmd.Wait()
	startSpindle(t, env, "serve", "--sandbox")
	code, p = api("POST", "/api/threads/post", map[string]any{"text": "after the restart", "account": "@" + sandboxChatUsername})
	if code != 202 {
		t.Fatalf("post after restart: %d %v", code, p)
	}
	waitPosted(p["id"].(string))
}

// freeLoopbackAddr returns a loopback address nothing listens on, so the public URL can name
// the port before the daemon starts.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// consent does what a person does with a connect link: opens it in a browser that keeps
// cookies, presses Continue, and follows the consent back to Spindle's callback.
func consent(t *testing.T, link string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 15 * time.Second}
	get := func(u string) (int, string) {
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(page)
	}
	status, page := get(link)
	next, ok := accounts.ContinueURL(page)
	if status != 200 || !ok {
		t.Fatalf("the connect link answered %d without a Continue link: %s", status, page)
	}
	return get(next)
}
