package telegram_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
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
	t.Cleanup(func() { cancel(); <-done; next.Close(context.Background()) })

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

// heldOffsets makes the first SetTelegramOffset wait until release is closed, as a write to
// a slow (or briefly unreachable) database does; it closes started when that write begins.
type heldOffsets struct {
	telegram.Store
	once             sync.Once
	started, release chan struct{}
}

func (s *heldOffsets) SetTelegramOffset(ctx context.Context, botID, updateID int64) error {
	s.once.Do(func() { close(s.started); <-s.release })
	return s.Store.SetTelegramOffset(ctx, botID, updateID)
}

// TestATermEndingMidBatchLosesNoUpdate: the leader's poller takes in a batch of twelve
// commands, and the first one's offset write hangs (the database is slow: the case in which a
// term ends). The term ends there. The command in hand is handled; the eleven the poller had
// not handed over must still be Telegram's (not confirmed), so the next leader gets them: in
// the end every command is answered exactly once. The fake Telegram forgets what a poll
// confirmed, as Telegram does.
func TestATermEndingMidBatchLosesNoUpdate(t *testing.T) {
	h := newHarness(t, polling, options{})
	h.stop() // the harness's own door stops; the two below poll in turn
	polls := len(h.tg.Calls("getUpdates"))
	run := func(store telegram.Store) (end func()) {
		opts := h.opts
		opts.Store = store
		ctx, cancel := context.WithCancel(context.Background())
		door, err := telegram.New(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = door.Run(ctx) }()
		var once sync.Once
		end = func() { once.Do(func() { cancel(); <-done; door.Close(context.Background()) }) }
		t.Cleanup(end)
		return end
	}
	held := &heldOffsets{Store: h.db, started: make(chan struct{}), release: make(chan struct{})}
	endTerm := run(held)
	if len(h.tg.WaitCalls("getUpdates", polls+1, wait)) <= polls {
		t.Fatal("the leader never polled")
	}
	chat := telegramtest.Private(alice)
	const n = 12
	var msgs []any
	for i := range n {
		msgs = append(msgs, h.tg.Text(chat, alice, fmt.Sprintf("/status batch%02d", i)))
	}
	h.tg.Push(msgs...)
	select {
	case <-held.started:
	case <-time.After(wait):
		t.Fatal("the poller never recorded an update taken in")
	}
	// Give a poller that confirms too early its chance: its next getUpdates goes out now, not
	// after the handler. (One that confirms on time sends none while its handler is held, and
	// this wait runs out.)
	h.tg.WaitCalls("getUpdates", polls+2, time.Second)
	go endTerm()
	close(held.release)
	h.waitSent("the answer to the command in hand when the term ended", func(m telegramtest.Sent) bool { return strings.Contains(m.Text, "batch00") })
	endTerm()

	run(storagetest.Reopen(t, h.db, h.clock.Now)) // the next leader
	for i := range n {
		tag := fmt.Sprintf("batch%02d", i)
		h.waitSent("the answer to "+tag, func(m telegramtest.Sent) bool { return strings.Contains(m.Text, tag) })
	}
	for i := range n {
		tag, answered := fmt.Sprintf("batch%02d", i), 0
		for _, m := range h.tg.Sent() {
			if strings.Contains(m.Text, tag) {
				answered++
			}
		}
		if answered != 1 {
			t.Errorf("%s answered %d times, want once", tag, answered)
		}
	}
}

// TestACleanShutdownHandlesTheQueuedCommands: a /post waits in its chat's queue behind a
// video being downloaded when the replica shuts down. Telegram already counts it as
// confirmed, so nobody would get it again: Close lets the queue finish within the grace
// period, and the post is committed and answered. A grace period that runs out cuts the rest
// short instead of holding the shutdown.
func TestACleanShutdownHandlesTheQueuedCommands(t *testing.T) {
	h := newHarness(t, polling, options{})
	release := h.tg.HoldDownloads("videos/slow.mp4")
	defer release()
	chat := telegramtest.Private(alice)
	h.tg.Push(h.tg.Video(chat, alice, h.tg.AddFile("videos/slow.mp4", mp4()), "holiday", ""))
	if len(h.tg.WaitCalls("download", 1, wait)) != 1 {
		t.Fatal("the video download did not start")
	}
	post := h.tg.Push(h.tg.Text(chat, alice, "/post queued behind my video"))[0]
	// A poll asking past the /post means the poller handed it over (and confirmed it).
	if !waitPolledPast(h.tg, post.ID) {
		t.Fatal("the /post was never taken in")
	}
	stopped := make(chan struct{})
	go func() { defer close(stopped); h.stop() }()
	release()
	select {
	case <-stopped:
	case <-time.After(2 * wait):
		t.Fatal("the shutdown did not end once the download finished")
	}
	committed := false
	for _, p := range h.posts() {
		committed = committed || p.Text == "queued behind my video"
	}
	if !committed {
		t.Fatalf("a /post taken in before a clean shutdown was not committed; the log:\n%s", h.logs.String())
	}

	// A grace period that has run out: Close cancels the download it would wait for.
	h2 := newHarness(t, polling, options{})
	release2 := h2.tg.HoldDownloads("videos/stuck.mp4")
	defer release2()
	h2.tg.Push(h2.tg.Video(chat, alice, h2.tg.AddFile("videos/stuck.mp4", mp4()), "stuck", ""))
	if len(h2.tg.WaitCalls("download", 1, wait)) != 1 {
		t.Fatal("the second video download did not start")
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		over, cancel := context.WithCancel(context.Background())
		cancel()
		h2.shutdown(over)
	}()
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("Close with its grace period over waited for a held download")
	}
	if !strings.Contains(h2.logs.String(), "shutdown grace period ended") {
		t.Errorf("no warning that chat work was cut short:\n%s", h2.logs.String())
	}
}

// waitPolledPast waits for a getUpdates call asking for an offset above id: the poller handed
// update id over, and Telegram counts it as confirmed.
func waitPolledPast(tg *telegramtest.Server, id int64) bool {
	deadline := time.Now().Add(wait)
	for n := 1; time.Now().Before(deadline); n++ {
		calls := tg.WaitCalls("getUpdates", n, time.Until(deadline))
		if len(calls) < n {
			return false
		}
		if off, _ := strconv.ParseInt(calls[n-1].Form.Get("offset"), 10, 64); off > id {
			return true
		}
	}
	return false
}
