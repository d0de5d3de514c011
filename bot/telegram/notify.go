package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	tg "github.com/go-telegram/bot"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
)

// maxNotified bounds the memory of event ids already delivered.
const maxNotified = 4096

// Notify reports a post's result as a reply to the person's original message (a
// publisher.Notifier for door "telegram"). Delivery is at least once; a repeat of an event
// already replied to in this process is dropped. Once a post is published or failed, its
// hosted media is released for deletion after the grace period. Times are told in the zone
// the person chose with /timezone, else SPINDLE_TIMEZONE's.
func (d *Door) Notify(ctx context.Context, e publisher.Event) error {
	if e.Door != string(ingest.DoorTelegram) || !e.Kind.ForDoors() {
		return nil // webhook-only kinds: the chat already heard (queued) or did it (cancelled)
	}
	if e.Kind == publisher.EventPosted || e.Kind == publisher.EventFailed {
		if err := d.o.Store.ReleasePostMedia(ctx, e.PostID, d.now().Add(d.o.MediaGrace)); err != nil {
			return err
		}
	}
	var ref Ref
	if err := json.Unmarshal(e.OriginRef, &ref); err != nil || ref.ChatID == 0 {
		d.log.Warn("telegram: event without a chat to reply to", slog.String("post_id", e.PostID), slog.Int64("event", e.ID))
		return nil
	}
	if d.seen(e.ID) {
		return nil
	}
	zone := d.zone
	if user := ref.reader(); user != 0 {
		zone = d.zoneOf(ctx, user)
	}
	_, err := d.send(ctx, ref.ChatID, ref.MessageID, bot.FormatEvent(e, zone), nil)
	if errors.Is(err, tg.ErrorForbidden) || errors.Is(err, tg.ErrorBadRequest) {
		// The person blocked the bot or the chat is gone: retrying cannot help.
		d.log.Info("telegram: result not deliverable", slog.String("post_id", e.PostID), slog.String("error", d.redact(err.Error())))
		return nil
	}
	if err != nil {
		d.forget(e.ID)
		return errors.New("telegram: send result: " + d.redact(err.Error()))
	}
	return nil
}

// seen records id and reports whether it was there already; ids of 0 are never deduplicated.
func (d *Door) seen(id int64) bool {
	if id == 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return !remember(d.notified, id, maxNotified)
}

// remember adds id to set and reports whether it was new; a set grown to limit is emptied
// first, bounding memory at the price of forgetting (callers hold d.mu).
func remember(set map[int64]bool, id int64, limit int) bool {
	if set[id] {
		return false
	}
	if len(set) >= limit {
		clear(set)
	}
	set[id] = true
	return true
}

func (d *Door) forget(id int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.notified, id)
}

// FeedNotice sends a feed's notice (a feed paused, items skipped) to the chat that added the
// feed; ref is the Ref stored with the feed (an rss.Notices for door "telegram").
func (d *Door) FeedNotice(ctx context.Context, door string, ref json.RawMessage, text string) error {
	var r Ref
	if err := json.Unmarshal(ref, &r); err != nil || r.ChatID == 0 {
		d.log.Warn("telegram: feed notice without a chat to send to")
		return nil
	}
	_, err := d.send(ctx, r.ChatID, r.MessageID, text, nil)
	if errors.Is(err, tg.ErrorForbidden) || errors.Is(err, tg.ErrorBadRequest) {
		return nil
	}
	if err != nil {
		return errors.New("telegram: send feed notice: " + d.redact(err.Error()))
	}
	return nil
}

// Tell sends text to a Telegram user in their private chat with the bot (a private chat's id
// is the user's id). The accounts service uses it to say "Connected as @name".
func (d *Door) Tell(ctx context.Context, user, text string) error {
	id, err := strconv.ParseInt(user, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: %q is not a user id", user)
	}
	if _, err := d.send(ctx, id, 0, text, nil); err != nil {
		return fmt.Errorf("telegram: message to %d: %w", id, err)
	}
	return nil
}
