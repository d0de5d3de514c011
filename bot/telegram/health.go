package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"

	"github.com/spindle-threads/spindle/publisher"
)

// Health is how the door's link to Telegram is doing, for /readyz and the status page: the
// last proper answer from the Bot API and the last error (publisher.DoorHealth, as every door
// reports it), and whether updates can arrive at all.
type Health struct {
	publisher.DoorHealth
	// Receiving is true once updates can arrive: the webhook is registered, or polling began.
	Receiving bool
}

// health records the door's link state; safe for concurrent use.
type health struct {
	book      publisher.HealthBook
	receiving atomic.Bool
}

func (h *health) get() Health {
	return Health{DoorHealth: h.book.Health(), Receiving: h.receiving.Load()}
}

func (h *health) ok(t time.Time)               { h.book.Succeeded(t) }
func (h *health) fail(t time.Time, msg string) { h.book.Failed(t, msg) }

// Health reports the door's link to Telegram: whether updates can arrive, the last good
// answer from the Bot API and the last error.
func (d *Door) Health() Health { return d.health.get() }

// healthTransport watches every Bot API exchange: an answer the API gave on purpose (2xx, and
// 400/403/429, which are about one chat or message) is a success; a network error, 401 (bad
// token), 404 (wrong API URL), 409 (another poller) or 5xx is the door's own trouble.
type healthTransport struct {
	next http.RoundTripper
	d    *Door
}

func (t healthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	now := t.d.now()
	switch {
	case err != nil:
		var ue *url.Error
		msg := err.Error()
		if errors.As(err, &ue) {
			msg = ue.Err.Error() // its URL holds the token
		}
		t.d.health.fail(now, t.d.redact(msg))
	case resp.StatusCode < 300 || resp.StatusCode == http.StatusBadRequest ||
		resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
		t.d.health.ok(now)
	default:
		t.d.health.fail(now, fmt.Sprintf("the Bot API answered HTTP %d", resp.StatusCode))
	}
	return resp, err
}

// registerWebhook calls setWebhook until it succeeds or ctx ends, backing off exponentially
// (with jitter) from RetryBase up to RetryMax: a Telegram outage at start must not close the
// door for good. It reports whether the webhook was registered.
func (d *Door) registerWebhook(ctx context.Context) bool {
	hook := d.o.PublicURL + WebhookPath
	delay := d.o.RetryBase
	for attempt := 1; ; attempt++ {
		err := d.call(ctx, 0, func(ctx context.Context) error {
			_, err := d.b.SetWebhook(ctx, &tg.SetWebhookParams{URL: hook, SecretToken: d.o.WebhookSecret,
				AllowedUpdates: []string{"message", "callback_query"}})
			return err
		})
		if err == nil {
			d.health.receiving.Store(true)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		msg := fmt.Sprintf("setWebhook for %s failed: %s", hook, d.redact(err.Error()))
		d.health.fail(d.now(), msg)
		wait := delay/2 + rand.N(delay/2+1)
		d.log.Warn("telegram: could not register the webhook; retrying", slog.String("error", msg),
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay = min(delay*2, d.o.RetryMax)
	}
}
