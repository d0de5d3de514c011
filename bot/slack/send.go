package slack

// Sending within Slack's rate limits. Slack allows about one message a second per channel,
// with short bursts, and answers more with HTTP 429 and a Retry-After. Every message the door
// sends (results, confirmations, direct messages, feed notices) is paced per channel so a
// burst of results does not trip the limit, and one that is refused anyway is sent again
// once Retry-After has passed: a reply is delayed, never dropped. When the caller's deadline
// leaves no room for the wait, the error carries Retry-After so the outbox waits that long.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/spindle-threads/spindle/publisher"
)

// Pacing per channel, and how often one message is retried after 429s before the caller is
// told to come back later.
const (
	channelRate   = rate.Limit(1) // Slack: about 1 message per second per channel
	channelBurst  = 3             // "short bursts" are allowed
	maxRateWaits  = 5
	minRetryAfter = time.Second      // a 429 without a usable Retry-After still waits this long
	maxRetryAfter = 10 * time.Minute // a larger one (a bug, a hostile proxy) would stall the channel
	pacerPrune    = 1024             // idle channels are forgotten once this many are tracked
)

// pacer paces messages per channel, and holds a channel back after Slack answered 429 for
// it, so every sender to that channel waits out the Retry-After, not just the refused one.
type pacer struct {
	mu    sync.Mutex
	chans map[string]*channelPace
}

type channelPace struct {
	lim   *rate.Limiter
	until time.Time // Slack said to wait until then
}

func newPacer() *pacer { return &pacer{chans: map[string]*channelPace{}} }

func (p *pacer) get(channel string) *channelPace {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.chans[channel]
	if c == nil {
		if len(p.chans) >= pacerPrune {
			p.prune()
		}
		c = &channelPace{lim: rate.NewLimiter(channelRate, channelBurst)}
		p.chans[channel] = c
	}
	return c
}

// prune forgets channels with a full bucket and no hold: forgetting them changes nothing.
func (p *pacer) prune() {
	now := time.Now()
	for k, c := range p.chans {
		if c.until.Before(now) && c.lim.TokensAt(now) >= channelBurst {
			delete(p.chans, k)
		}
	}
}

// wait blocks until a message may be sent to channel, or ctx ends.
func (p *pacer) wait(ctx context.Context, channel string) error {
	c := p.get(channel)
	p.mu.Lock()
	hold := time.Until(c.until)
	p.mu.Unlock()
	if hold > 0 {
		select {
		case <-time.After(hold): // garbage once it fires or is dropped (Go 1.23+)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.lim.Wait(ctx)
}

// hold makes every sender to channel wait d from now.
func (p *pacer) hold(channel string, d time.Duration) {
	c := p.get(channel)
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := time.Now().Add(d); t.After(c.until) {
		c.until = t
	}
}

// RateLimitedError says Slack refused a message for its rate limit and when to try again. The
// outbox reads RetryAfter and does not deliver the result again before then.
type RateLimitedError struct {
	What  string        // "chat.postMessage", "response_url"
	After time.Duration // Slack's Retry-After
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("slack: %s is rate limited; try again in %s", e.What, e.After)
}

// RetryAfter is how long Slack asked to wait.
func (e *RateLimitedError) RetryAfter() time.Duration { return e.After }

// rateLimitedFor reports Slack's Retry-After when err is a 429.
func rateLimitedFor(err error) (time.Duration, bool) {
	rl, ok := errors.AsType[*slack.RateLimitedError](err)
	if !ok {
		return 0, false
	}
	return min(max(rl.RetryAfter, minRetryAfter), maxRetryAfter), true
}

// parseRetryAfter reads a Retry-After header in seconds, as Slack sends it; anything else
// (empty, an HTTP date, negative, absurdly large) is zero, which callers treat as the minimum.
func parseRetryAfter(v string) time.Duration {
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || secs <= 0 || secs > int64(maxRetryAfter/time.Second) {
		return 0
	}
	return time.Duration(secs) * time.Second
}

// paced sends one message to channel with send, paced for the channel and sent again after
// each 429 once Retry-After has passed. It gives up with a *RateLimitedError when the wait
// would outlast ctx or Slack refused maxRateWaits times; other errors are send's own.
func (d *Door) paced(ctx context.Context, channel, what string, send func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		if err := d.pace.wait(ctx, channel); err != nil {
			return fmt.Errorf("slack: %s: waiting for the channel's rate limit: %w", what, err)
		}
		err := send(ctx)
		after, limited := rateLimitedFor(err)
		if !limited {
			d.record(what, err)
			return err
		}
		d.health.Failed(d.now(), fmt.Sprintf("%s: rate limited by Slack (retry after %s)", what, after))
		d.pace.hold(channel, after)
		if attempt >= maxRateWaits || !roomFor(ctx, after) {
			return &RateLimitedError{What: what, After: after}
		}
		d.log.InfoContext(ctx, "slack rate limit hit; sending again after Retry-After",
			slog.String("method", what), slog.String("channel", channel), slog.Duration("retry_after", after))
	}
}

// record notes the outcome of a call to Slack for Health, described without its URL.
func (d *Door) record(what string, err error) {
	if err == nil {
		d.health.Succeeded(d.now())
		return
	}
	d.health.Failed(d.now(), what+": "+slackErr(err))
}

// Health reports when the door last reached Slack and when and how it last failed (readiness
// shows it). Errors are described without URLs or tokens.
func (d *Door) Health() publisher.DoorHealth { return d.health.Health() }

// roomFor reports whether ctx leaves time to wait d and send once more.
func roomFor(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d+time.Second
}

// postMessage is chat.postMessage, paced and retried (paced).
func (d *Door) postMessage(ctx context.Context, channel string, opts ...slack.MsgOption) (ch, ts string, err error) {
	err = d.paced(ctx, channel, "chat.postMessage", func(ctx context.Context) error {
		var err error
		ch, ts, err = d.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ch, ts, err
}
