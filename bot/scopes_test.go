package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// TestMissingScopeRefusedInChat: on an account linked with only the publishing scopes, a chat
// reply and a long post (a thread of replies) are refused when sent, naming the permission and
// the connect command, and nothing is queued; a short post still is. Once Threads has refused a
// scope to an account whose scopes were unknown, the same holds.
func TestMissingScopeRefusedInChat(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	target := w.posted(t, "1790003")
	narrow := w.acme
	narrow.Scopes = []string{threads.ScopeBasic, threads.ScopeContentPublish}
	if _, err := w.db.SaveAccount(ctx, narrow); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("A long thought in chat. ", 30)
	for _, text := range []string{"reply " + target.ID + " thanks!", "post " + long} {
		r := w.say(alice, "C1", text)
		if !r.Refused || !strings.Contains(r.Text, threads.ScopeManageReplies) || !strings.Contains(r.Text, "/threads connect") {
			t.Errorf("%.20s…: %q, want a refusal naming %s and /threads connect", text, r.Text, threads.ScopeManageReplies)
		}
	}
	if r := w.say(alice, "C1", "post short and fine"); r.Refused {
		t.Errorf("a short post was refused: %q", r.Text)
	}
	if ps, _ := w.db.List(ctx, storage.ListFilter{AccountID: w.acme.ID, States: []storage.State{storage.StateQueued}}); len(ps) != 1 {
		t.Errorf("%d posts queued, want only the short one", len(ps))
	}

	// Scopes unknown (linked before they were recorded), then refused by Threads once.
	unknown := w.acme
	unknown.Scopes = nil
	if _, err := w.db.SaveAccount(ctx, unknown); err != nil {
		t.Fatal(err)
	}
	if r := w.say(alice, "C1", "reply "+target.ID+" first try"); r.Refused {
		t.Fatalf("with unknown scopes the reply was refused: %q", r.Text)
	}
	if err := w.db.ForgetScope(ctx, w.acme.ID, threads.ScopeManageReplies); err != nil {
		t.Fatal(err)
	}
	if r := w.say(alice, "C1", "reply "+target.ID+" second try"); !r.Refused || !strings.Contains(r.Text, threads.ScopeManageReplies) {
		t.Errorf("after Threads refused the scope: %q, want a refusal naming it", r.Text)
	}
}
