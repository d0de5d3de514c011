package publisher

// Delivering results. Every event is first written to the outbox in the transaction of the
// state change it reports; the delivery job then hands each to the Notifier of its door, in
// the lane of its destination (lanes.go), and marks it delivered, retrying with backoff.
// Delivery is at least once: a crash between Notify and the mark repeats the event, and
// Event.ID lets a Notifier drop the repeat.
//
// The job runs on every replica. Each round claims the due events (storage.ClaimOutbox: each
// held until the end of a visibility timeout, oldest first, and none while an older event of
// its post is held elsewhere, so one post's results reach its lane in the order they were
// written); a lane worker renews the claim just before Notify, and an event whose claim ran
// out while it waited in a lane (another replica may have it now) is skipped. So no event is
// delivered by two replicas at once, and one whose replica died is delivered by another once
// the claim ends.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Delivery tuning.
const (
	deliverBatch  = 100
	notifyTimeout = 30 * time.Second
	deliverGiveUp = 48 * time.Hour // then the event is logged and dropped
	// claimFor is how long a claim on an event lasts: a Notify's timeout and a margin to
	// record its outcome. Claims are renewed as each delivery starts, so time spent waiting in
	// a lane does not count against the Notify.
	claimFor = notifyTimeout + 30*time.Second
)

// encodeEvent encodes e for the outbox under a dedupe key. It fails only on data it cannot
// encode: an origin reference (stored with the post) that is not valid JSON.
func encodeEvent(e Event, key string) (storage.OutboxEvent, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return storage.OutboxEvent{}, fmt.Errorf("publisher: encode %s event of post %q: %w", e.Kind, e.PostID, err)
	}
	return storage.OutboxEvent{Key: key, Door: e.Door, Payload: b, PostID: e.PostID}, nil
}

// outboxEvent encodes e for the outbox under a dedupe key. The state change the event reports
// must commit whatever happens to the event, so an event that cannot be encoded (its post's
// stored reply address is not valid JSON) is written without the reply address, and the error
// is logged: the door then sees an event it cannot answer and drops it, and the post's status
// still tells the truth. It never panics (it runs in publish workers, which a panic would kill
// along with the daemon).
func (p *Publisher) outboxEvent(e Event, key string) storage.OutboxEvent {
	ev, err := encodeEvent(e, key)
	if err == nil {
		return ev
	}
	p.log.Error("result event has an unreadable reply address; it is kept without it and cannot be answered at its origin",
		slog.String("post_id", e.PostID), slog.String("door", e.Door), slog.Any("error", err))
	e.OriginRef = nil
	if ev, err = encodeEvent(e, key); err == nil {
		return ev
	}
	// Only OriginRef is not plain data; without it the encoding cannot fail. Keep the key so
	// the row still deduplicates, with a payload delivery records as undecodable.
	return storage.OutboxEvent{Key: key, Door: e.Door, Payload: []byte(`null`), PostID: e.PostID}
}

// Deliver hands every due outbox event to its door's Notifier and returns once each was dealt
// with (delivered, or put back with backoff), or ctx ended. Events another call is already
// delivering are left to it. Tests and one-shot commands call Deliver; the scheduled job
// (deliverJob) does not wait.
func (p *Publisher) Deliver(ctx context.Context) error {
	for {
		var wg sync.WaitGroup
		sent, more, err := p.dispatch(ctx, &wg)
		wg.Wait()
		if err != nil || ctx.Err() != nil || !more || sent == 0 {
			return errors.Join(err, ctx.Err())
		}
	}
}

// deliverJob is the delivery job: it hands the due events to their lanes and returns without
// waiting, so a destination that hangs never keeps the job from running again for the others.
// The lanes' workers run under ctx, which ends at shutdown.
func (p *Publisher) deliverJob(ctx context.Context) error {
	for {
		sent, more, err := p.dispatch(ctx, nil)
		if err != nil || !more || sent == 0 {
			return err
		}
	}
}

