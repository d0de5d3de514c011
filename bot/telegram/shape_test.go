package telegram_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
)

// A native Telegram poll sent to the bot becomes a draft whose preview shows the poll, and
// Publish posts it to Threads as a poll: the question is the text, the options the options.
func TestTelegramPollBecomesThreadsPoll(t *testing.T) {
	both(t, func(t *testing.T, m mode) {
		h := newHarness(t, m, options{})
		msg := h.tg.Poll(telegramtest.Private(alice), alice, "Tabs or spaces?", "Tabs", "Spaces", "Both")
		h.deliver(msg)
		pv := h.waitSent("with the poll's draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
		if pv.ReplyTo != msg.ID || !strings.Contains(pv.Text, "📊 A poll: Tabs / Spaces / Both") || strings.Contains(pv.Text, "⚠️") {
			t.Fatalf("preview %q", pv.Text)
		}
		h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
		h.tg.WaitCalls("answerCallbackQuery", 1, wait)
		h.publishDue()
		l := h.sim.Ledger()
		if len(l) != 1 || l[0].Text != "Tabs or spaces?" || !slices.Equal(l[0].Poll, []string{"Tabs", "Spaces", "Both"}) {
			t.Fatalf("ledger %+v", l)
		}
		h.waitSent("with the permalink", func(s telegramtest.Sent) bool { return strings.HasPrefix(s.Text, "✅ Posted:") && s.ReplyTo == msg.ID })
	})
}

// A Telegram poll Threads cannot take (more than four options) is a draft whose preview says
// why, and Publish refuses it with the reason, posting nothing.
func TestTelegramPollTooLargeExplained(t *testing.T) {
	h := newHarness(t, polling, options{})
	h.deliver(h.tg.Poll(telegramtest.Private(alice), alice, "Pick", "a", "b", "c", "d", "e"))
	pv := h.waitSent("with the poll's draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	if !strings.Contains(pv.Text, "⚠️ Threads would refuse it") || !strings.Contains(pv.Text, "2 to 4 options") {
		t.Fatalf("preview %q", pv.Text)
	}
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
	h.tg.WaitCalls("answerCallbackQuery", 1, wait)
	if ps := h.posts(); len(ps) != 0 {
		t.Fatalf("a refused poll was stored: %+v", ps)
	}
}

// Telegram spoiler formatting becomes Threads text spoilers over the same words, though
// Telegram counts the offsets in UTF-16 (the emoji before the spoiler counts 2 there, 1 here).
func TestTelegramSpoilerBecomesThreadsSpoiler(t *testing.T) {
	both(t, func(t *testing.T, m mode) {
		h := newHarness(t, m, options{})
		text := "🎬 Finale 🍿: Bruce is dead and 𝔡𝔬𝔤 lives"
		msg := h.tg.SpoilerText(telegramtest.Private(alice), alice, text, "Bruce is dead", "𝔡𝔬𝔤")
		h.deliver(msg)
		pv := h.waitSent("with the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
		if !strings.Contains(pv.Text, "Hidden as spoilers: “Bruce is dead”, “𝔡𝔬𝔤”") {
			t.Fatalf("preview %q", pv.Text)
		}
		h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
		h.tg.WaitCalls("answerCallbackQuery", 1, wait)
		h.publishDue()
		l := h.sim.Ledger()
		if len(l) != 1 || len(l[0].TextEntities) != 2 {
			t.Fatalf("ledger %+v", l)
		}
		r := []rune(l[0].Text)
		for i, want := range []string{"Bruce is dead", "𝔡𝔬𝔤"} {
			e := l[0].TextEntities[i]
			if got := string(r[e.Offset : e.Offset+e.Length]); got != want || e.Type != "SPOILER" {
				t.Errorf("spoiler %d hides %q (%+v), want %q", i, got, e, want)
			}
		}
	})
}

// A photo sent with Telegram's spoiler flag becomes a Threads media spoiler, and the draft
// preview says so.
func TestTelegramPhotoSpoilerBecomesMediaSpoiler(t *testing.T) {
	h := newHarness(t, polling, options{})
	msg := h.tg.Photo(telegramtest.Private(alice), alice, h.tg.AddFile("photos/s.jpg", jpeg(5)), "Do not look", "")
	msg.HasMediaSpoiler = true
	h.deliver(msg)
	pv := h.waitSent("with the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	if !strings.Contains(pv.Text, "The media is hidden as a spoiler") {
		t.Fatalf("preview %q", pv.Text)
	}
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
	h.tg.WaitCalls("answerCallbackQuery", 1, wait)
	h.publishDue()
	if l := h.sim.Ledger(); len(l) != 1 || !l[0].SpoilerMedia || l[0].MediaType != "IMAGE" {
		t.Fatalf("ledger %+v", l)
	}
}
