package telegram_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/publisher"
)

func ref(t *testing.T, chat int64, msg int) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(telegram.Ref{ChatID: chat, MessageID: msg})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Each kind of result is a reply to the original message; a repeated event is sent once;
// other doors' events and a chat that blocked the bot are not errors; the webhook-only kinds
// (queued, cancelled, account connected) send nothing.
func TestNotify(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	ctx := context.Background()
	until := time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)
	events := []publisher.Event{
		{ID: 1, Kind: publisher.EventFailed, PostID: "pfail01", Door: "telegram", OriginRef: ref(t, 42, 7), Reason: "The image could not be fetched; send it again."},
		{ID: 2, Kind: publisher.EventDelayed, PostID: "pdel001", Door: "telegram", OriginRef: ref(t, 42, 8), Until: until, At: until.Add(-time.Hour)},
		{ID: 3, Kind: publisher.EventWaitingReconnect, PostID: "pwait01", Door: "telegram", OriginRef: ref(t, 42, 9)},
		{ID: 1, Kind: publisher.EventFailed, PostID: "pfail01", Door: "telegram", OriginRef: ref(t, 42, 7), Reason: "repeat"},
		{ID: 4, Kind: publisher.EventPosted, PostID: "pslack1", Door: "slack", OriginRef: ref(t, 42, 10)},
		// Webhook-only kinds: the chat already acknowledged the post, or cancelled it itself.
		{ID: 5, Kind: publisher.EventQueued, PostID: "pq00001", Door: "telegram", OriginRef: ref(t, 42, 11)},
		{ID: 6, Kind: publisher.EventCancelled, PostID: "pq00001", Door: "telegram", OriginRef: ref(t, 42, 11)},
		{ID: 7, Kind: publisher.EventAccountConnected, Door: "telegram", OriginRef: ref(t, 42, 12)},
	}
	for _, e := range events {
		if err := h.door.Notify(ctx, e); err != nil {
			t.Fatalf("notify %d: %v", e.ID, err)
		}
	}
	sent := h.tg.Sent()
	if len(sent) != 3 {
		t.Fatalf("sent %d messages, want 3: %+v", len(sent), sent)
	}
	for i, want := range []struct {
		reply int
		text  string
	}{{7, bot.FormatEvent(events[0], time.UTC)}, {8, "⏳ Over quota: will post at 14:05 UTC"}, {9, "🔌 Waiting for reconnect"}} {
		if sent[i].ChatID != 42 || sent[i].ReplyTo != want.reply || !strings.HasPrefix(sent[i].Text, want.text) {
			t.Errorf("message %d = %+v, want a reply to %d starting %q", i, sent[i], want.reply, want.text)
		}
	}
	h.tg.FailNext("sendMessage", 403)
	if err := h.door.Notify(ctx, publisher.Event{ID: 9, Kind: publisher.EventPosted, Door: "telegram", OriginRef: ref(t, 43, 1)}); err != nil {
		t.Fatalf("a chat that blocked the bot: %v, want nil (retrying cannot help)", err)
	}
	h.tg.FailNext("sendMessage", 500)
	if err := h.door.Notify(ctx, publisher.Event{ID: 10, Kind: publisher.EventPosted, Door: "telegram", OriginRef: ref(t, 43, 1)}); err == nil {
		t.Fatal("a server error was swallowed; the outbox must retry it")
	}
	// The retry of a failed delivery is sent, not deduplicated away.
	if err := h.door.Notify(ctx, publisher.Event{ID: 10, Kind: publisher.EventPosted, Door: "telegram", OriginRef: ref(t, 43, 1)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.tg.WaitSent(time.Second, func(s telegramtest.Sent) bool { return s.ChatID == 43 && strings.HasPrefix(s.Text, "✅") }); !ok {
		t.Fatal("the retried event was not sent")
	}
}

// panicky is a dispatcher whose first command panics.
type panicky struct{ calls chan string }

func (p panicky) Handle(_ context.Context, in bot.Incoming) bot.Reply {
	p.calls <- in.Text
	if in.Text == "boom" {
		panic("dispatcher exploded")
	}
	return bot.Reply{Text: "handled " + in.Text}
}

// A panic while handling one update is logged; the door goes on with the next.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, m mode) {
		p := panicky{calls: make(chan string, 4)}
		h := newHarness(t, m, options{dispatcher: p})
		chat := telegramtest.Private(alice)
		h.deliver(h.tg.Text(chat, alice, "/boom"))
		h.deliver(h.tg.Text(chat, alice, "/list"))
		h.waitSent("for the command after the panic", func(s telegramtest.Sent) bool { return s.Text == "handled list" })
		if !strings.Contains(h.logs.String(), "dispatcher exploded") {
			t.Fatal("the panic was not logged")
		}
	})
}

