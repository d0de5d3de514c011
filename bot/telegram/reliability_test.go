package telegram_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/storage"
)

var bob = telegramtest.User(2002, "bob_tg")

// postAsync delivers an update as the mode does, without waiting: the returned channel is
// closed once it was acknowledged (webhook: answered 200; polling: at once).
func (h *harness) postAsync(v any) <-chan struct{} {
	h.t.Helper()
	acked := make(chan struct{})
	if h.mode == polling {
		h.tg.Push(v)
		close(acked)
		return acked
	}
	u := h.tg.Update(v)
	go func() {
		resp, err := telegramtest.PostWebhook(h.spindle.Client(), h.spindle.URL+telegram.WebhookPath, secret, u)
		if err == nil {
			telegramtest.DrainBody(resp.Body)
		}
		close(acked)
	}()
	return acked
}

// One person's slow video download holds up nobody else: while it hangs, another person's
// /post is answered; in webhook mode the video's update is acknowledged before the download.
// Within the slow person's chat, order is kept: their next message is answered after the video.
func TestSlowDownloadBlocksOnlyItsChat(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, m mode) {
		h := newHarness(t, m, options{})
		release := h.tg.HoldDownloads("videos/slow.mp4")
		defer release()
		chat := telegramtest.Private(alice)
		acked := h.postAsync(h.tg.Video(chat, alice, h.tg.AddFile("videos/slow.mp4", mp4()), "holiday", ""))
		if len(h.tg.WaitCalls("download", 1, wait)) != 1 {
			t.Fatal("the video download did not start")
		}
		select {
		case <-acked:
		case <-time.After(3 * time.Second):
			t.Fatal("the video's update was not acknowledged while its download hung (Telegram would retry it)")
		}
		h.postAsync(h.tg.Text(chat, alice, "/post after my video"))
		start := time.Now()
		h.postAsync(h.tg.Text(telegramtest.Private(bob), bob, "/post meanwhile"))
		h.waitSent("answering bob", func(s telegramtest.Sent) bool { return s.ChatID == bob.ID && strings.Contains(s.Text, "Queued") })
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("bob waited %v behind alice's download", d)
		}
		for _, s := range h.tg.Sent() {
			if s.ChatID == alice.ID {
				t.Fatalf("alice was answered %q before her video was in", s.Text)
			}
		}
		release()
		h.waitSent("alice's second reply", func(s telegramtest.Sent) bool { return s.ChatID == alice.ID && strings.Contains(s.Text, "Queued") })
		var toAlice []string
		for _, s := range h.tg.Sent() {
			if s.ChatID == alice.ID {
				toAlice = append(toAlice, s.Text)
			}
		}
		if len(toAlice) != 2 || !strings.Contains(toAlice[0], "With a video.") || !strings.Contains(toAlice[1], "Queued") {
			t.Fatalf("alice's replies out of order: %q", toAlice)
		}
	})
}

