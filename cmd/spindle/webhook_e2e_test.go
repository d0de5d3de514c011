package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/storage"
)

// TestWebhookDoorInTheDaemon runs the real binary: `spindle sources add` beside it, then a
// CI-style signed GitHub release event POSTed to the daemon as curl would, which answers 202
// with a status URL after committing the post; a forged delivery is refused and queues
// nothing; the delivery outcomes reach `spindle sources show`.
func TestWebhookDoorInTheDaemon(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_PUBLIC_URL": "https://spindle.example.com"}
	webhookTestAccount(t, dir, "alice")
	code, out, errOut := spindle(t, env, "sources", "add", "releases", "--account", "alice", "--scheme", "github",
		"--preset", "github-release", "--json")
	if code != 0 {
		t.Fatalf("sources add: %d %s", code, errOut)
	}
	var src struct{ URL, Secret string }
	if err := json.Unmarshal([]byte(out), &src); err != nil {
		t.Fatal(err)
	}

	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0",
		"SPINDLE_PUBLIC_URL=https://spindle.example.com"}, "serve", "--sandbox")
	release, err := os.ReadFile("../../ingest/webhook/testdata/github-release-published.json")
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(secret string) (int, map[string]string) {
		h, err := webhook.Sign(webhook.SchemeGitHub, secret, release, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/releases", bytes.NewReader(release))
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "release")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ans map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, ans
	}

	if code, ans := deliver("forged"); code != http.StatusUnauthorized || !strings.Contains(ans["error"], "signature") {
		t.Errorf("forged delivery: %d %v", code, ans)
	}
	code, ans := deliver(src.Secret)
	if code != http.StatusAccepted || ans["status"] != "queued" || ans["status_url"] != "https://spindle.example.com/api/posts/"+ans["id"] {
		t.Fatalf("signed release: %d %v", code, ans)
	}
	if code, again := deliver(src.Secret); code != http.StatusAccepted || again["id"] != ans["id"] {
		t.Errorf("redelivery: %d %v, want the same id %s", code, again, ans["id"])
	}

	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	posts, err := db.List(context.Background(), storage.ListFilter{Door: "webhook"})
	if err != nil || len(posts) != 1 || posts[0].ID != ans["id"] ||
		posts[0].Text != "🚀 Codertocat/Hello-World 0.0.1 is out\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1" {
		t.Fatalf("queued posts: %+v %v", posts, err)
	}

	waitShown(t, env, "releases", func(v sourceView) bool { return v.LastDeliveryAt != nil && v.LastStatus == http.StatusAccepted })

	// A refusal before the signature is looked at (a wrong content type) is recorded against
	// the source too, so `sources show` says why GitHub shows red.
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/releases", bytes.NewReader(release))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain: %d", resp.StatusCode)
	}
	waitShown(t, env, "releases", func(v sourceView) bool {
		return v.LastStatus == http.StatusUnsupportedMediaType && strings.Contains(v.LastError, "application/json")
	})
}

// waitShown polls `sources show` until ok holds: the delivery log is flushed about once a second.
func waitShown(t *testing.T, env map[string]string, name string, ok func(sourceView) bool) {
	t.Helper()
	var out string
	testsignal.Eventually(t, 10*time.Second, "the last delivery recorded as expected", func() bool {
		_, out, _ = spindle(t, env, "sources", "show", name, "--json")
		var v sourceView
		return json.Unmarshal([]byte(out), &v) == nil && ok(v)
	})
}
