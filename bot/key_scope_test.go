package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
)

// TestChatKeysBelongToTheirSender: a door's request key (a Slack signature, a Telegram
// chat:message id) is scoped to the person who sent it. Two people on one account whose
// requests carry the same key each get their post; the second is never told "already queued"
// with the first one's post.
func TestChatKeysBelongToTheirSender(t *testing.T) {
	w := newWorld(t)
	send := func(who bot.Identity, text string) bot.Reply {
		return w.d.Handle(context.Background(), bot.Incoming{Identity: who, Text: text, Channel: "C1", Key: "same-key",
			Origin: ingest.Origin{Door: who.Door, Ref: []byte(`{"channel":"C1"}`)}})
	}
	first := send(alice, "post alice's text")
	second := send(bob, "post bob's text")
	if first.Queued == "" || second.Queued == "" || first.Queued == second.Queued || strings.Contains(second.Text, "Already queued") {
		t.Fatalf("same key from two people: %q then %q", first.Text, second.Text)
	}
	p, err := w.db.Get(context.Background(), second.Queued)
	if err != nil || p.Text != "bob's text" {
		t.Fatalf("bob's post: %+v %v", p, err)
	}
	if again := send(alice, "post alice's text"); again.Queued != first.Queued || !strings.Contains(again.Text, "Already queued") {
		t.Errorf("alice's own repeat: %q, want her first post", again.Text)
	}
}