// dispatch claims the due events and submits each to its lane; wg, when set, is done as each
// submitted event is dealt with. more says the claim was capped or a lane was full, so a
// further round may find more. An event a full lane refuses is given back at once.
func (p *Publisher) dispatch(ctx context.Context, wg *sync.WaitGroup) (sent int, more bool, err error) {
	p.dispatchMu.Lock()
	defer p.dispatchMu.Unlock()
	limit := deliverBatch + p.lanes.busy()
	p.lanes.newRound()
	items, err := p.store.ClaimOutbox(ctx, claimFor, limit)
	if err != nil {
		return 0, false, err
	}
	for _, it := range items {
		d := delivery{ctx: ctx, it: it}
		if err := json.Unmarshal(it.Payload, &d.e); err != nil || d.e.Kind == "" {
			p.deliveryFailed(ctx, it, DeliveryUndecodable, fmt.Errorf("undecodable event: %w", orMissing(err)), true)
			continue
		}
		d.e.ID = it.ID
		if wg != nil {
			wg.Add(1)
			d.done = wg.Done
		}
		switch p.lanes.submit(p.laneOf(d.e), d) {
		case accepted:
			sent++
			continue
		case full:
			more = true
			p.releaseClaim(ctx, it)
		case duplicate:
			// Still queued here from an earlier claim that ran out: the queued delivery now
			// holds this claim (submit moved it over).
		}
		if wg != nil {
			wg.Done()
		}
	}
	return sent, more || len(items) == limit, nil
}

// releaseClaim gives an event's claim back undelivered: it is due again at once.
func (p *Publisher) releaseClaim(ctx context.Context, it storage.OutboxItem) {
	if err := p.store.ReleaseOutboxClaim(context.WithoutCancel(ctx), it.ID, it.Claim); err != nil {
		p.log.Warn("could not give back an event's claim; it is delivered once the claim ends",
			slog.Int64("outbox", it.ID), slog.Any("error", err))
	}
}

// renewClaim extends an event's claim as its delivery starts; false when the claim ran out
// while it waited and the event is no longer this replica's to deliver (another took it, or
// it was dealt with).
func (p *Publisher) renewClaim(ctx context.Context, it *storage.OutboxItem) bool {
	if it.Claim.IsZero() {
		return true // not claimed: a caller that owns the event outright
	}
	until, ok, err := p.store.RenewOutboxClaim(ctx, it.ID, it.Claim, claimFor)
	if err != nil {
		p.log.Warn("could not renew an event's claim; it is delivered later", slog.Int64("outbox", it.ID), slog.Any("error", err))
		return false
	}
	if !ok {
		p.log.Debug("an event's claim ran out before its delivery began; left to whoever holds it now", slog.Int64("outbox", it.ID))
		return false
	}
	it.Claim = until
	return true
}

// orMissing is err, or an error saying the payload held no event.
func orMissing(err error) error {
	if err == nil {
		return errors.New("no event in the payload")
	}
	return err
}

// laneOf is e's destination: its door, refined by the door's Notifier when it is a Laner. A
// Lane that panics leaves the event in its door's lane.
func (p *Publisher) laneOf(e Event) (key string) {
	key = e.Door
	l, ok := p.opts.Doors.Notifier(e.Door).(Laner)
	if !ok {
		return key
	}
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("a notifier's Lane panicked; its event goes in the door's lane",
				slog.String("door", e.Door), slog.Any("panic", r))
		}
	}()
	if sub := l.Lane(e); sub != "" {
		key = e.Door + "|" + sub
	}
	return key
}

