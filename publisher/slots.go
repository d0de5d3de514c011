package publisher

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// EventRescheduled tells a post's author that a change of the account's posting slots moved
// the post: Until is its new time.
const EventRescheduled EventKind = "rescheduled"

// RescheduledNotice is the outbox event telling a post's author, at its origin, that it now
// goes out at to. It is written in the transaction that moves the post (storage.SetSlots),
// and keyed by the new time, so moving the post again tells the author again.
func RescheduledNotice(p storage.Post, to time.Time) storage.OutboxEvent {
	e := Event{Kind: EventRescheduled, PostID: p.ID, AccountID: p.AccountID, Door: p.Door,
		OriginRef: json.RawMessage(p.OriginRef), Until: to, Text: p.Text, At: time.Now(),
		Reason: "the account's posting slots changed"}
	key := p.ID + ":slot:" + strconv.FormatInt(to.UnixMilli(), 10)
	ev, err := encodeEvent(e, key)
	if err != nil {
		e.OriginRef = nil
		ev, _ = encodeEvent(e, key) // plain fields only: it cannot fail now
	}
	return ev
}

// SlotStore keeps posting-slot schedules (*storage.DB).
type SlotStore interface {
	SlotScheduleOf(ctx context.Context, accountID int64) (storage.SlotSchedule, error)
	SetSlots(ctx context.Context, accountID int64, w storage.SlotWeek, o storage.SlotChangeOptions) (storage.SlotChange, error)
	ClearSlots(ctx context.Context, accountID int64) (bool, error)
	UpcomingSlots(ctx context.Context, accountID int64, n int) ([]storage.SlotView, error)
}

// Slots manages the accounts' posting slots for every door (chat, REST, CLI) the same way:
// a change keeps moved posts within the daily posts quota and tells their authors through the
// outbox, as results are told. Authorisation is the door's: only an account's owner may
// change its slots.
type Slots struct {
	Store      SlotStore
	DailyPosts int // SPINDLE_QUOTA_POSTS; 0: Meta's 250
}

// Schedule is the account's schedule; storage.ErrNotFound when it has none.
func (s Slots) Schedule(ctx context.Context, accountID int64) (storage.SlotSchedule, error) {
	return s.Store.SlotScheduleOf(ctx, accountID)
}

// Set replaces the account's schedule and moves its waiting slot posts to the new slots.
func (s Slots) Set(ctx context.Context, accountID int64, w storage.SlotWeek, setBy string) (storage.SlotChange, error) {
	c, err := s.Store.SetSlots(ctx, accountID, w, storage.SlotChangeOptions{SetBy: setBy, DailyPosts: s.DailyPosts, Notice: RescheduledNotice})
	if err != nil {
		return c, fmt.Errorf("publisher: set slots: %w", err)
	}
	return c, nil
}

// Clear removes the account's schedule; waiting slot posts keep their times.
func (s Slots) Clear(ctx context.Context, accountID int64) (bool, error) {
	return s.Store.ClearSlots(ctx, accountID)
}

// Upcoming lists the account's next n slots, taken and free.
func (s Slots) Upcoming(ctx context.Context, accountID int64, n int) ([]storage.SlotView, error) {
	return s.Store.UpcomingSlots(ctx, accountID, n)
}
