package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestSandboxPublishesACLIPost is the README's newcomer path: serve --sandbox links a demo
// account, `spindle post` queues beside the running daemon, and the daemon publishes it to the
// simulator, restarting cleanly on the same data dir.
func TestSandboxPublishesACLIPost(t *testing.T) {
	dir := t.TempDir()
	// The default poll interval (30 s): the daemon must notice the CLI's commit by itself.
	env := []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0", "SPINDLE_LOG_LEVEL=debug"}
	for round := 0; round < 2; round++ {
		cmd, addr, logs := startSpindle(t, env, "serve", "--sandbox")
		// The first post may be caught by the drain the daemon runs at start; the second is
		// queued once the first is out, so only noticing the other process's commit can
		// publish it well before the next 30-second poll.
		var id string
		for _, text := range []string{"Hello, Threads", "Hello again"} {
			id = postAndWait(t, dir, text, round, logs)
		}
		_, metrics := get(t, "http://"+addr+"/metrics")
		for _, want := range []string{`spindle_posts{door="cli",state="posted"} `, `spindle_threads_api_requests_total{endpoint="threads_create",outcome="ok"}`, "spindle_quota_used{"} {
			if !strings.Contains(metrics, want) {
				t.Errorf("round %d: /metrics lacks %s", round, want)
			}
		}
		if code, page := get(t, "http://"+addr+"/"); code != 200 || !strings.Contains(page, "@sandbox") || !strings.Contains(page, id) {
			t.Errorf("round %d: status page %d lacks the account or post %s", round, code, id)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// postAndWait queues text with `spindle post` beside the running daemon and waits up to ten
// seconds (a third of the poll interval) for it to be published; it returns the post id. On
// failure it shows where the post got to and, given the daemon's logs, what it logged meanwhile.
func postAndWait(t *testing.T, dir, text string, round int, logs <-chan string) string {
	t.Helper()
	code, out, errOut := spindle(t, map[string]string{"SPINDLE_DATA_DIR": dir}, "post", text, "--account", "sandbox")
	if code != 0 {
		t.Fatalf("round %d: spindle post: %d %s", round, code, errOut)
	}
	id := strings.Fields(out)[0]
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var said []string // what the daemon logged while the post went out
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	// The daemon publishes; the test polls its database.
	for deadline := time.Now().Add(10 * time.Second); ; {
		p, err := db.Get(context.Background(), id)
		if err == nil && p.State == storage.StatePosted {
			if !strings.HasPrefix(p.Permalink, "https://www.threads.net/@sandbox/post/") {
				t.Fatalf("round %d: post %s (%q) was published with the permalink %q", round, id, text, p.Permalink)
			}
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: post %s (%q) is %s (attempts %d, next attempt %s, last error %q, read error %v) "+
				"ten seconds after spindle post, want posted; the daemon logged meanwhile:\n%s",
				round, id, text, p.State, p.Attempts, p.NextAttemptAt.Format(time.RFC3339Nano), p.LastError, err,
				strings.Join(said, "\n"))
		}
		select {
		case line := <-logs:
			said = append(said, line)
		case <-tick.C:
		}
	}
}
