package telegram_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage"
)

// /post through either mode is queued, published in the simulator, and the permalink comes
// back as a reply to the person's message.
func TestPostCommandPublishedAndReplied(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, m mode) {
		h := newHarness(t, m, options{})
		msg := h.tg.Text(telegramtest.Private(alice), alice, "/post Hello from Telegram")
		h.deliver(msg)
		queued := h.waitSent("confirming the post", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") })
		if queued.ReplyTo != msg.ID || queued.ChatID != alice.ID {
			t.Fatalf("confirmation %+v does not reply to message %d", queued, msg.ID)
		}
		if got := h.publishDue(); len(got) != 1 || got[0].Text != "Hello from Telegram" || got[0].Door != "telegram" {
			t.Fatalf("published %+v", got)
		}
		ledger := h.sim.Ledger()
		if len(ledger) != 1 || ledger[0].Text != "Hello from Telegram" {
			t.Fatalf("simulator ledger %+v", ledger)
		}
		posted := h.waitSent("with the permalink", func(s telegramtest.Sent) bool { return strings.HasPrefix(s.Text, "✅ Posted:") })
		if !strings.Contains(posted.Text, ledger[0].Permalink) || posted.ReplyTo != msg.ID {
			t.Fatalf("result %+v: want a reply to %d with %s", posted, msg.ID, ledger[0].Permalink)
		}
	})
}

// The same command message delivered twice (a webhook retry) is one post.
func TestRedeliveredCommandQueuedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, webhook, options{})
	msg := h.tg.Text(telegramtest.Private(alice), alice, "/post once only")
	h.deliver(msg, msg)
	if n := len(h.tg.WaitCalls("sendMessage", 2, wait)); n != 2 {
		t.Fatalf("%d replies, want 2", n)
	}
	if ps := h.posts(); len(ps) != 1 {
		t.Fatalf("%d posts stored, want 1", len(ps))
	}
}

// Plain text becomes a draft with a preview; two presses of Publish publish it once.
func TestDraftPublishedOnceUnderDoublePress(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, m mode) {
		h := newHarness(t, m, options{})
		// 55 plain characters, and a ZWJ family emoji that Meta counts as its 18 UTF-8 bytes.
		text := "A draft with an emoji 👩‍👩‍👧 and a link https://example.com/x"
		msg := h.tg.Text(telegramtest.Private(alice), alice, text)
		h.deliver(msg)
		pv := h.waitSent("with the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
		if pv.ReplyTo != msg.ID || !strings.Contains(pv.Text, "73 of 500 characters") {
			t.Fatalf("preview %+v: want a reply with Meta's count", pv)
		}
		publish := button(pv, "Publish")
		if publish == "" || button(pv, "Schedule…") == "" || button(pv, "Discard") == "" {
			t.Fatalf("buttons %+v", pv.Buttons)
		}
		if len(h.posts()) != 0 {
			t.Fatal("a draft was queued before any press")
		}
		h.deliverAtOnce(h.tg.Press(alice, pv.Message(), publish), h.tg.Press(alice, pv.Message(), publish))
		if n := len(h.tg.WaitCalls("answerCallbackQuery", 2, wait)); n != 2 {
			t.Fatalf("%d callback answers, want 2", n)
		}
		if ps := h.posts(); len(ps) != 1 || ps[0].Text != text {
			t.Fatalf("posts after two presses: %+v", ps)
		}
		var answers []string
		for _, c := range h.tg.Calls("answerCallbackQuery") {
			answers = append(answers, c.Form.Get("text"))
		}
		if strings.Join(answers, "|") != "Queued.|Already handled." && strings.Join(answers, "|") != "Already handled.|Queued." &&
			!strings.Contains(strings.Join(answers, "|"), "Already published") {
			t.Fatalf("answers %q: want one Queued and one refusal", answers)
		}
		edits := h.tg.Calls("editMessageText")
		if len(edits) != 1 || !strings.Contains(edits[0].Form.Get("text"), "Queued") || edits[0].Form.Get("message_id") != strconv.Itoa(pv.MessageID) {
			t.Fatalf("edits %+v: want one edit of the preview saying Queued", edits)
		}
		h.publishDue()
		if n := len(h.sim.Ledger()); n != 1 {
			t.Fatalf("%d posts published, want 1", n)
		}
		h.waitSent("with the permalink", func(s telegramtest.Sent) bool { return strings.HasPrefix(s.Text, "✅ Posted:") && s.ReplyTo == msg.ID })
	})
}

// Discard closes a draft: nothing is queued and a later Publish does nothing.
func TestDraftDiscarded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "never mind"))
	pv := h.waitSent("with the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Discard")))
	h.tg.WaitCalls("answerCallbackQuery", 1, wait)
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
	h.tg.WaitCalls("answerCallbackQuery", 2, wait)
	if ps := h.posts(); len(ps) != 0 {
		t.Fatalf("posts after discard: %+v", ps)
	}
	if c := h.tg.Calls("answerCallbackQuery"); len(c) != 2 || c[1].Form.Get("text") != "Already discarded." {
		t.Fatalf("answers %+v", c)
	}
}