// deliver delivers one event from a lane. A panic anywhere in it (a Notifier's bug) fails this
// delivery alone: it is recorded against the event as a failed attempt with the panic as its
// reason, counted, and the lane goes on.
func (p *Publisher) deliver(d delivery) {
	defer p.signals.Delivered.Signal(d.it.ID) // last: after a panic is recorded
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("delivering a result panicked; recorded as a failed attempt",
				slog.Int64("outbox", d.it.ID), slog.String("door", d.it.Door), slog.Any("panic", r),
				slog.String("stack", string(debug.Stack())))
			p.deliveryFailed(d.ctx, d.it, DeliveryPanicked, fmt.Errorf("the %s notifier panicked: %v", d.it.Door, r), false)
		}
	}()
	d.it.Claim = p.lanes.latestClaim(d.it.ID, d.it.Claim) // a round may have claimed it again since it was queued
	if !p.renewClaim(d.ctx, &d.it) {
		return
	}
	p.deliverOne(d.ctx, d.it, d.e)
}

func (p *Publisher) deliverOne(ctx context.Context, it storage.OutboxItem, e Event) {
	n := p.opts.Doors.Notifier(it.Door)
	if n == nil {
		// Nobody to tell (a door without a reply channel, such as the command line).
		if err := p.store.OutboxDelivered(ctx, it.ID); err != nil {
			p.log.Warn("could not mark an event delivered", slog.Int64("outbox", it.ID), slog.Any("error", err))
		}
		return
	}
	nctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	err := n.Notify(nctx, e)
	cancel()
	if err == nil {
		p.health.book(it.Door).Succeeded(p.now())
		if err := p.store.OutboxDelivered(ctx, it.ID); err != nil {
			p.log.Warn("could not mark an event delivered; it may be delivered again", slog.Int64("outbox", it.ID), slog.Any("error", err))
		}
		return
	}
	if ctx.Err() != nil {
		return
	}
	p.deliveryFailed(ctx, it, DeliveryError, err, false)
}

// deliveryFailed records a failed delivery against the event: due again after a backoff (or
// the door's Retry-After, when its error carries one), or given up for good.
func (p *Publisher) deliveryFailed(ctx context.Context, it storage.OutboxItem, why DeliveryFailure, err error, giveUp bool) {
	p.deliveries.DeliveryFailed(it.Door, why)
	p.health.book(it.Door).Failed(p.now(), string(why))
	now := p.now()
	giveUp = giveUp || now.Sub(it.CreatedAt) > deliverGiveUp
	wait := min(time.Second<<min(it.Attempts, 20), 10*time.Minute)
	if ra := retryAfter(err); ra > wait {
		wait = min(ra, time.Hour) // a door's word, but not for longer than an hour
	}
	if giveUp {
		p.log.Error("gave up delivering an event to its door", slog.Int64("outbox", it.ID), slog.String("door", it.Door),
			slog.String("failure", string(why)), slog.Any("error", err))
	} else {
		p.log.Warn("could not deliver an event; will retry", slog.Int64("outbox", it.ID), slog.String("door", it.Door),
			slog.String("failure", string(why)), slog.Duration("retry_in", wait), slog.Any("error", err))
	}
	if err := p.store.OutboxRetry(context.WithoutCancel(ctx), it, now.Add(wait), err.Error(), giveUp); err != nil {
		p.log.Warn("could not record a failed delivery", slog.Int64("outbox", it.ID), slog.Any("error", err))
	}
}

// retryAfter is how long a Notifier's error asks to wait before the next attempt (a chat's
// rate limit), found through any error in the chain with a RetryAfter() time.Duration method;
// zero when none does.
func retryAfter(err error) time.Duration {
	if ra, ok := errors.AsType[interface {
		error
		RetryAfter() time.Duration
	}](err); ok {
		return ra.RetryAfter()
	}
	return 0
}

// deliverSoon runs the delivery job now, when a scheduler runs it, so a result reaches its
// chat within moments rather than at the next interval.
func (p *Publisher) deliverSoon() {
	if s := p.scheduler(); s != nil {
		s.RunNow(jobDeliver)
	}
}
