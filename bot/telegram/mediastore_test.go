package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage"
)

// dbMedia makes the door keep hosted media in the database, as PostgreSQL replicas do.
func dbMedia(o *telegram.Options) { o.Media = telegram.DBMedia{Blobs: o.Store.(*storage.DB)} }

// TestMediaKeptInDatabase: with DBMedia a photo leaves no file in the media directory; its
// bytes are in the database, the relay serves them with the same headers as a file (type,
// length, nosniff, CSP, disposition), Meta's fetch publishes the post, and once the result
// released the media, housekeeping deletes the row and the relay answers 404.
func TestMediaKeptInDatabase(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{tweak: dbMedia})
	ctx := context.Background()
	photo := jpeg(42)
	msg := h.tg.Photo(telegramtest.Private(alice), alice, h.tg.AddFile("photos/db.jpg", photo), "/post From the database", "")
	h.deliver(msg)
	h.waitSent("confirming the post", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Queued") && s.ReplyTo == msg.ID })
	if f := h.mediaFiles(); len(f) != 0 {
		t.Fatalf("the media directory holds %v; DBMedia keeps no files", f)
	}
	ps := h.posts()
	if len(ps) != 1 || len(ps[0].Media) != 1 {
		t.Fatalf("posts %+v", ps)
	}
	url := ps[0].Media[0].URL
	id := url[strings.LastIndex(url, "/")+1:]
	if b, err := h.db.MediaBlob(ctx, id); err != nil || !bytes.Equal(b.Data, photo) || b.ContentType != "image/jpeg" {
		t.Fatalf("blob %s: %v, %d bytes of %q", id, err, len(b.Data), b.ContentType)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	hd := resp.Header
	if resp.StatusCode != 200 || !bytes.Equal(body, photo) || hd.Get("Content-Type") != "image/jpeg" ||
		hd.Get("Content-Length") != strconv.Itoa(len(photo)) || hd.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(hd.Get("Content-Security-Policy"), "sandbox") || hd.Get("Content-Disposition") != `inline; filename="`+id+`.jpg"` {
		t.Fatalf("relay: %d, %d bytes, %v", resp.StatusCode, len(body), hd)
	}
	if code := get(t, h.spindle.URL+telegram.MediaPath+"ZZZZZZZZZZZZZZZZZZZZZZ"); code != 404 {
		t.Fatalf("an unknown id answered %d, want 404", code)
	}
	ended := h.publishDue()
	if len(ended) != 1 || ended[0].State != storage.StatePosted {
		t.Fatalf("ended %+v", ended)
	}
	if l := h.sim.Ledger(); len(l) != 1 || l[0].MediaType != "IMAGE" {
		t.Fatalf("ledger %+v", l)
	}
	fetchedOK := false
	for _, f := range h.sim.Fetched() {
		fetchedOK = fetchedOK || (f.URL == url && f.StatusCode == 200)
	}
	if !fetchedOK {
		t.Fatalf("Meta did not fetch %s with 200: %+v", url, h.sim.Fetched())
	}
	// The result released the media for deletion an hour on; past that, housekeeping deletes
	// the bytes and the row, and the relay no longer serves them.
	h.clock.Set(time.Now().Add(2 * time.Hour))
	if _, err := h.door.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.MediaBlob(ctx, id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("released blob after the sweep: %v, want ErrNotFound", err)
	}
	if code := get(t, url); code != 404 {
		t.Fatalf("released media answered %d, want 404", code)
	}
}

// TestDBMediaSweepsOrphans: bytes a crash left in the database without their row, and a
// half-written download left in the media directory, are deleted once an hour old; bytes a
// row accounts for stay.
func TestDBMediaSweepsOrphans(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{tweak: dbMedia})
	ctx := context.Background()
	chat := telegramtest.Private(alice)
	msg := h.tg.Photo(chat, alice, h.tg.AddFile("photos/kept.jpg", jpeg(1)), "", "")
	h.deliver(msg)
	h.waitSent("with the draft", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	dr, err := h.db.TelegramDraftByMessage(ctx, chat.ID, int64(msg.ID))
	if err != nil || len(dr.Media) != 1 {
		t.Fatalf("draft %+v %v", dr, err)
	}
	kept := dr.Media[0].URL[strings.LastIndex(dr.Media[0].URL, "/")+1:]
	if _, err := h.db.SaveMediaBlob(ctx, "orphanAAAAAAAAAAAAAAAA", "image/jpeg", jpeg(3)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(h.dir, "media")
	part := filepath.Join(dir, ".part-crashed")
	if err := os.WriteFile(part, jpeg(4), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(part, old, old); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(time.Now().Add(2 * time.Hour))
	if _, err := h.door.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.MediaBlob(ctx, "orphanAAAAAAAAAAAAAAAA"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("orphan blob after the sweep: %v, want ErrNotFound", err)
	}
	if f := h.mediaFiles(); len(f) != 0 {
		t.Fatalf("the media directory still holds %v", f)
	}
	if _, err := h.db.MediaBlob(ctx, kept); err != nil {
		t.Fatalf("the open draft's bytes were swept: %v", err)
	}
	if code := get(t, dr.Media[0].URL); code != 200 {
		t.Fatalf("the open draft's media answered %d, want 200", code)
	}
}
