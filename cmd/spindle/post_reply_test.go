package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestPostReplyToAndQuote: spindle post --reply-to and --quote take a Spindle post id (of a
// published post) or a Threads media id, and refuse anything else with exit 2 and nothing stored.
func TestPostReplyToAndQuote(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
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
	published, _, _ := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "parent"})
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v", err)
	}
	if err := db.Complete(ctx, storage.LeaseOf(leased[0]), "17900000000000042", "https://www.threads.net/@alice/post/x"); err != nil {
		t.Fatal(err)
	}
	queued, _, _ := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "later", ScheduledAt: time.Now().Add(time.Hour)})
	db.Close()

	tests := []struct {
		name           string
		args           []string
		code           int
		replyTo, quote string
		errWant        string
	}{
		{"reply to a Spindle id", []string{"--reply-to", published.ID}, 0, "17900000000000042", "", ""},
		{"reply to a media id", []string{"--reply-to", "18032251077019748"}, 0, "18032251077019748", "", ""},
		{"quote a Spindle id", []string{"--quote", published.ID}, 0, "", "17900000000000042", ""},
		{"reply to a queued post", []string{"--reply-to", queued.ID}, 2, "", "", "not published"},
		{"reply to nonsense", []string{"--reply-to", "nope!"}, 2, "", "", "not a Threads media id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"post", "a reply", "--account", "alice", "--json"}, tc.args...)
			code, out, errOut := spindle(t, env, args...)
			if code != tc.code || !strings.Contains(errOut, tc.errWant) {
				t.Fatalf("exit %d %q %q, want %d with %q", code, out, errOut, tc.code, tc.errWant)
			}
			if code != 0 {
				return
			}
			var got struct{ ID string }
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			db, err := storage.Open(dir, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, err := db.Get(ctx, got.ID)
			if err != nil || p.ReplyToID != tc.replyTo || p.QuoteID != tc.quote {
				t.Errorf("stored %+v (%v), want reply_to %q quote %q", p, err, tc.replyTo, tc.quote)
			}
		})
	}
}