// A Telegram file that cannot be downloaded is reported to the person; neither the reply nor
// the logs carry the download URL (which holds the bot token).
func TestMediaDownloadFailureKeepsTokenSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	chat := telegramtest.Private(alice)
	h.deliver(h.tg.Photo(chat, alice, "FILE-UNKNOWN", "lost", ""))
	got := h.waitSent("about the failed download", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "could not fetch") })
	if strings.Contains(got.Text, h.tg.Token) || strings.Contains(got.Text, "/file/bot") {
		t.Fatalf("reply leaks the file URL: %q", got.Text)
	}
	if ps := h.posts(); len(ps) != 0 {
		t.Fatalf("posts %+v", ps)
	}
	// A file whose download itself fails.
	h.tg.FailNext("download", 404)
	h.deliver(h.tg.Photo(chat, alice, h.tg.AddFile("photos/gone.jpg", jpeg(1)), "gone", ""))
	got = h.waitSent("about the failed download", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "HTTP 404") })
	if strings.Contains(got.Text, h.tg.Token) || strings.Contains(got.Text, "/file/bot") {
		t.Fatalf("reply leaks the file URL: %q", got.Text)
	}
	if n := len(h.tg.Calls("download")); n != 1 {
		t.Fatalf("%d downloads, want 1", n)
	}
	if !strings.Contains(h.logs.String(), "could not fetch media") {
		t.Fatal("the failed download was not logged")
	}
}

// A single uncaptioned photo is a draft without text; a video is hosted as video/mp4.
func TestPhotoAndVideoDrafts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	chat := telegramtest.Private(alice)
	h.deliver(h.tg.Photo(chat, alice, h.tg.AddFile("photos/p.jpg", jpeg(3)), "", ""))
	pv := h.waitSent("with the photo draft", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	if !strings.Contains(pv.Text, "Draft without text") || !strings.Contains(pv.Text, "With a photo.") {
		t.Fatalf("preview %q", pv.Text)
	}
	mp4 := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 4096)...)
	h.deliver(h.tg.Video(chat, alice, h.tg.AddFile("videos/v.mp4", mp4), "clip", ""))
	pv2 := h.waitSent("with the video draft", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "With a video.") })
	h.deliver(h.tg.Press(alice, pv2.Message(), button(pv2, "Publish")))
	h.tg.WaitCalls("answerCallbackQuery", 1, wait)
	ps := h.posts()
	if len(ps) != 1 || len(ps[0].Media) != 1 || ps[0].Media[0].Kind != "video" {
		t.Fatalf("posts %+v", ps)
	}
	resp, err := h.spindle.Client().Get(ps[0].Media[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	telegramtest.DrainBody(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("hosted video: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, bad := range []string{"/media/short", "/media/" + strings.Repeat("A", 22), "/media/../spindle.db"} {
		r, err := h.spindle.Client().Get(h.spindle.URL + bad)
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(r.Body)
		if r.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", bad, r.StatusCode)
		}
	}
}

func TestTellWritesToThePrivateChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	if err := h.door.Tell(context.Background(), "4242", "Connected as @alice"); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.tg.WaitSent(wait, func(s telegramtest.Sent) bool { return s.ChatID == 4242 && s.Text == "Connected as @alice" }); !ok {
		t.Fatalf("nothing sent to chat 4242: %+v", h.tg.Sent())
	}
	if err := h.door.Tell(context.Background(), "not-a-number", "x"); err == nil {
		t.Fatal("a non-numeric user id was accepted")
	}
}
