package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
