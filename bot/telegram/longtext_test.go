package telegram_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage"
)

// TestDraftHonoursTheAccountsLongText: a 1,200-character draft goes out as the account chose
// with longtext, like a /post would: one post with the rest attached as text under "attach"
// (the preview says so, and Threads gets one post), a reply chain under "thread" and by
// default.
func TestDraftHonoursTheAccountsLongText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		choice  string
		preview string
		attach  bool
		posts   int
	}{
		{storage.LongTextAttach, "attached as text", true, 1},
		{storage.LongTextThread, "goes out as a thread of 3 posts", false, 3},
		{storage.LongTextDefault, "goes out as a thread of 3 posts", false, 3},
	} {
		t.Run(cmpOr(tc.choice, "default"), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, polling, options{})
			ctx := context.Background()
			acc, err := h.db.AccountByUsername(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if err := h.db.SetAccountLongText(ctx, acc.ID, tc.choice); err != nil {
				t.Fatal(err)
			}
			text := strings.Repeat("Long texts read better as one post with the rest attached. ", 20)
			h.deliver(h.tg.Text(telegramtest.Private(alice), alice, text))
			pv := h.waitSent("the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
			if !strings.Contains(pv.Text, tc.preview) {
				t.Errorf("preview %q lacks %q", pv.Text, tc.preview)
			}
			h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
			if n := len(h.tg.WaitCalls("answerCallbackQuery", 1, wait)); n != 1 {
				t.Fatalf("%d callback answers, want 1", n)
			}
			ps := h.posts()
			if len(ps) != 1 {
				t.Fatalf("posts %+v, want the draft queued", ps)
			}
			if got := ps[0].Shape.TextAttachment != nil; got != tc.attach || ps[0].Thread == tc.attach {
				t.Fatalf("queued with attachment %v and thread %v, want attachment %v", got, ps[0].Thread, tc.attach)
			}
			h.publishDue()
			if n := len(h.sim.Ledger()); n != tc.posts {
				t.Errorf("%d posts published on Threads, want %d", n, tc.posts)
			}
		})
	}
}
