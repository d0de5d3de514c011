package telegram_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestAnAlbumSplitAcrossReplicasIsOneCarousel: in webhook mode behind a round-robin load
// balancer, the items of one album reach two replicas by turns. They are still one album:
// one preview of all four photos, not one of two photos from each replica. Telegram's retry of
// an item (an answer it did not get) adds nothing.
func TestAnAlbumSplitAcrossReplicasIsOneCarousel(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		h := newHarness(t, webhook, options{})
		other, _ := h.replica(nil)
		chat := telegramtest.Private(alice)
		var updates []models.Update
		for i := range 4 {
			id := h.tg.AddFile("photos/split_"+strconv.Itoa(i)+".jpg", jpeg(i))
			caption := ""
			if i == 0 {
				caption = "Four from two replicas"
			}
			updates = append(updates, h.tg.Update(h.tg.Photo(chat, alice, id, caption, "album-split")))
		}
		first := h.spindle.URL
		for _, d := range []struct {
			item int
			to   string
		}{{0, first}, {1, other}, {1, first}, {2, first}, {3, other}} { // item 1 twice: Telegram's retry
			postTo(t, d.to, updates[d.item])
		}
		pv := h.waitSent("with the album's preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
		if !strings.Contains(pv.Text, "4 photos as one carousel") {
			t.Fatalf("preview %q: want one album of the 4 photos", pv.Text)
		}
		if n := len(h.tg.Calls("download")); n != 4 {
			t.Fatalf("%d downloads, want 4 (one per photo, the retried one once)", n)
		}
	})
}

// replica starts a second door on the harness's database, as another replica in webhook mode,
// with tweak applied to its options. It returns the base URL of its webhook and a stop that
// shuts it down (the test's cleanup calls it too).
func (h *harness) replica(tweak func(*telegram.Options)) (string, func()) {
	h.t.Helper()
	opts := h.opts
	opts.Store = storagetest.Reopen(h.t, h.db, h.clock.Now)
	if tweak != nil {
		tweak(&opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	door, err := telegram.New(ctx, opts)
	if err != nil {
		h.t.Fatalf("second door: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(telegram.WebhookPath, door.WebhookHandler())
	srv := httptest.NewServer(mux)
	done := make(chan struct{})
	go func() { defer close(done); _ = door.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
			grace, end := context.WithTimeout(context.Background(), 5*time.Second)
			defer end()
			door.Close(grace)
			srv.Close()
		})
	}
	h.t.Cleanup(stop)
	return srv.URL, stop
}

// TestAnAlbumWhoseReplicaStoppedIsTakenBySweep: the replica that received an album's items
// stops before the album went quiet. The items stay in the database, and another replica's
// housekeeping sweep takes the album once it has been quiet for long: it is not lost, and it
// is posted once.
func TestAnAlbumWhoseReplicaStoppedIsTakenBySweep(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		h := newHarness(t, webhook, options{})
		// Its window is an hour: it stops long before it would ask about the album.
		other, stop := h.replica(func(o *telegram.Options) { o.AlbumWindow = time.Hour })
		chat := telegramtest.Private(alice)
		for i := range 2 {
			id := h.tg.AddFile("photos/orphan_"+strconv.Itoa(i)+".jpg", jpeg(i))
			postTo(t, other, h.tg.Update(h.tg.Photo(chat, alice, id, "", "album-orphan")))
		}
		stop()
		if _, err := h.door.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		if held, err := h.db.QuietAlbums(context.Background(), 0, 10); err != nil || len(held) != 1 {
			t.Fatalf("albums held after a sweep within the minute: %v (%v), want the one, left alone", held, err)
		}
		h.clock.Set(time.Now().Add(time.Minute))
		if _, err := h.door.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		pv := h.waitSent("with the album's preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
		if !strings.Contains(pv.Text, "2 photos as one carousel") {
			t.Fatalf("preview %q: want the album of 2 photos", pv.Text)
		}
		if _, err := h.door.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		if held, err := h.db.QuietAlbums(context.Background(), 0, 10); err != nil || len(held) != 0 {
			t.Fatalf("albums held after the sweep took it: %v (%v), want none", held, err)
		}
		if n := len(h.tg.Calls("download")); n != 2 {
			t.Fatalf("%d downloads, want 2: the album taken once", n)
		}
	})
}

// postTo delivers u to the webhook of the replica at base, as Telegram does.
func postTo(t *testing.T, base string, u models.Update) {
	t.Helper()
	resp, err := telegramtest.PostWebhook(http.DefaultClient, base+telegram.WebhookPath, secret, u)
	if err != nil {
		t.Fatal(err)
	}
	telegramtest.DrainBody(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d, want 200", resp.StatusCode)
	}
}

// TestATimeTypedToAnotherReplicaSchedulesTheDraft: the person presses "Schedule…" on a
// draft, and the load balancer sends that press to one replica and the time they type next to
// another. The time schedules the draft; it does not become a draft of its own.
func TestATimeTypedToAnotherReplicaSchedulesTheDraft(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		h := newHarness(t, webhook, options{})
		other, _ := h.replica(nil)
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		h.clock.Set(now)
		chat := telegramtest.Private(alice)
		h.deliver(h.tg.Text(chat, alice, "later, from two replicas"))
		pv := h.waitSent("with the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
		h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Schedule…")))
		h.tg.WaitCalls("editMessageText", 1, wait)
		postTo(t, other, h.tg.Update(h.tg.Text(chat, alice, "in 2h")))
		h.waitSent("confirming the schedule", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Scheduled") })
		ps := h.posts()
		if len(ps) != 1 || ps[0].Text != "later, from two replicas" || !ps[0].ScheduledAt.Equal(now.Add(2*time.Hour)) {
			t.Fatalf("posts %+v: want the draft alone, scheduled at %v", ps, now.Add(2*time.Hour))
		}
	})
}
