package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// offsetFresh is how old a stored offset may be and still be where polling starts. Telegram
// keeps an unconfirmed update for 24 hours, so an older offset protects nothing; and after a
// week without updates it numbers the next one at random, possibly below the stored offset,
// which would then skip every new update.
const offsetFresh = 24 * time.Hour

// poller builds the bot that long-polls: the door's own options, a handler that records each
// update taken in before handing it to its chat, and the first offset after the last update
// any poller of this bot recorded.
//
// The library's updates channel is unbuffered here. Its getUpdates loop asks for the next
// batch, which confirms the last one to Telegram for good, once it has handed every update
// over; with a buffer it did so at once, and a term that ended (or a shutdown) with updates
// still in the buffer dropped them: confirmed, so no poller got them again, and never
// handled. Unbuffered, an update is confirmed only after the handler took the one before it,
// and what a stopped poller had not handed over stays with Telegram for the next one.
func (d *Door) poller(ctx context.Context) (*tg.Bot, error) {
	last := d.startOffset(ctx)
	opts := append(slices.Clone(d.botOpts),
		tg.WithDefaultHandler(func(ctx context.Context, _ *tg.Bot, u *models.Update) { d.took(ctx, u) }),
		tg.WithUpdatesChannelCap(0),
		tg.WithInitialOffset(last)) // getUpdates asks for last+1 on
	b, err := tg.New(d.o.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", d.redact(err.Error()))
	}
	return b, nil
}

// startOffset is the last update recorded for this bot, when recent enough to start after;
// zero otherwise (Telegram then sends every update not yet confirmed). A database that cannot
// be read also gives zero, with a warning: polling must start, and at worst the updates the
// last poller took in without confirming them are handled again.
func (d *Door) startOffset(ctx context.Context) int64 {
	id, at, ok, err := d.o.Store.TelegramOffset(ctx, d.me.ID)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("telegram: could not read where long polling stopped; starting from Telegram's unconfirmed updates",
				slog.Any("error", err))
		}
		return 0
	}
	if !ok || d.now().Sub(at) > offsetFresh {
		return 0
	}
	d.log.Info("telegram: long polling resumes after the last update taken in", slog.Int64("update_id", id))
	return id
}

// took records u as taken in, then hands it to its chat. The record is written before the
// chat's queue takes the update, so a replica that polls next never handles it again; a
// failure to record is logged and the update still handled (at worst a new poller handles
// it twice, as it would have without the record).
func (d *Door) took(ctx context.Context, u *models.Update) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.o.Store.SetTelegramOffset(wctx, d.me.ID, u.ID); err != nil {
		d.log.Warn("telegram: could not record the last update taken in; a replica taking over may handle it again",
			slog.Int64("update_id", u.ID), slog.Any("error", err))
	}
	d.enqueue(u)
}