// Schedule… then a typed time schedules the draft.
func TestDraftScheduledByTypedTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	h.clock.Set(now)
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "later please"))
	pv := h.waitSent("with the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Schedule…")))
	h.tg.WaitCalls("editMessageText", 1, wait)
	if e := h.tg.Calls("editMessageText")[0]; !strings.Contains(e.Form.Get("text"), "When should it go out?") ||
		!strings.Contains(e.Form.Get("reply_markup"), "Tomorrow 09:00") {
		t.Fatalf("schedule prompt %+v", e.Form)
	}
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "in 2h"))
	h.waitSent("confirming the schedule", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Scheduled") })
	ps := h.posts()
	if len(ps) != 1 || ps[0].Text != "later please" || !ps[0].ScheduledAt.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("posts %+v: want one scheduled at %v", ps, now.Add(2*time.Hour))
	}
}

// An album of three photos becomes one carousel whose media the simulator fetched from
// Spindle's own URLs; after the result the files are deleted once the grace period passed.
func TestAlbumPublishedAsCarousel(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, m mode) {
		h := newHarness(t, m, options{})
		chat := telegramtest.Private(alice)
		var msgs []any
		for i := range 3 {
			id := h.tg.AddFile("photos/file_"+strconv.Itoa(i)+".jpg", jpeg(i))
			caption := ""
			if i == 0 {
				caption = "Our team offsite"
			}
			msgs = append(msgs, h.tg.Photo(chat, alice, id, caption, "album-1"))
		}
		h.deliver(msgs...)
		pv := h.waitSent("with the album's preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
		if !strings.Contains(pv.Text, "3 photos as one carousel") {
			t.Fatalf("preview %q", pv.Text)
		}
		if n := len(h.tg.Calls("download")); n != 3 {
			t.Fatalf("%d downloads from Telegram, want 3 (the largest size of each photo)", n)
		}
		h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
		h.tg.WaitCalls("answerCallbackQuery", 1, wait)
		ps := h.posts()
		if len(ps) != 1 || len(ps[0].Media) != 3 || ps[0].Text != "Our team offsite" {
			t.Fatalf("posts %+v", ps)
		}
		h.publishDue()
		ledger := h.sim.Ledger()
		if len(ledger) != 1 || ledger[0].MediaType != "CAROUSEL" || len(ledger[0].Media) != 3 {
			t.Fatalf("ledger %+v: want one carousel of 3", ledger)
		}
		fetched := h.sim.Fetched()
		if len(fetched) != 3 {
			t.Fatalf("simulator fetched %d files, want 3", len(fetched))
		}
		for _, f := range fetched {
			if !strings.HasPrefix(f.URL, h.spindle.URL+"/media/") || f.StatusCode != 200 || f.Err != "" || f.ContentType != "image/jpeg" {
				t.Fatalf("fetch %+v: want a good JPEG from Spindle", f)
			}
		}
		h.waitSent("with the permalink", func(s telegramtest.Sent) bool { return strings.HasPrefix(s.Text, "✅ Posted:") })

		// Served until the grace period after the result, then swept.
		url := fetched[0].URL
		if code := get(t, url); code != 200 {
			t.Fatalf("media answered %d right after posting, want 200 during the grace period", code)
		}
		h.clock.Set(time.Now().Add(2 * time.Hour))
		if code := get(t, url); code != 404 {
			t.Fatalf("media answered %d after the grace period, want 404", code)
		}
		n, err := h.door.Sweep(context.Background())
		if err != nil || n != 3 {
			t.Fatalf("sweep deleted %d, %v; want 3", n, err)
		}
	})
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	telegramtest.DrainBody(resp.Body)
	return resp.StatusCode
}

// jpeg returns bytes that sniff as a JPEG, different per i.
func jpeg(i int) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}
	b = append(b, bytes.Repeat([]byte{byte(i)}, 2048)...)
	return append(b, 0xFF, 0xD9)
}

// A photo whose caption is an addressed /post is queued at once, without a draft.
func TestPhotoWithPostCaptionQueuedDirectly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	id := h.tg.AddFile("photos/one.jpg", jpeg(7))
	msg := h.tg.Photo(telegramtest.Private(alice), alice, id, "/post Sunset", "")
	h.deliver(msg)
	h.waitSent("confirming the post", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") && s.ReplyTo == msg.ID })
	ps := h.posts()
	if len(ps) != 1 || ps[0].Text != "Sunset" || len(ps[0].Media) != 1 || ps[0].Media[0].Kind != "image" {
		t.Fatalf("posts %+v", ps)
	}
	// The hosted copy is private to Spindle's user, whatever the umask.
	dir := filepath.Join(h.dir, "media")
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("media dir: %v (%v), want mode 0700", info, err)
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		if fi, err := f.Info(); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("hosted file %s: %v (%v), want mode 0600", f.Name(), fi, err)
		}
	}
	if len(files) == 0 {
		t.Error("no hosted file in the media dir")
	}
	h.publishDue()
	if l := h.sim.Ledger(); len(l) != 1 || l[0].MediaType != "IMAGE" {
		t.Fatalf("ledger %+v", l)
	}
}

