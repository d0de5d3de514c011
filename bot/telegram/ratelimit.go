package telegram

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"golang.org/x/time/rate"
)

// Telegram's flood limits (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
// about one message a second in one chat, 20 a minute in a group, 30 a second overall. Short
// bursts are tolerated, so each chat keeps a small burst; going over answers 429 with
// parameters.retry_after, which call honours.
const (
	globalRate   = 30
	privateEvery = time.Second
	groupEvery   = 3 * time.Second
	chatBurst    = 3
	// maxRateRetries bounds how often one call is retried after a 429.
	maxRateRetries = 5
	// maxRetryAfter caps one wait, so a bogus retry_after cannot park a reply for hours.
	maxRetryAfter = 2 * time.Minute
	// maxChatLimiters bounds the per-chat limiters kept; idle ones are dropped beyond it.
	maxChatLimiters = 10000
)

// limits paces calls to the Bot API: one limiter per chat and one for the whole bot.
type limits struct {
	global *rate.Limiter

	mu    sync.Mutex
	chats map[int64]*rate.Limiter
}

func newLimits() *limits {
	return &limits{global: rate.NewLimiter(globalRate, globalRate), chats: map[int64]*rate.Limiter{}}
}

// wait blocks until a call to chatID (0: no chat) may go out.
func (l *limits) wait(ctx context.Context, chatID int64) error {
	if chatID != 0 {
		if err := l.chat(chatID).Wait(ctx); err != nil {
			return err
		}
	}
	return l.global.Wait(ctx)
}

func (l *limits) chat(chatID int64) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim := l.chats[chatID]; lim != nil {
		return lim
	}
	if len(l.chats) >= maxChatLimiters {
		for id, lim := range l.chats {
			if lim.Tokens() >= chatBurst { // idle: a fresh limiter behaves the same
				delete(l.chats, id)
			}
		}
	}
	every := privateEvery
	if chatID < 0 { // groups and channels have negative ids
		every = groupEvery
	}
	lim := rate.NewLimiter(rate.Every(every), chatBurst)
	l.chats[chatID] = lim
	return lim
}

// call makes one Bot API call for chatID (0: none) within the rate limits, and when Telegram
// still answers 429 waits the retry_after it names and tries again, so a reply is delayed
// rather than lost.
func (d *Door) call(ctx context.Context, chatID int64, fn func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if err := d.limits.wait(ctx, chatID); err != nil {
			return err
		}
		err := fn(ctx)
		var tooMany *tg.TooManyRequestsError
		if !errors.As(err, &tooMany) || attempt >= maxRateRetries {
			return err
		}
		after := min(max(time.Duration(tooMany.RetryAfter)*time.Second, time.Second), maxRetryAfter)
		d.log.Info("telegram: rate limited by Telegram; retrying", slog.Int64("chat_id", chatID),
			slog.Duration("retry_after", after), slog.Int("attempt", attempt+1))
		t := time.NewTimer(after)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