// Telegram's flood control answers 429 with retry_after: the reply is sent again after that
// time, never dropped, whether it is a command's answer, a draft preview or a button's answer.
func TestRateLimitedRepliesArrive(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	chat := telegramtest.Private(alice)
	h.tg.RateLimit("sendMessage", 2, 1)
	h.deliver(h.tg.Text(chat, alice, "/post despite the flood"))
	h.waitSent("the reply after the 429s", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") })
	calls := h.tg.Calls("sendMessage")
	if len(calls) != 3 || calls[0].Refused != 429 || calls[1].Refused != 429 || calls[2].Refused != 0 {
		t.Fatalf("sendMessage calls %+v: want two refused, then the one that went through", calls)
	}
	h.tg.RateLimit("answerCallbackQuery", 1, 1)
	h.deliver(h.tg.Text(chat, alice, "a draft"))
	pv := h.waitSent("with the draft", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Discard")))
	answers := h.tg.WaitCalls("answerCallbackQuery", 2, wait)
	if len(answers) != 2 || answers[1].Refused != 0 || answers[1].Form.Get("text") != "Discarded." {
		t.Fatalf("button answers %+v", answers)
	}
}

// A burst of results for one chat is paced under Telegram's per-chat flood limit instead of
// tripping it (the fake refuses more than 5 messages to a chat within 2 s).
func TestBurstToOneChatPaced(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	h.tg.FloodControl(5, 2*time.Second)
	ctx := context.Background()
	for i := range 7 {
		if err := h.door.Tell(ctx, "4242", "result "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	calls := h.tg.Calls("sendMessage")
	for _, c := range calls {
		if c.Refused != 0 {
			t.Fatalf("a send tripped flood control: %d calls, some refused", len(calls))
		}
	}
	if len(calls) != 7 {
		t.Fatalf("%d sends, want 7", len(calls))
	}
}

// The wait honours retry_after: the retry does not come sooner than Telegram asked.
func TestRateLimitWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	h.tg.RateLimit("sendMessage", 1, 2)
	start := time.Now()
	if err := h.door.Tell(context.Background(), "4242", "hello"); err != nil {
		t.Fatalf("Tell after one 429: %v", err)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Fatalf("retried after %v, sooner than the 2 s Telegram asked", d)
	}
}

// A photo with a /post caption that Telegram delivers again (the same update, or the same
// message in a new update after a restart) is queued once and downloaded once.
func TestRedeliveredMediaPostQueuedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, webhook, options{})
	msg := h.tg.Photo(telegramtest.Private(alice), alice, h.tg.AddFile("photos/once.jpg", jpeg(5)), "/post Sunset", "")
	u := h.tg.Update(msg)
	for range 2 {
		resp, err := telegramtest.PostWebhook(h.spindle.Client(), h.spindle.URL+telegram.WebhookPath, secret, u)
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(resp.Body)
	}
	h.waitSent("queuing it", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") })
	h.deliver(msg) // the same message in a new update
	h.waitSent("saying it was taken", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "already took") })
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/post marker"))
	h.waitSent("the marker", func(s telegramtest.Sent) bool {
		return strings.Contains(s.Text, "Queued") && strings.Contains(s.Text, "Cancel") && s.ReplyTo != msg.ID
	})
	var photos []storage.Post
	for _, p := range h.posts() {
		if len(p.Media) > 0 {
			photos = append(photos, p)
		}
	}
	if len(photos) != 1 {
		t.Fatalf("%d photo posts, want 1: %+v", len(photos), photos)
	}
	if n := len(h.tg.Calls("download")); n != 1 {
		t.Fatalf("%d downloads, want 1", n)
	}
}

// A Telegram outage at start does not close the door for good: setWebhook is retried with
// backoff until it works, and Health says what happened.
func TestSetWebhookRetriedAtStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, webhook, options{
		before: func(s *telegramtest.Server) { s.FailTimes("setWebhook", 3, 502) },
		tweak:  func(o *telegram.Options) { o.RetryBase, o.RetryMax = 10*time.Millisecond, 40*time.Millisecond },
	})
	calls := h.tg.WaitCalls("setWebhook", 4, wait)
	if len(calls) != 4 || calls[3].Refused != 0 {
		t.Fatalf("setWebhook calls %+v: want 3 failures then success", calls)
	}
	hl := h.waitHealth("receiving", func(hl telegram.Health) bool { return hl.Receiving })
	if !strings.Contains(hl.LastError, "setWebhook") || hl.LastErrorAt.IsZero() || hl.LastSuccess.Before(hl.LastErrorAt) {
		t.Fatalf("health %+v: want the setWebhook error, then a later success", hl)
	}
	if strings.Contains(hl.LastError, h.tg.Token) {
		t.Fatal("health carries the bot token")
	}
	if w := h.tg.Webhook(); w.Get("url") != h.spindle.URL+telegram.WebhookPath {
		t.Fatalf("webhook %v", w)
	}
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/post after the outage"))
	h.waitSent("the reply", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") })
}

// panicOnDownload is a transport whose file downloads panic, as a bug in download code would.
type panicOnDownload struct{}

