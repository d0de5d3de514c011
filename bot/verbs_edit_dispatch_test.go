package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/storage"
)

// TestEditThroughChat edits a scheduled post as its author and as a grantee, is refused for
// people with no right to the account (nothing changes), re-runs the preflight, and answers
// "already publishing" once the publisher has leased it, changing nothing.
func TestEditThroughChat(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := w.say(alice, "C1", "schedule tomorrow 09:00 first words")
	if r.Queued == "" {
		t.Fatalf("schedule: %s", r.Text)
	}
	id := r.Queued
	text := func() string {
		t.Helper()
		p, err := w.db.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p.Text
	}
	for _, tc := range []struct {
		name, who, in string
		want          string
		text          string // the stored text after
	}{
		{"author edits text", "alice", "edit " + id + " second words", "Edited " + id, "second words"},
		{"grantee edits", "bob", "edit " + id + " third words", "Edited " + id, "third words"},
		{"other tenant is told nothing exists", "carol", "edit " + id + " hijacked", "I know no post " + id, "third words"},
		{"stranger refused", "dave", "edit " + id + " hijacked", "I know no post " + id, "third words"},
		{"preflight runs again", "alice", "edit " + id + " " + "a https://1.example b https://2.example c https://3.example d https://4.example e https://5.example f https://6.example", "at most 5", "third words"},
		{"move it", "alice", "edit " + id + " at 2026-11-30 10:00", "Mon 30 Nov 2026 10:00 CET", "third words"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.say(map[string]bot.Identity{"alice": alice, "bob": bob, "carol": carol, "dave": dave}[tc.who], "C1", tc.in)
			if !strings.Contains(r.Text, tc.want) {
				t.Fatalf("%s: %q\nwant it to contain %q", tc.in, r.Text, tc.want)
			}
			if got := text(); got != tc.text {
				t.Fatalf("stored text %q, want %q", got, tc.text)
			}
		})
	}
	p, _ := w.db.Get(ctx, id)
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC); !p.NextAttemptAt.Equal(want) {
		t.Fatalf("moved to %s, want %s", p.NextAttemptAt, want)
	}
	w.clock.Advance(8 * 24 * time.Hour)
	leased, err := w.db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != id {
		t.Fatalf("lease: %v %v", leased, err)
	}
	r = w.say(alice, "C1", "edit "+id+" too late")
	if !r.Refused || !strings.Contains(r.Text, "already publishing") || text() != "third words" {
		t.Fatalf("edit while publishing: %q, stored %q", r.Text, text())
	}
	if err := w.db.Complete(ctx, storage.LeaseOf(leased[0]), "m1", ""); err != nil {
		t.Fatal(err)
	}
	r = w.say(alice, "C1", "edit "+id+" after")
	if !r.Refused || !strings.Contains(r.Text, "is posted, so it cannot be edited") {
		t.Fatalf("edit of a posted post: %q", r.Text)
	}
}
