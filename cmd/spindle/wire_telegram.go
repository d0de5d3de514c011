package main

import (
	"context"
	"errors"
	linking "github.com/spindle-threads/spindle/publisher/accounts"
	"log/slog"
	"path/filepath"
	"sync/atomic"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// telegramParts holds what the telegram subsystem built that others need.
type telegramParts struct {
	// telegramNotifier reports results of posts from door "telegram" (nil when Telegram is off).
	telegramNotifier publisher.Notifier
}

// wireTelegram starts the Telegram door when TELEGRAM_BOT_TOKEN is set: long polling, or the
// webhook at POST /telegram/webhook when TELEGRAM_WEBHOOK_SECRET is set; hosted media at
// GET /media/{id}.
//
// Commands go to the shared dispatcher that wireSlack builds (a.dispatcher). Drafts and media
// posts pick their account through telegramAccounts, which reads identities and grants from
// storage; when wireAccounts exposes the shared bot.Accounts adapter, use it there instead.
func (a *app) wireTelegram(ctx context.Context) error {
	if !a.cfg.TelegramEnabled() {
		return nil
	}
	log := a.log.With(slog.String("door", "telegram"))
	accounts := telegramAccounts{db: a.db}
	disp := a.dispatcher
	if disp == nil { // wireSlack always builds it; this keeps the door usable if that changes
		disp = bot.NewDispatcher(bot.DispatcherOptions{Ingest: a.ingest, Accounts: accounts, Queue: a.db, Zones: a.db,
			Zone: a.cfg.Timezone, Logger: log})
	}
	door, err := telegram.New(ctx, telegram.Options{
		Token:         a.cfg.Telegram.BotToken.Reveal(),
		APIURL:        a.cfg.Telegram.APIURL,
		WebhookSecret: a.cfg.Telegram.WebhookSecret.Reveal(),
		AllowedUsers:  a.cfg.Telegram.AllowedUsers,
		PublicURL:     a.cfg.PublicURL,
		MediaDir:      filepath.Join(a.cfg.DataDir, "media"),
		Dispatcher:    disp,
		Accounts:      accounts,
		Ingest:        a.ingest,
		Store:         a.db,
		Zone:          a.cfg.Timezone,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	a.telegramNotifier = door
	a.identityNotifiers[linking.DoorTelegram] = linking.IdentityNotifierFunc(func(ctx context.Context, id linking.Identity, text string) error {
		return door.Tell(ctx, id.User, text)
	})
	if a.feedNotices != nil {
		a.feedNotices.register(string(ingest.DoorTelegram), door)
	}
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
		door.Close()
		return nil
	})
	return nil
}

// telegramAccounts answers which accounts a Telegram user may post to, from the identities and
// grants in storage. Linking, granting and tokens belong to the accounts subsystem; until its
// adapter is shared they answer that the feature is not wired here.
type telegramAccounts struct{ db *storage.DB }

func (t telegramAccounts) AccountsFor(ctx context.Context, who bot.Identity) ([]bot.Account, error) {
	id, err := t.db.IdentityByKey(ctx, string(who.Door), who.Team, who.User)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	access, err := t.db.AccessFor(ctx, id.ID)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Account, 0, len(access))
	for _, x := range access {
		out = append(out, bot.Account{ID: x.Account.ID, Username: x.Account.Username, Owner: x.Role == storage.RoleOwner,
			Default: x.Account.ID == id.DefaultAccountID, Status: string(x.Account.Status)})
	}
	return out, nil
}

var errTelegramUnwired = bot.Public("That is not available from Telegram on this Spindle yet; ask whoever runs it.")

func (telegramAccounts) LinkFor(context.Context, bot.Identity) (string, error) {
	return "", errTelegramUnwired
}

func (telegramAccounts) Grant(context.Context, bot.Identity, int64, bot.Identity) error {
	return errTelegramUnwired
}

func (telegramAccounts) Revoke(context.Context, bot.Identity, int64, bot.Identity) error {
	return errTelegramUnwired
}

func (telegramAccounts) Disconnect(context.Context, bot.Identity, int64) error {
	return errTelegramUnwired
}

func (telegramAccounts) CreateAPIToken(context.Context, bot.Identity) (string, error) {
	return "", errTelegramUnwired
}