func (panicOnDownload) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/file/bot") && strings.Contains(r.URL.Path, "boom") {
		panic("download exploded")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// panicStore panics when an album's draft is stored, as a bug in album assembly would.
type panicStore struct{ *storage.DB }

func (p panicStore) CreateTelegramDraft(ctx context.Context, d storage.TelegramDraft) (storage.TelegramDraft, error) {
	if len(d.Media) > 1 {
		panic("album assembly exploded")
	}
	return p.DB.CreateTelegramDraft(ctx, d)
}

// A panic in media work (a download, an album's assembly) fails that one message or album:
// the person is told, the panic is logged, the files are removed, and the door goes on.
func TestPanicInMediaWorkFailsOneUnit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{tweak: func(o *telegram.Options) {
		o.HTTPClient = &http.Client{Timeout: 5 * time.Second, Transport: panicOnDownload{}}
		o.Store = panicStore{o.Store.(*storage.DB)}
	}})
	chat := telegramtest.Private(alice)
	h.deliver(h.tg.Photo(chat, alice, h.tg.AddFile("photos/boom.jpg", jpeg(1)), "", ""))
	h.waitSent("about the failed photo", func(s telegramtest.Sent) bool {
		return strings.Contains(s.Text, "something broke inside Spindle while handling your photo")
	})
	var album []any
	for i := range 2 {
		album = append(album, h.tg.Photo(chat, alice, h.tg.AddFile("photos/a.jpg", jpeg(i)), "", "album-boom"))
	}
	h.deliver(album...)
	h.waitSent("about the failed album", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "handling your album") })
	h.deliver(h.tg.Photo(chat, alice, h.tg.AddFile("photos/fine.jpg", jpeg(3)), "/post still fine", ""))
	h.waitSent("the door going on", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") })
	logs := h.logs.String()
	if !strings.Contains(logs, "download exploded") || !strings.Contains(logs, "album assembly exploded") {
		t.Fatalf("panics not logged:\n%s", logs)
	}
	if f := h.mediaFiles(); len(f) != 1 {
		t.Fatalf("media directory holds %v, want only the good photo", f)
	}
}

// waitHealth polls the door's health until ok holds.
func (h *harness) waitHealth(what string, ok func(telegram.Health) bool) telegram.Health {
	h.t.Helper()
	// The door's health follows its own polling goroutine, which signals nothing: polled.
	var hl telegram.Health
	testsignal.Eventually(h.t, wait, "health "+what, func() bool { hl = h.door.Health(); return ok(hl) })
	return hl
}

// In polling mode Health follows getUpdates: receiving with a recent success, then the error
// of a failing poll, without the token.
func TestHealthFollowsPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	h.waitHealth("receiving with a success", func(hl telegram.Health) bool { return hl.Receiving && !hl.LastSuccess.IsZero() })
	h.tg.FailTimes("getUpdates", 2, 502)
	hl := h.waitHealth("showing the failed poll", func(hl telegram.Health) bool { return hl.LastError != "" })
	if !strings.Contains(hl.LastError, "502") || strings.Contains(hl.LastError, h.tg.Token) {
		t.Fatalf("health %+v", hl)
	}
	h.waitHealth("recovered", func(hl telegram.Health) bool { return hl.LastSuccess.After(hl.LastErrorAt) })
}

// A plain-text message Telegram delivers again (a webhook retry after a slow answer) shows the
// same draft again instead of making a second one.
func TestRedeliveredTextOneDraft(t *testing.T) {
	t.Parallel()
	h := newHarness(t, webhook, options{})
	msg := h.tg.Text(telegramtest.Private(alice), alice, "just one draft")
	h.deliver(msg, msg)
	h.tg.WaitCalls("sendMessage", 2, wait)
	sent := h.tg.Sent()
	if len(sent) != 2 || len(sent[0].Buttons) != 3 || button(sent[0], "Publish") != button(sent[1], "Publish") {
		t.Fatalf("previews %+v: want the same draft shown twice", sent)
	}
}
