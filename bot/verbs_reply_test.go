package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/storage"
)

// TestReplyAndQuoteInChat: reply and quote queue a post aimed at the named post's Threads id,
// from that post's account; a post not yet published, or someone else's, is refused.
func TestReplyAndQuoteInChat(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	parent := w.posted(t, "17900000000000001")
	tests := []struct {
		name, who, text      string
		want                 []string
		replyTo, quote, acct string // of the queued post; empty acct: nothing queued
	}{
		{"reply by id", "alice", "reply " + parent.ID + " Thanks all", []string{"↩️ Queued reply", "@acme"}, "17900000000000001", "", "acme"},
		{"reply by permalink", "bob", "reply https://www.threads.net/@acme/post/17900000000000001 From bob", []string{"Queued reply", "@acme"}, "17900000000000001", "", "acme"},
		{"quote by id", "alice", "quote " + parent.ID + " Still true", []string{"🔁 Queued quote"}, "", "17900000000000001", "acme"},
		{"reply by media id", "alice", "reply 18032251077019748 to anyone", []string{"Queued reply"}, "18032251077019748", "", "acme"},
		{"someone else's post", "carol", "reply " + parent.ID + " hi", []string{"I know no post"}, "", "", ""},
		{"unknown permalink", "alice", "reply https://www.threads.net/@x/post/nope hi", []string{"not a post Spindle published", "cannot reply"}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := w.db.List(ctx, storage.ListFilter{States: []storage.State{storage.StateQueued}})
			got := w.say(map[string]bot.Identity{"alice": alice, "bob": bob, "carol": carol}[tc.who], "C1", tc.text).Text
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("reply %q lacks %q", got, want)
				}
			}
			after, _ := w.db.List(ctx, storage.ListFilter{States: []storage.State{storage.StateQueued}})
			if tc.acct == "" {
				if len(after) != len(before) {
					t.Errorf("something was queued: %d → %d", len(before), len(after))
				}
				return
			}
			if len(after) != len(before)+1 {
				t.Fatalf("queued %d posts, want 1", len(after)-len(before))
			}
			var p storage.Post
			for _, x := range after {
				if strings.Contains(got, x.ID) {
					p = x
				}
			}
			if p.ReplyToID != tc.replyTo || p.QuoteID != tc.quote || p.AccountID != w.acme.ID {
				t.Errorf("queued reply_to %q quote %q account %d; want %q %q %d", p.ReplyToID, p.QuoteID, p.AccountID, tc.replyTo, tc.quote, w.acme.ID)
			}
		})
	}
	queued := w.say(alice, "C1", "post not yet out").Text
	qid := strings.Fields(strings.SplitN(queued, "Queued ", 2)[1])[0]
	if r := w.say(alice, "C1", "reply "+qid+" too early"); !strings.Contains(r.Text, "not published") {
		t.Errorf("reply to a queued post: %q", r.Text)
	}
}
