package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync/atomic"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/ingest"
)

// buildTelegram starts the Telegram door when TELEGRAM_BOT_TOKEN is set: long polling, or the
// webhook at POST /telegram/webhook when TELEGRAM_WEBHOOK_SECRET is set; hosted media at
// GET /media/{id}. The door registers its results, its people and its feed notices.
//
// Commands go to the shared dispatcher; drafts and media posts pick their account through the
// same chatAccounts the dispatcher uses, so a photo and a text post resolve alike.
func (a *app) buildTelegram(ctx context.Context) error {
	if !a.cfg.TelegramEnabled() {
		return nil
	}
	log := a.log.With(slog.String("door", "telegram"))
	door, err := telegram.New(ctx, telegram.Options{
		Now:           a.db.Now,
		Token:         a.cfg.Telegram.BotToken.Reveal(),
		APIURL:        a.cfg.Telegram.APIURL,
		WebhookSecret: a.cfg.Telegram.WebhookSecret.Reveal(),
		AllowedUsers:  a.cfg.Telegram.AllowedUsers,
		PublicURL:     a.cfg.PublicURL,
		MediaDir:      filepath.Join(a.cfg.DataDir, "media"),
		Media:         a.hostedMedia(),
		Dispatcher:    a.dispatcher,
		Accounts:      chatAccounts{svc: a.accounts},
		Ingest:        a.ingest,
		Store:         a.db,
		Zone:          a.cfg.Timezone,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	a.doors.register(ingest.DoorTelegram, doorOffer{results: door, people: tellPeople(door), feedNotices: door, approvalCards: door})
	a.router.PathPrefix(telegram.MediaPath).Handler(door.MediaHandler())
	if a.cfg.TelegramWebhookMode() {
		a.router.Handle(telegram.WebhookPath, door.WebhookHandler())
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	var started atomic.Bool
	a.starts = append(a.starts, func(context.Context) error {
		started.Store(true)
		go func() {
			defer close(done)
			// Long polling runs on the leader replica alone (see leader.go).
			a.onLeader(runCtx, a.cfg.TelegramWebhookMode(), func(ctx context.Context) {
				if err := door.Run(ctx); err != nil {
					log.Error("telegram door stopped", slog.Any("error", err))
				}
			})
		}()
		return nil
	})
	a.closers = append(a.closers, func(ctx context.Context) error {
		cancel()
		if started.Load() {
			select {
			case <-done:
			case <-ctx.Done():
				return errors.New("telegram: the door did not stop within the shutdown grace period")
			}
		}
		door.Close(ctx)
		return nil
	})
	return nil
}

// hostedMedia is where the Telegram door keeps the bytes of the media it hosts: on
// PostgreSQL in the database, so that every replica's relay serves what any replica
// received (replicas share no data dir); on SQLite as files in <data dir>/media (nil, the
// door's default), where one process owns the data dir.
func (a *app) hostedMedia() telegram.MediaStore {
	if a.db.Postgres() {
		return telegram.DBMedia{Blobs: a.db}
	}
	return nil
}
