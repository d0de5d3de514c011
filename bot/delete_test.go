package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// posted stores a post on @acme published as mediaID.
func (w *world) posted(t *testing.T, mediaID string) storage.Post {
	t.Helper()
	ctx := context.Background()
	p, _, err := w.db.Enqueue(ctx, storage.NewPost{AccountID: w.acme.ID, Door: "slack", Text: "published words"})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := w.db.Lease(ctx, 10, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v %d", err, len(leased))
	}
	if err := w.db.Complete(ctx, storage.LeaseOf(leased[0]), mediaID, "https://www.threads.net/@acme/post/"+mediaID); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDeleteOutcomesInChat: each way a delete can go is told in words, never as "a problem on
// Spindle's side": a missing permission names it and the door's own relink command.
func TestDeleteOutcomesInChat(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"deleting", nil, []string{"Deleting", "@acme"}},
		{"missing permission (Slack)", &publisher.DeleteError{Kind: publisher.ErrMissingScope, Scope: "threads_delete", Msg: "x"},
			[]string{"threads_delete", "/threads connect"}},
		{"deletion quota", &publisher.DeleteError{Kind: publisher.ErrQuotaExceeded, Until: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC),
			Msg: "the account has used its deletion quota (100 deletions in 24 hours); try again after 2026-11-24 08:00 UTC"}, []string{"deletion quota", "2026-11-24 08:00 UTC"}},
		{"already deleted at Threads", &publisher.DeleteError{Kind: publisher.ErrAlreadyDeleted, Msg: "post x was already deleted from Threads"}, []string{"already deleted"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			p := w.posted(t, "1790001")
			w.deleter.Err = tc.err
			r := w.say(alice, "C1", "delete "+p.ID)
			for _, want := range tc.want {
				if !strings.Contains(r.Text, want) {
					t.Errorf("reply %q lacks %q", r.Text, want)
				}
			}
			if strings.Contains(r.Text, "on its side") {
				t.Errorf("reply blames Spindle: %q", r.Text)
			}
		})
	}
}

// TestDeletedPostInChat: status and list say deleted, and delete again says so without asking
// Threads.
func TestDeletedPostInChat(t *testing.T) {
	w := newWorld(t)
	p := w.posted(t, "1790002")
	if err := w.db.RecordDeletion(context.Background(), p.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if r := w.say(alice, "C1", "status "+p.ID); !strings.Contains(r.Text, "deleted from Threads") {
		t.Errorf("status: %q", r.Text)
	}
	if r := w.say(alice, "C1", "delete "+p.ID); !strings.Contains(r.Text, "already deleted") {
		t.Errorf("delete again: %q", r.Text)
	}
	r := w.say(alice, "C1", "list")
	if len(r.Recent) != 1 || r.Recent[0].ID != p.ID || r.Recent[0].State != "deleted" {
		t.Errorf("list's recent rows: %+v, want %s deleted", r.Recent, p.ID)
	}
	if !regexp.MustCompile(`(?m)^`+p.ID+`  .*  deleted  `).MatchString(r.Text) || !strings.Contains(r.Text, "Nothing is waiting") {
		t.Errorf("list: %q, want nothing waiting and %s deleted", r.Text, p.ID)
	}
	if len(w.deleter.Deleted) != 0 {
		t.Errorf("Threads was asked again: %v", w.deleter.Deleted)
	}
}
