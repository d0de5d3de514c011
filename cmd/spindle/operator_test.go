package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOperatorTokensAndAccountsAgainstTheDaemon runs the operator's commands beside a running
// daemon: a REST API token is created for the sandbox account, used to queue a post over
// HTTP, revoked (the API then refuses it), and the account is listed, shown and disconnected.
func TestOperatorTokensAndAccountsAgainstTheDaemon(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0"}, "serve", "--sandbox")

	code, out, errOut := spindle(t, env, "tokens", "create", "--account", "sandbox", "--name", "ci", "--json")
	if code != 0 {
		t.Fatalf("tokens create: %d %s", code, errOut)
	}
	var created struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || !strings.HasPrefix(created.Token, "spd_") {
		t.Fatalf("tokens create --json: %q (%v)", out, err)
	}
	postAPI := func() int {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/threads/post", bytes.NewBufferString(`{"text":"Hello from a script"}`))
		req.Header.Set("Authorization", "Bearer "+created.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := postAPI(); got != http.StatusAccepted {
		t.Fatalf("POST /api/threads/post with the new token: %d, want 202", got)
	}
	if code, out, _ := spindle(t, env, "tokens", "list", "--json"); code != 0 || !strings.Contains(out, `"name": "ci"`) || strings.Contains(out, created.Token) {
		t.Fatalf("tokens list must show the token's name and never the token: %d %s", code, out)
	}
	if code, _, errOut := spindle(t, env, "tokens", "revoke", itoa(created.ID)); code != 0 {
		t.Fatalf("tokens revoke: %d %s", code, errOut)
	}
	if got := postAPI(); got != http.StatusUnauthorized {
		t.Fatalf("POST with a revoked token: %d, want 401", got)
	}

	code, out, _ = spindle(t, env, "accounts", "list", "--json")
	if code != 0 || !strings.Contains(out, `"username": "sandbox"`) {
		t.Fatalf("accounts list: %d %s", code, out)
	}
	if code, out, _ := spindle(t, env, "accounts", "show", "sandbox"); code != 0 || !strings.Contains(out, "sandbox") {
		t.Fatalf("accounts show: %d %s", code, out)
	}
	if code, _, errOut := spindle(t, env, "accounts", "disconnect", "sandbox"); code != 0 {
		t.Fatalf("accounts disconnect: %d %s", code, errOut)
	}
	if code, out, _ := spindle(t, env, "accounts", "show", "sandbox", "--json"); code != 0 || !strings.Contains(out, `"status": "disconnected"`) {
		t.Fatalf("after disconnect: %d %s", code, out)
	}
	if code, _, _ := spindle(t, env, "accounts", "show", "nobody"); code == 0 {
		t.Fatal("showing an unknown account succeeded")
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
