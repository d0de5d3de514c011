package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestPostsEdit: spindle posts edit changes a queued post's text, time and media, refuses bad
// input with exit 2, refuses content the preflight refuses, and refuses a post being
// published, changing nothing.
func TestPostsEdit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_TIMEZONE": "UTC"}
	if code, _, errOut := spindle(t, env, "migrate"); code != 0 {
		t.Fatal(errOut)
	}
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.SaveAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "alice", TokenSealed: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	queued, _, _ := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "later", ScheduledAt: time.Now().Add(time.Hour)})
	busy, _, _ := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "now"})
	if leased, err := db.Lease(ctx, 1, time.Hour); err != nil || len(leased) != 1 || leased[0].ID != busy.ID {
		t.Fatalf("lease: %v %v", leased, err)
	}
	db.Close()

	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		out     string
		wantTxt string
	}{
		{"text", []string{queued.ID, "--text", "new words"}, 0, "edited", "new words"},
		{"time and media json", []string{queued.ID, "--at", "in 3h", "--media-url", "https://cdn.example/a.png", "--json"}, 0, `"text": "new words"`, "new words"},
		{"nothing to change", []string{queued.ID}, 2, "say what to change", "new words"},
		{"bad time", []string{queued.ID, "--at", "soon"}, 2, "--at", "new words"},
		{"no id", []string{"--text", "x"}, 2, "give one post id", "new words"},
		{"preflight", []string{queued.ID, "--text", "a https://1.ex b https://2.ex c https://3.ex d https://4.ex e https://5.ex f https://6.ex"}, 1, "at most 5", "new words"},
		{"publishing", []string{busy.ID, "--text", "x"}, 1, "already publishing", ""},
		{"unknown", []string{"zzzzzz9", "--text", "x"}, 1, "not found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := spindle(t, env, append([]string{"posts", "edit"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.out) {
				t.Fatalf("exit %d, out %q, err %q; want %d with %q", code, out, errOut, tc.code, tc.out)
			}
		})
	}
	db, err = storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, _ := db.Get(ctx, queued.ID)
	if p.Text != "new words" || len(p.Media) != 1 || p.ScheduledAt.Before(time.Now().Add(2*time.Hour)) {
		t.Fatalf("after the edits: %+v", p)
	}
	if b, _ := db.Get(ctx, busy.ID); b.Text != "now" {
		t.Fatalf("the post being published changed: %q", b.Text)
	}
}
