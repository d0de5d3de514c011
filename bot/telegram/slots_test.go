package telegram_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage"
)

// A photo captioned "/queue …" goes to the account's next free posting slot, media and all;
// without slots the person is told how to set them and nothing is queued.
func TestPhotoWithQueueCaptionTakesTheNextSlot(t *testing.T) {
	h := newHarness(t, polling, options{})
	ctx := context.Background()
	acc, err := h.db.AccountByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	id := h.tg.AddFile("photos/one.jpg", jpeg(3))
	first := h.tg.Photo(telegramtest.Private(alice), alice, id, "/queue Sunset", "")
	h.deliver(first)
	h.waitSent("the refusal", func(s telegramtest.Sent) bool {
		return strings.Contains(s.Text, "no free posting slot") && strings.Contains(s.Text, "/slots set") && s.ReplyTo == first.ID
	})
	if ps := h.posts(); len(ps) != 0 {
		t.Fatalf("queued without slots: %+v", ps)
	}
	if _, err := h.db.SetSlots(ctx, acc.ID, storage.SlotWeek{Zone: "UTC", Minutes: []int{0, 1440, 2880, 4320, 5760, 7200, 8640}}, storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	id2 := h.tg.AddFile("photos/two.jpg", jpeg(4))
	msg := h.tg.Photo(telegramtest.Private(alice), alice, id2, "/queue Sunrise", "")
	h.deliver(msg)
	h.waitSent("confirming the slot", func(s telegramtest.Sent) bool {
		return strings.Contains(s.Text, "in the next free slot") && strings.Contains(s.Text, "00:00 UTC") && s.ReplyTo == msg.ID
	})
	ps := h.posts()
	if len(ps) != 1 || ps[0].Text != "Sunrise" || len(ps[0].Media) != 1 {
		t.Fatalf("posts %+v", ps)
	}
	up, err := h.db.UpcomingSlots(ctx, acc.ID, 1)
	if err != nil || len(up) != 1 || up[0].PostID != ps[0].ID || !up[0].At.Equal(ps[0].ScheduledAt) {
		t.Errorf("the post does not hold the first slot: %+v, %v", up, err)
	}
}
