package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/go-telegram/bot/models"
)

// chats runs work in order within one chat and chats in parallel: one person's two-minute
// video download must not hold up everyone else's /post, yet a person's "Schedule…" press and
// the time they type next must be handled in the order they sent them. Each chat with work
// waiting has one goroutine draining its queue; at most `workers` chats run at once, so a
// flood of chats cannot start unbounded work.
type chats struct {
	slots chan struct{} // one token per chat running a job
	log   *slog.Logger

	mu     sync.Mutex
	queues map[int64][]func()
	closed bool
	wg     sync.WaitGroup
}

// maxChatBacklog bounds the jobs one chat may have waiting; more are dropped (and logged), so a
// person flooding the bot holds a bounded amount of memory.
const maxChatBacklog = 200

func newChats(workers int, log *slog.Logger) *chats {
	return &chats{slots: make(chan struct{}, workers), log: log, queues: map[int64][]func(){}}
}

// submit queues job behind the chat's earlier work and reports whether it was taken.
func (c *chats) submit(chatID int64, job func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	q, running := c.queues[chatID]
	if len(q) >= maxChatBacklog {
		c.log.Warn("telegram: a chat has too much work waiting; an update was dropped", slog.Int64("chat_id", chatID))
		return false
	}
	c.queues[chatID] = append(q, job)
	if !running {
		c.wg.Add(1)
		go c.drain(chatID)
	}
	return true
}

// drain runs a chat's jobs one after another until its queue is empty.
func (c *chats) drain(chatID int64) {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		q := c.queues[chatID]
		if len(q) == 0 {
			delete(c.queues, chatID)
			c.mu.Unlock()
			return
		}
		job := q[0]
		q[0] = nil
		c.queues[chatID] = q[1:]
		c.mu.Unlock()
		c.slots <- struct{}{}
		job()
		<-c.slots
	}
}

// close refuses new work and waits for the jobs already queued.
func (c *chats) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
}

// chatOf is the chat an update belongs to, for ordering: the message's chat, or the chat of
// the message a button sits under (else the presser's private chat).
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message.Message != nil:
		return u.CallbackQuery.Message.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// maxRecentUpdates bounds the memory of update ids already taken.
const maxRecentUpdates = 4096

// firstDelivery records an update id and reports whether it is new: Telegram redelivers an
// update whose webhook call failed or timed out, and the copy must not be handled again.
func (d *Door) firstDelivery(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return remember(d.recent, id, maxRecentUpdates)
}

// enqueue hands an update to its chat's queue and returns a channel closed once it was
// handled (or could not be queued). A copy of an update already taken is dropped.
func (d *Door) enqueue(u *models.Update) <-chan struct{} {
	done := make(chan struct{})
	if !d.firstDelivery(u.ID) {
		d.log.Debug("telegram: update delivered again; ignored", slog.Int64("update_id", u.ID))
		close(done)
		return done
	}
	ok := d.chats.submit(chatOf(u), func() {
		defer close(done)
		defer d.recovered(u)
		d.process(d.baseCtx, u)
	})
	if !ok {
		close(done)
	}
	return done
}

// unit runs one piece of media work (a download, an album's assembly) so that a panic in it
// fails that piece alone: it is logged, the person is told, and cleanup runs.
func (d *Door) unit(ctx context.Context, m *models.Message, what string, cleanup func(), fn func()) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		d.log.Error("telegram: media work panicked", slog.String("unit", what),
			slog.String("request_id", requestID(m.Chat.ID, m.ID)),
			slog.String("panic", d.redact(fmt.Sprint(p))), slog.String("stack", string(debug.Stack())))
		if cleanup != nil {
			cleanup()
		}
		d.reply(ctx, m, "Sorry, something broke inside Spindle while handling your "+what+
			" (an internal error, logged for the operator); nothing was posted. Please send it again.", nil)
	}()
	fn()
}
