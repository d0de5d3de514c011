package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRESTMediaCheckedAtTheDoor: the daemon's REST door fetches a post's media URL before it
// accepts the post: a 404 and an HTML page named .png are refused with the reason, an image is
// queued. Before, both were accepted and failed minutes later at Meta.
func TestRESTMediaCheckedAtTheDoor(t *testing.T) {
	media := http.NewServeMux()
	media.HandleFunc("/ok.png", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Content-Type", "image/png") })
	media.HandleFunc("/page.png", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><p>Sign in</p>")
	})
	ms := httptest.NewServer(media)
	defer ms.Close()

	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	// The media server is on loopback: the probe needs the allowance, as feeds do.
	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0", "SPINDLE_ALLOW_PRIVATE_URLS=true"}, "serve", "--sandbox")
	code, out, errOut := spindle(t, env, "tokens", "create", "--account", "sandbox", "--name", "ci", "--json")
	var created struct{ Token string }
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil {
		t.Fatalf("tokens create: %d %s %s", code, out, errOut)
	}
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/ok.png", http.StatusAccepted, ""},
		{"/missing.png", http.StatusBadRequest, "the image at " + ms.URL + "/missing.png cannot be fetched: the server answered 404 Not Found; check the link"},
		{"/page.png", http.StatusBadRequest, "the link " + ms.URL + "/page.png serves an HTML page (text/html), not an image; link the image file itself"},
	}
	for _, tt := range tests {
		body, _ := json.Marshal(map[string]string{"text": "shot", "mediaUrl": ms.URL + tt.path})
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/threads/post", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+created.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		ans, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(ans), tt.want) {
			t.Errorf("%s: %d %s\nwant %d containing %q", tt.path, resp.StatusCode, ans, tt.code, tt.want)
		}
	}
}

// TestRESTReplayOfGoneMediaAnswersTheOriginal: a request replayed with its Idempotency-Key
// after its image was taken down is the same request, already accepted: it answers the original
// post (200, Idempotent-Replayed), where it answered 400 because the media were probed before
// the replay was recognised. A new request for the gone image is still refused.
func TestRESTReplayOfGoneMediaAnswersTheOriginal(t *testing.T) {
	var gone atomic.Bool
	ms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gone.Load() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
	}))
	defer ms.Close()
	dir := t.TempDir()
	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0", "SPINDLE_ALLOW_PRIVATE_URLS=true"}, "serve", "--sandbox")
	code, out, errOut := spindle(t, map[string]string{"SPINDLE_DATA_DIR": dir}, "tokens", "create", "--account", "sandbox", "--name", "ci", "--json")
	var created struct{ Token string }
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil {
		t.Fatalf("tokens create: %d %s %s", code, out, errOut)
	}
	send := func(key, text string) (int, string, string) {
		body, _ := json.Marshal(map[string]string{"text": text, "mediaUrl": ms.URL + "/shot.png"})
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/threads/post", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+created.Token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		ans, _ := io.ReadAll(resp.Body)
		var p struct{ ID string }
		_ = json.Unmarshal(ans, &p)
		return resp.StatusCode, p.ID, string(ans) + " replayed=" + resp.Header.Get("Idempotent-Replayed")
	}
	c1, id1, a1 := send("k-1", "shot")
	if c1 != http.StatusAccepted || id1 == "" {
		t.Fatalf("first request: %d %s", c1, a1)
	}
	gone.Store(true)
	if c, id, a := send("k-1", "shot"); c != http.StatusOK || id != id1 || !strings.HasSuffix(a, "replayed=true") {
		t.Errorf("replay after the image went: %d %s, want 200 with %s", c, a, id1)
	}
	if c, _, a := send("k-2", "shot"); c != http.StatusBadRequest || !strings.Contains(a, "404") {
		t.Errorf("a new request for the gone image: %d %s, want 400 naming the 404", c, a)
	}
	if c, _, a := send("k-1", "another text"); c != http.StatusConflict {
		t.Errorf("the same key for another request: %d %s, want 409", c, a)
	}
}
