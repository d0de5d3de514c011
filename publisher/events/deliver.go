package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Delivery tuning.
const (
	attemptTimeout = 15 * time.Second // a receiver answers within this or the attempt failed
	retryFor       = 24 * time.Hour   // then a delivery is given up (and can be redelivered)
	maxBackoff     = 30 * time.Minute
	pollEvery      = 2 * time.Second // for deliveries written by another process
	keepFinished   = 7 * 24 * time.Hour
	// claimFor is how long an attempt holds its delivery against other deliverers: past the
	// attempt's timeout, so a deliverer that died mid-attempt frees it soon after.
	claimFor = attemptTimeout + 45*time.Second
)

// DeliverStore is the storage the Deliverer needs.
type DeliverStore interface {
	EventSubscription(ctx context.Context, id int64) (storage.EventSubscription, error)
	NextEventDeliveries(ctx context.Context, now time.Time) ([]storage.EventDelivery, error)
	NextEventDelivery(ctx context.Context, subscriptionID int64, now time.Time) (storage.EventDelivery, error)
	ClaimEventDelivery(ctx context.Context, id int64, claimFor time.Duration) (time.Time, bool, error)
	EventDelivered(ctx context.Context, id int64, status int) error
	EventDeliveryFailed(ctx context.Context, id int64, token, next time.Time, status int, why string, giveUp bool) error
	PruneEventDeliveries(ctx context.Context, cutoff time.Time) error
}

// Options configure a Deliverer. Store, Sealer and Client are required.
type Options struct {
	Store  DeliverStore
	Sealer Sealer
	// Client sends the requests; production's goes through the network guard (ingest/netguard)
	// so a subscription cannot reach private addresses unless they are allowed.
	Client *http.Client
	// Now is the clock deliveries fall due, are retried and given up by, and a rotated
	// secret's grace ends by: the database's (storage.DB.Now) in the daemon, as the store
	// judges them. nil: time.Now.
	Now func() time.Time
	// Wall dates each attempt's webhook-timestamp, which receivers check against their own
	// clocks (Standard Webhooks allows minutes): this machine's clock, as any sender's, not
	// the database's, which may be off. nil: time.Now.
	Wall   func() time.Time
	Logger *slog.Logger
	// Attempted, when set, is called after each attempt (tests wait on it).
	Attempted func(d storage.EventDelivery)
}

// Deliverer sends pending deliveries, each subscription in a lane of its own.
type Deliverer struct {
	o    Options
	subs Subscriptions
	kick chan struct{}

	mu   sync.Mutex
	busy map[int64]bool // subscriptions whose lane runs
	wg   sync.WaitGroup
}

