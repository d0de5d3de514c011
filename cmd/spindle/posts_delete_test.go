package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestPostsDeleteFromTheShell: beside a running sandbox daemon, `spindle posts delete` removes a
// post the daemon published from (simulated) Threads, and it reads deleted everywhere; again, it
// says already deleted; a queued post, an unknown id and a missing argument are refused with
// what to do, changing nothing.
func TestPostsDeleteFromTheShell(t *testing.T) {
	dir := t.TempDir()
	_, addr, _ := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0"}, "serve", "--sandbox")
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_ADDR": addr}
	id := postAndWait(t, dir, "Posted, then deleted from the shell", 0, nil)

	code, out, errOut := spindle(t, env, "posts", "delete", id, "--json")
	var got struct{ ID, Status string }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ID != id || got.Status != "deleted" {
		t.Fatalf("posts delete: %d %s %s", code, out, errOut)
	}
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if p, _ := db.Get(context.Background(), id); p.Status() != "deleted" {
		t.Errorf("after posts delete the post reads %s", p.Status())
	}
	if _, page := get(t, "http://"+addr+"/"); !strings.Contains(page, "deleted") {
		t.Error("the status page does not show the post deleted")
	}

	later, _, _ := spindle(t, env, "post", "not yet", "--account", "sandbox", "--at", "in 2h")
	if later != 0 {
		t.Fatal("could not schedule a post")
	}
	queued, _ := db.List(context.Background(), storage.ListFilter{States: []storage.State{storage.StateQueued}})
	if len(queued) != 1 {
		t.Fatalf("%d queued posts, want 1", len(queued))
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"again", []string{"posts", "delete", id}, 1, "already deleted"},
		{"queued", []string{"posts", "delete", queued[0].ID}, 1, "only a published post can be deleted"},
		{"unknown", []string{"posts", "delete", "pnope00"}, 1, "no post pnope00"},
		{"no post", []string{"posts", "delete"}, 2, "give the post"},
		{"unknown verb", []string{"posts", "remove", id}, 2, "unknown posts command"},
	}
	for _, tc := range cases {
		code, out, errOut := spindle(t, env, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.contains) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d saying %q", tc.name, code, out, errOut, tc.code, tc.contains)
		}
	}
	if p, _ := db.Get(context.Background(), queued[0].ID); p.State != storage.StateQueued {
		t.Errorf("the queued post is %s after a refused delete", p.State)
	}
}
