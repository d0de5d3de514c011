package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// queued sends a command and returns the post it queued.
func (e *env) queued(text string) storage.Post {
	e.t.Helper()
	e.say("UALICE", text)
	e.door.wg.Wait() // the confirmation of a schedule is posted after the ack
	ps, err := e.db.List(context.Background(), storage.ListFilter{Limit: 1})
	if err != nil || len(ps) == 0 {
		e.t.Fatalf("nothing queued by %q: %v", text, err)
	}
	return ps[0]
}

func event(id int64, kind publisher.EventKind, p storage.Post) publisher.Event {
	return publisher.Event{ID: id, Kind: kind, PostID: p.ID, AccountID: p.AccountID, Door: p.Door, OriginRef: p.OriginRef,
		Permalink: "https://www.threads.net/@acme/post/C8xYz12AbCd", Reason: "Threads said the text is too long; shorten it and post again.",
		Until: time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)}
}

// Within 30 minutes a result goes to the command's response_url, in the channel.
func TestNotifyViaResponseURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.queued("post hello")
	ctx := context.Background()
	if err := e.door.Notify(ctx, event(1, publisher.EventPosted, p)); err != nil {
		t.Fatal(err)
	}
	msgs := e.slack.Messages()
	if len(msgs) != 1 || msgs[0].Via != "response_url" || msgs[0].ResponseType != "in_channel" ||
		msgs[0].Text != "✅ Posted: https://www.threads.net/@acme/post/C8xYz12AbCd (post "+p.ID+")" {
		t.Fatalf("messages: %+v", msgs)
	}
	// The same outbox event again (at-least-once delivery) is not shown twice.
	if err := e.door.Notify(ctx, event(1, publisher.EventPosted, p)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.slack.Messages()); n != 1 {
		t.Errorf("a repeated event was shown again: %d messages", n)
	}
}

// A response_url serves 5 uses, counted durably across a restart; later results go through
// chat.postMessage and Slack never sees a sixth use.
func TestResponseURLFiveUses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.queued("post hello")
	ctx := context.Background()
	for i := range int64(3) {
		if err := e.door.Notify(ctx, event(10+i, publisher.EventDelayed, p)); err != nil {
			t.Fatal(err)
		}
	}
	restarted := e.newDoor(idleDispatcher{})
	for i := range int64(4) {
		if err := restarted.Notify(ctx, event(20+i, publisher.EventDelayed, p)); err != nil {
			t.Fatal(err)
		}
	}
	var viaURL, viaChat int
	for _, m := range e.slack.Messages() {
		switch m.Via {
		case "response_url":
			viaURL++
		case "chat.postMessage":
			viaChat++
			if m.Channel != "C1" {
				t.Errorf("chat.postMessage to %s, want C1", m.Channel)
			}
		}
		if !strings.HasPrefix(m.Text, "⏳ Over quota: will post at 14:05 UTC") {
			t.Errorf("text %q", m.Text)
		}
	}
	if viaURL != 5 || viaChat != 2 || e.slack.Refused() != 0 {
		t.Errorf("response_url %d, chat.postMessage %d, refused %d; want 5, 2, 0", viaURL, viaChat, e.slack.Refused())
	}
}

// A scheduled post's result, hours later, comes through chat.postMessage threaded under the
// public confirmation posted when it was scheduled.
func TestScheduledReportedAfter30Minutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.queued("schedule in 2h release notes are up")
	msgs := e.slack.Messages()
	if len(msgs) != 1 || msgs[0].Via != "chat.postMessage" || !strings.Contains(msgs[0].Text, "<@UALICE> Scheduled "+p.ID) {
		t.Fatalf("confirmation: %+v", msgs)
	}
	confirmTS := msgs[0].TS
	e.clock.Advance(2*time.Hour + time.Minute)
	if err := e.door.Notify(context.Background(), event(7, publisher.EventPosted, p)); err != nil {
		t.Fatal(err)
	}
	msgs = e.slack.Messages()
	last := msgs[len(msgs)-1]
	if len(msgs) != 2 || last.Via != "chat.postMessage" || last.Channel != "C1" || last.ThreadTS != confirmTS ||
		!strings.HasPrefix(last.Text, "✅ Posted: https://www.threads.net/@acme/post/C8xYz12AbCd") {
		t.Fatalf("result: %+v", msgs)
	}
	if e.slack.Refused() != 0 {
		t.Error("an expired response_url was tried")
	}
}

// When the bot may not write in the channel, the person gets the result in their DM.
func TestNotifyFallsBackToDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.queued("post hello")
	e.slack.SetChannelError("C1", "not_in_channel")
	e.clock.Advance(31 * time.Minute)
	if err := e.door.Notify(context.Background(), event(3, publisher.EventFailed, p)); err != nil {
		t.Fatal(err)
	}
	msgs := e.slack.Messages()
	if len(msgs) != 1 || msgs[0].Channel != "UALICE" || !strings.HasPrefix(msgs[0].Text, "❌ Failed: Threads said the text is too long") {
		t.Fatalf("messages: %+v", msgs)
	}
}

// idleDispatcher stands in where a Door only notifies.
type idleDispatcher struct{}

func (idleDispatcher) Handle(context.Context, bot.Incoming) bot.Reply {
	return bot.Reply{Text: "unused"}
}

func (idleDispatcher) Run(context.Context, bot.Incoming, bot.Command) bot.Reply {
	return bot.Reply{Text: "unused"}
}

func TestTellSendsADirectMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.door.Tell(context.Background(), "UALICE", "Connected as @acme"); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, m := range e.slack.Messages() {
		found = found || (m.Via == "chat.postMessage" && m.Channel == "UALICE" && m.Text == "Connected as @acme")
	}
	if !found {
		t.Fatalf("no direct message to UALICE: %+v", e.slack.Messages())
	}
}
