package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testsignal"
)

// TestEventWebhooksInTheDaemon runs the real binary in the sandbox: `spindle events add`
// beside it, then `spindle post`; the receiver gets post.published signed with the secret the
// command printed, and `spindle events list` shows the delivery.
func TestEventWebhooksInTheDaemon(t *testing.T) {
	dir := t.TempDir()
	type hit struct {
		ok   bool
		body []byte
	}
	hits := make(chan hit, 8)
	secret := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := <-secret
		secret <- s
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "."))
		m.Write(body)
		want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
		hits <- hit{ok: hmac.Equal([]byte(r.Header.Get("webhook-signature")), []byte(want)), body: body}
	}))
	defer srv.Close()

	cmd, _, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0", "SPINDLE_ALLOW_PRIVATE_URLS=true"}, "serve", "--sandbox")
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	code, out, errOut := spindle(t, map[string]string{"SPINDLE_DATA_DIR": dir}, "events", "add", srv.URL, "--events", "post.published", "--json")
	if code != 0 {
		t.Fatalf("events add: %d %s", code, errOut)
	}
	var added struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatal(err)
	}
	secret <- added.Secret
	id := postAndWait(t, dir, "Hello, receivers", 0, nil)

	select {
	case h := <-hits:
		var m struct {
			Type string
			Data struct {
				PostID    string `json:"post_id"`
				Permalink string
			}
		}
		if !h.ok || json.Unmarshal(h.body, &m) != nil || m.Type != "post.published" || m.Data.PostID != id ||
			!strings.HasPrefix(m.Data.Permalink, "https://www.threads.net/@sandbox/post/") {
			t.Fatalf("receiver got signature ok=%v %s", h.ok, h.body)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no event reached the receiver within 15 s of the post being published")
	}
	// The daemon marks the delivery once the receiver's answer is in.
	testsignal.Eventually(t, 10*time.Second, "events list shows the delivery", func() bool {
		code, out, _ = spindle(t, map[string]string{"SPINDLE_DATA_DIR": dir}, "events", "list")
		return code == 0 && strings.Contains(out, "delivered 200")
	})
}
