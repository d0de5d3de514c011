package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest/slots"
	"github.com/spindle-threads/spindle/storage"
)

// The posting-slot verbs: queue puts a post in the account's next free slot, slots shows or
// (for the owner) sets the weekly schedule.
const (
	VerbQueue = "queue"
	VerbSlots = "slots" // with Sub "" (show), "set" or "clear"
)

// Slots keeps the accounts' posting slots (publisher.Slots). Set moves the posts already
// placed by slot and tells their authors; the dispatcher checks that the sender owns the
// account before Set or Clear.
type Slots interface {
	Schedule(ctx context.Context, accountID int64) (storage.SlotSchedule, error)
	Set(ctx context.Context, accountID int64, w storage.SlotWeek, setBy string) (storage.SlotChange, error)
	Clear(ctx context.Context, accountID int64) (bool, error)
	Upcoming(ctx context.Context, accountID int64, n int) ([]storage.SlotView, error)
}

// slotsShown is how many upcoming slots slots and list show per account.
const slotsShown = 8

// slotExample is the schedule the answers suggest.
const slotExample = "slots set mon-fri 09:00,12:30,17:00"

// parseSlots reads `slots [@account]`, `slots set [--account @name] <spec>` and
// `slots clear [--account @name]`.
func parseSlots(rest string) (Command, error) {
	sub, after := cutWord(rest)
	cmd := Command{Verb: VerbSlots, Sub: strings.ToLower(sub)}
	switch cmd.Sub {
	case "set":
		spec, err := leadingOptions(VerbSlots, &cmd, after, false)
		if err != nil {
			return Command{}, err
		}
		if strings.TrimSpace(spec) == "" {
			return Command{}, usage(VerbSlots, "“slots set” needs days and times, such as “%s”.", slotExample)
		}
		minutes, err := slots.Parse(spec)
		if err != nil {
			return Command{}, &UsageError{Verb: VerbSlots, Problem: upperFirst(err.Error()) + ".", Err: err}
		}
		cmd.Slots = slots.Format(minutes)
		return cmd, nil
	case "clear":
		ws, err := words(VerbSlots, &cmd, after)
		if err != nil {
			return Command{}, err
		}
		if len(ws) > 0 {
			return Command{}, usage(VerbSlots, "“slots clear” takes only --account @name; got “%s”.", strings.Join(ws, " "))
		}
		return cmd, nil
	}
	c, err := parseAccountOnly(VerbSlots, rest)
	if err != nil {
		return Command{}, usage(VerbSlots, "Use “slots” to see the schedule, “%s” to set it, or “slots clear”.", slotExample)
	}
	return c, nil
}

// slots shows, sets or clears an account's posting slots.
func (c *call) slots(ctx context.Context) Reply {
	if c.d.o.Slots == nil {
		return c.unavailable("posting slots")
	}
	acc, r := c.pick(ctx, c.cmd.Account, c.cmd.Sub != "")
	if r != nil {
		return *r
	}
	switch c.cmd.Sub {
	case "set":
		return c.setSlots(ctx, acc)
	case "clear":
		had, err := c.d.o.Slots.Clear(ctx, acc.ID)
		if err != nil {
			return c.fail(ctx, err)
		}
		if !had {
			return sayf("@%s had no posting slots; nothing changed.", acc.Username)
		}
		return sayf("Cleared the posting slots of @%s. Posts already placed keep their times; %squeue needs slots again (%s%s).", acc.Username, c.prefix, c.prefix, slotExample)
	}
	s, err := c.d.o.Slots.Schedule(ctx, acc.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return say(c.noSlots(acc))
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Posting slots of @%s: %s (%s time).", acc.Username, slots.Format(s.Week.Minutes), s.Week.Zone)
	b.WriteString(c.upcoming(ctx, acc))
	if acc.Owner {
		fmt.Fprintf(&b, "\nChange them with %s%s, or remove them with %sslots clear.", c.prefix, slotExample, c.prefix)
	}
	return say(b.String())
}

// setSlots stores the schedule in the sender's zone and reports the posts it moved.
func (c *call) setSlots(ctx context.Context, acc Account) Reply {
	zone := c.zone.String()
	if zone == "" || zone == "Local" {
		zone = "UTC"
	}
	minutes, err := slots.Parse(c.cmd.Slots)
	if err != nil { // only from Run with a structured command that Parse did not check
		return refuse("%s.", upperFirst(err.Error()))
	}
	w := storage.SlotWeek{Zone: zone, Minutes: minutes}
	ch, err := c.d.o.Slots.Set(ctx, acc.ID, w, c.in.Identity.Key())
	if err != nil {
		return c.fail(ctx, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "🗓️ Posting slots of @%s set: %s (%s time). %squeue <text> puts a post in the next free one.",
		acc.Username, slots.Format(w.Minutes), zone, c.prefix)
	if n := len(ch.Moved); n > 0 {
		fmt.Fprintf(&b, " Moved %s placed by slot to the new slots, in their order; their authors are told.", plural(n, "post"))
	}
	if ch.Kept > 0 {
		fmt.Fprintf(&b, " %s found no slot within a year and keep their times.", plural(ch.Kept, "post"))
	}
	b.WriteString(c.upcoming(ctx, acc))
	return say(b.String())
}

// noSlots is the answer for an account without a schedule.
func (c *call) noSlots(acc Account) string {
	if acc.Owner {
		return fmt.Sprintf("@%s has no posting slots yet. Set them with %s%s (days, then times in your zone, %s), then %squeue <text> fills them.", acc.Username, c.prefix, slotExample, c.zone, c.prefix)
	}
	return fmt.Sprintf("@%s has no posting slots yet; its owner sets them with %s%s. Until then, use %sschedule <when> <text>.", acc.Username, c.prefix, slotExample, c.prefix)
}

// slotRefusal answers a queue the account's slots cannot take.
func (c *call) slotRefusal(err error, acc Account) (Reply, bool) {
	switch {
	case errors.Is(err, storage.ErrNoSlots):
		return refuse("%s", c.noSlots(acc)), true
	case errors.Is(err, storage.ErrNoFreeSlot):
		return refuse("Every posting slot of @%s for the next year is taken or over the daily quota; nothing was queued. Add slots with %sslots set, or use %sschedule <when> <text>.", acc.Username, c.prefix, c.prefix), true
	}
	return Reply{}, false
}

// upcoming renders the account's next slots, taken and free, in the sender's zone; empty when
// it has none (or they cannot be read: list still answers about the posts).
func (c *call) upcoming(ctx context.Context, acc Account) string {
	up, err := c.d.o.Slots.Upcoming(ctx, acc.ID, slotsShown)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			c.d.log.WarnContext(ctx, "read upcoming slots", slog.Int64("account_id", acc.ID),
				slog.String("request_id", c.in.RequestID), slog.Any("error", err))
		}
		return ""
	}
	if len(up) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nNext slots of @%s:", acc.Username)
	for _, s := range up {
		what := "free"
		if s.PostID != "" {
			what = "taken by " + s.PostID
		}
		fmt.Fprintf(&b, "\n  %s  %s", slotWhen(s.At, c.zone), what)
	}
	return b.String()
}

// slotLines is upcoming for every account of a list.
func (c *call) slotLines(ctx context.Context, accs []Account) string {
	if c.d.o.Slots == nil {
		return ""
	}
	var b strings.Builder
	for _, a := range accs {
		b.WriteString(c.upcoming(ctx, a))
	}
	return b.String()
}

func slotWhen(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 2 Jan 15:04 MST") }