// A forged or missing secret is refused with 401 and nothing happens; other bad requests get
// their own status.
func TestWebhookRefusesForgedSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, webhook, options{})
	u := h.tg.Update(h.tg.Text(telegramtest.Private(alice), alice, "/post forged"))
	for _, s := range []string{"wrong", "", secret + "x", strings.ToUpper(secret)} {
		resp, err := telegramtest.PostWebhook(h.spindle.Client(), h.spindle.URL+"/telegram/webhook", s, u)
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d, want 401", s, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, h.spindle.URL+"/telegram/webhook", nil)
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %v %v, want 405", resp, err)
	}
	big := bytes.Repeat([]byte(" "), 2<<20)
	req, _ = http.NewRequest(http.MethodPost, h.spindle.URL+"/telegram/webhook", bytes.NewReader(append(big, '{', '}')))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MB body: %v %v, want 413", resp, err)
	}
	req, _ = http.NewRequest(http.MethodPost, h.spindle.URL+"/telegram/webhook", strings.NewReader("not json"))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad body: %v %v, want 400", resp, err)
	}
	if s := h.tg.Calls("sendMessage"); len(s) != 0 {
		t.Fatalf("refused webhooks sent messages: %+v", s)
	}
	if ps := h.posts(); len(ps) != 0 {
		t.Fatalf("refused webhooks stored posts: %+v", ps)
	}
	if w := h.tg.Webhook(); w.Get("secret_token") != secret || w.Get("url") != h.spindle.URL+"/telegram/webhook" {
		t.Fatalf("setWebhook form %v", w)
	}
}

// Someone not in TELEGRAM_ALLOWED_USERS is told once, and nothing they send is acted on.
func TestNotAllowedUserRefusedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{allowed: []int64{alice.ID}})
	chat := telegramtest.Private(mallory)
	h.deliver(h.tg.Text(chat, mallory, "/post let me in"), h.tg.Text(chat, mallory, "a draft"))
	h.waitSent("refusing mallory", func(s telegramtest.Sent) bool {
		return s.ChatID == mallory.ID && strings.Contains(s.Text, "TELEGRAM_ALLOWED_USERS")
	})
	// Alice's message after mallory's proves mallory's second one was processed (in order).
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/post allowed"))
	h.waitSent("confirming alice's post", func(s telegramtest.Sent) bool { return s.ChatID == alice.ID && strings.Contains(s.Text, "Queued") })
	var toMallory int
	for _, s := range h.tg.Sent() {
		if s.ChatID == mallory.ID {
			toMallory++
		}
	}
	if toMallory != 1 {
		t.Fatalf("%d messages to mallory, want exactly one refusal", toMallory)
	}
	ps := h.posts()
	if len(ps) != 1 || ps[0].Text != "allowed" {
		t.Fatalf("posts %+v: only alice's may be stored", ps)
	}
}

// In a group only commands addressed to this bot are handled.
func TestGroupOnlyAddressedCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	g := telegramtest.Group(-100200, "team")
	h.deliver(
		h.tg.Text(g, alice, "just chatting"),
		h.tg.Text(g, alice, "/post not addressed"),
		h.tg.Text(g, alice, "/post@other_bot someone else's"),
		h.tg.TextNoEntities(g, alice, "/post@Spindle_Test_Bot addressed"),
	)
	h.waitSent("confirming the addressed post", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") })
	if ps := h.posts(); len(ps) != 1 || ps[0].Text != "addressed" {
		t.Fatalf("posts %+v: want only the addressed one", ps)
	}
	if n := len(h.tg.Sent()); n != 1 {
		t.Fatalf("%d messages sent, want 1", n)
	}
}

// The command menu is registered at start, without Slack-only verbs.
func TestSetMyCommandsAtStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	calls := h.tg.WaitCalls("setMyCommands", 1, wait)
	if len(calls) != 1 {
		t.Fatalf("setMyCommands called %d times", len(calls))
	}
	cmds := calls[0].Form.Get("commands")
	for _, want := range []string{`"command":"post"`, `"command":"schedule"`, `"command":"start"`, `"command":"help"`} {
		if !strings.Contains(cmds, want) {
			t.Errorf("menu %s lacks %s", cmds, want)
		}
	}
	if strings.Contains(cmds, `"command":"route"`) {
		t.Errorf("menu offers Slack's route: %s", cmds)
	}
	if len(h.tg.Calls("deleteWebhook")) != 1 {
		t.Error("polling did not clear a webhook first")
	}
}

var _ = storage.DraftOpen