// NewDeliverer returns a Deliverer; missing required options are a wiring bug and panic.
func NewDeliverer(o Options) *Deliverer {
	if o.Store == nil || o.Sealer == nil || o.Client == nil {
		panic("events: NewDeliverer needs Store, Sealer and Client")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Wall == nil {
		o.Wall = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{o: o, subs: Subscriptions{Sealer: o.Sealer}, kick: make(chan struct{}, 1), busy: map[int64]bool{}}
}

// Kick makes Run look for due deliveries now rather than at its next poll.
func (d *Deliverer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for its lanes to stop.
func (d *Deliverer) Run(ctx context.Context) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	defer d.wg.Wait()
	lastPrune := time.Time{}
	for {
		d.start(ctx)
		if now := d.o.Now(); now.Sub(lastPrune) > time.Hour {
			lastPrune = now
			if err := d.o.Store.PruneEventDeliveries(ctx, now.Add(-keepFinished)); err != nil && ctx.Err() == nil {
				d.o.Logger.Warn("could not prune old event deliveries", slog.Any("error", err))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.kick:
		case <-t.C:
		}
	}
}

// Drain delivers everything due now and returns once every lane is idle (tests and one-shot
// commands).
func (d *Deliverer) Drain(ctx context.Context) {
	d.start(ctx)
	d.wg.Wait()
}

// start opens a lane for every subscription with a due delivery and no lane running.
func (d *Deliverer) start(ctx context.Context) {
	heads, err := d.o.Store.NextEventDeliveries(ctx, d.o.Now())
	if err != nil {
		if ctx.Err() == nil {
			d.o.Logger.Warn("could not read due event deliveries", slog.Any("error", err))
		}
		return
	}
	for _, h := range heads {
		d.mu.Lock()
		if d.busy[h.SubscriptionID] {
			d.mu.Unlock()
			continue
		}
		d.busy[h.SubscriptionID] = true
		d.wg.Add(1)
		d.mu.Unlock()
		go d.lane(ctx, h)
	}
}

// lane sends a subscription's due deliveries one by one, oldest first, and stops at the
// first that is not due (waiting for a retry) or when there are none left.
func (d *Deliverer) lane(ctx context.Context, next storage.EventDelivery) {
	defer d.wg.Done()
	sub := next.SubscriptionID
	defer func() {
		d.mu.Lock()
		delete(d.busy, sub)
		d.mu.Unlock()
	}()
	for ctx.Err() == nil {
		if !d.attempt(ctx, next) {
			return // another deliverer holds it, and the lane behind it
		}
		var err error
		next, err = d.o.Store.NextEventDelivery(ctx, sub, d.o.Now())
		if err != nil {
			if !errors.Is(err, storage.ErrNotFound) && ctx.Err() == nil {
				d.o.Logger.Warn("could not read the next event delivery", slog.Int64("subscription", sub), slog.Any("error", err))
			}
			return
		}
	}
}

// attempt claims one delivery, sends it and records the outcome; false when it could not be
// claimed (another replica is sending it, or it was just acknowledged).
func (d *Deliverer) attempt(ctx context.Context, dl storage.EventDelivery) bool {
	token, ok, err := d.o.Store.ClaimEventDelivery(ctx, dl.ID, claimFor)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			d.o.Logger.Warn("could not claim an event delivery", slog.Int64("delivery", dl.ID), slog.Any("error", err))
		}
		return false
	}
	if d.o.Attempted != nil {
		defer d.o.Attempted(dl)
	}
	status, err := d.send(ctx, dl)
	if ctx.Err() != nil {
		return false // shutting down: the delivery stays pending and is sent after the restart (once its claim ends)
	}
	wctx := context.WithoutCancel(ctx)
	if err == nil {
		if err := d.o.Store.EventDelivered(wctx, dl.ID, status); err != nil {
			d.o.Logger.Warn("could not mark an event delivery done; it may be sent again", slog.Int64("delivery", dl.ID), slog.Any("error", err))
		}
		return true
	}
	now := d.o.Now()
	giveUp := now.Sub(dl.CreatedAt) > retryFor
	wait := min(5*time.Second<<min(dl.Attempts, 20), maxBackoff)
	if giveUp {
		d.o.Logger.Error("gave up delivering an event webhook; `spindle events redeliver` sends it again",
			slog.Int64("delivery", dl.ID), slog.Int64("subscription", dl.SubscriptionID), slog.Any("error", err))
	} else {
		d.o.Logger.Warn("could not deliver an event webhook; will retry", slog.Int64("delivery", dl.ID),
			slog.Int64("subscription", dl.SubscriptionID), slog.Duration("retry_in", wait), slog.Any("error", err))
	}
	if err := d.o.Store.EventDeliveryFailed(wctx, dl.ID, token, now.Add(wait), status, err.Error(), giveUp); err != nil {
		d.o.Logger.Warn("could not record a failed event delivery", slog.Int64("delivery", dl.ID), slog.Any("error", err))
	}
	return true
}

// MessageID is a delivery's webhook-id: the same for every attempt and redelivery, so a
// receiver can drop repeats.
func MessageID(deliveryID int64) string { return "msg_" + strconv.FormatInt(deliveryID, 10) }

// send makes one attempt: the status the receiver answered (0 for none) and why it failed.
// Only a 2xx acknowledges.
func (d *Deliverer) send(ctx context.Context, dl storage.EventDelivery) (int, error) {
	sub, err := d.o.Store.EventSubscription(ctx, dl.SubscriptionID)
	if err != nil {
		return 0, err
	}
	now := d.o.Now()
	secrets, err := d.subs.secrets(sub, now)
	if err != nil {
		return 0, err
	}
	id, ts := MessageID(dl.ID), d.o.Wall().Unix()
	sigs := make([]string, 0, len(secrets))
	for _, sec := range secrets { // after a rotation, one signature per secret, space-separated
		sig, err := Sign(sec, id, ts, dl.Body)
		if err != nil {
			return 0, err
		}
		sigs = append(sigs, sig)
	}
	sig := strings.Join(sigs, " ")
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, sub.URL, bytes.NewReader(dl.Body))
	if err != nil {
		return 0, fmt.Errorf("bad receiver URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Spindle-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := d.o.Client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL, whose query may hold the receiver's own token:
		// the error is logged and shown on the status page, so it names only scheme, host, path.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return 0, fmt.Errorf("POST %s: %w", redact(sub.URL), err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// redact is u without its query and fragment, for logs and error messages.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the receiver URL"
	}
	p.RawQuery, p.Fragment, p.User = "", "", nil
	return p.String()
}
