package telegram_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
)

// TestHostedMediaIsPrivate: a photo sent to the bot is kept under the data dir where no other
// user of the host can read it (directory 0700, files 0600), whatever the umask.
func TestHostedMediaIsPrivate(t *testing.T) {
	h := newHarness(t, polling, options{})
	id := h.tg.AddFile("photos/one.jpg", jpeg(7))
	msg := h.tg.Photo(telegramtest.Private(alice), alice, id, "/post Sunset", "")
	h.deliver(msg)
	h.waitSent("confirming the post", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") && s.ReplyTo == msg.ID })
	dir := filepath.Join(h.dir, "media")
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("media dir: %v (%v), want mode 0700", info, err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) == 0 {
		t.Fatal("no hosted file")
	}
	for _, f := range files {
		fi, err := f.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", f.Name(), fi.Mode().Perm(), err)
		}
	}
}
