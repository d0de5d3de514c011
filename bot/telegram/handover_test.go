package telegram_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestLongPollingHandOverStartsAfterTheOldPollersLastUpdate: one replica's door long-polls
// and answers a command, then stops (it lost the leadership) before confirming that update to
// Telegram; another replica's door, on its own database handle, takes over. It starts after
// the last update the first took in, so the old command is not answered twice, and the next
// one is answered once. On both dialects.
func TestLongPollingHandOverStartsAfterTheOldPollersLastUpdate(t *testing.T) {
	storagetest.EachDialect(t, handOver)
}

func handOver(t *testing.T) {
	h := newHarness(t, polling, options{})
	chat := telegramtest.Private(alice)
	took := h.tg.Push(h.tg.Text(chat, alice, "/status old111"))[0]
	h.waitSent("answer to the first command", func(m telegramtest.Sent) bool { return strings.Contains(m.Text, "old111") })
	h.stop()

	polls := len(h.tg.Calls("getUpdates")) // the old door's
	opts := h.opts
	opts.Store = storagetest.Reopen(t, h.db, h.clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	next, err := telegram.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = next.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; next.Close() })

	h.tg.Push(h.tg.Text(chat, alice, "/status new222"))
	h.waitSent("answer to the command after the hand-over", func(m telegramtest.Sent) bool { return strings.Contains(m.Text, "new222") })
	calls := h.tg.Calls("getUpdates")
	if len(calls) <= polls {
		t.Fatal("the new door never polled")
	}
	offset, _ := strconv.ParseInt(calls[polls].Form.Get("offset"), 10, 64)
	if offset <= took.ID {
		t.Errorf("the new door's first getUpdates asked from offset %d, at or before the update the old door took in", offset)
	}
	old := 0
	for _, m := range h.tg.Sent() {
		if strings.Contains(m.Text, "old111") {
			old++
		}
	}
	if old != 1 {
		t.Fatalf("the command before the hand-over was answered %d times, want once", old)
	}
}

// offsetAt is a store whose recorded Telegram offset is id, recorded at at.
type offsetAt struct {
	telegram.Store
	id int64
	at time.Time
}

func (o offsetAt) TelegramOffset(context.Context, int64) (int64, time.Time, bool, error) {
	return o.id, o.at, true, nil
}

// TestLongPollingIgnoresAStaleOffset: a recorded offset under a day old is where polling
// starts; an older one is not (Telegram has dropped the updates it guarded, and after a quiet
// week numbers new ones at random, perhaps below it).
func TestLongPollingIgnoresAStaleOffset(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		age  time.Duration
		want string
	}{
		{"fresh", time.Hour, "900001"},
		{"stale", 25 * time.Hour, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, polling, options{tweak: func(o *telegram.Options) {
				o.Store = offsetAt{Store: o.Store, id: 900000, at: time.Now().Add(-tc.age)}
			}})
			calls := h.tg.WaitCalls("getUpdates", 1, wait)
			if len(calls) == 0 {
				t.Fatal("no getUpdates")
			}
			if got := calls[0].Form.Get("offset"); got != tc.want {
				t.Fatalf("first getUpdates offset %q, want %q", got, tc.want)
			}
		})
	}
}
