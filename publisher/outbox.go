package publisher

// Delivering results. Every event is first written to the outbox in the transaction of the
// state change it reports; the delivery job then hands each to the Notifier of its door and
// marks it delivered, retrying with backoff. Delivery is at least once: a crash between Notify
// and the mark repeats the event, and Event.ID lets a Notifier drop the repeat.

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Delivery tuning.
const (
	deliverBatch   = 100
	deliverWorkers = 8
	notifyTimeout  = 30 * time.Second
	deliverGiveUp  = 48 * time.Hour // then the event is logged and dropped
)

// outboxEvent encodes e for the outbox under a dedupe key.
func (p *Publisher) outboxEvent(e Event, key string) storage.OutboxEvent { return encodeEvent(e, key) }

// Deliver hands every due outbox event to its door's Notifier. It is the delivery job.
func (p *Publisher) Deliver(ctx context.Context) error {
	p.deliverM.Lock()
	defer p.deliverM.Unlock()
	for {
		items, err := p.store.DueOutbox(ctx, p.now(), deliverBatch)
		if err != nil || len(items) == 0 {
			return err
		}
		sem := make(chan struct{}, deliverWorkers)
		var wg sync.WaitGroup
		for _, it := range items {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				p.deliverOne(ctx, it)
			}()
		}
		wg.Wait()
		if ctx.Err() != nil || len(items) < deliverBatch {
			return ctx.Err()
		}
	}
}

func (p *Publisher) deliverOne(ctx context.Context, it storage.OutboxItem) {
	var e Event
	if err := json.Unmarshal(it.Payload, &e); err != nil {
		p.log.Error("undecodable outbox event dropped", slog.Int64("outbox", it.ID), slog.Any("err", err))
		_ = p.store.OutboxRetry(ctx, it.ID, p.now(), err.Error(), true)
		return
	}
	e.ID = it.ID
	n := p.opts.Notifiers[it.Door]
	if n == nil {
		// Nobody to tell (a door without a reply channel, such as the command line).
		if err := p.store.OutboxDelivered(ctx, it.ID); err != nil {
			p.log.Warn("could not mark an event delivered", slog.Int64("outbox", it.ID), slog.Any("err", err))
		}
		return
	}
	nctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	err := n.Notify(nctx, e)
	cancel()
	if err == nil {
		if err := p.store.OutboxDelivered(ctx, it.ID); err != nil {
			p.log.Warn("could not mark an event delivered; it may be delivered again", slog.Int64("outbox", it.ID), slog.Any("err", err))
		}
		return
	}
	if ctx.Err() != nil {
		return
	}
	now := p.now()
	giveUp := now.Sub(it.CreatedAt) > deliverGiveUp
	wait := min(time.Second<<min(it.Attempts, 20), 10*time.Minute)
	if giveUp {
		p.log.Error("gave up delivering an event to its door", slog.Int64("outbox", it.ID), slog.String("door", it.Door),
			slog.String("post", e.PostID), slog.String("kind", string(e.Kind)), slog.Any("err", err))
	} else {
		p.log.Warn("could not deliver an event; will retry", slog.Int64("outbox", it.ID), slog.String("door", it.Door),
			slog.Duration("retry_in", wait), slog.Any("err", err))
	}
	if err := p.store.OutboxRetry(ctx, it.ID, now.Add(wait), err.Error(), giveUp); err != nil {
		p.log.Warn("could not record a failed delivery", slog.Int64("outbox", it.ID), slog.Any("err", err))
	}
}

// deliverSoon runs the delivery job now, when a scheduler runs it, so a result reaches its
// chat within moments rather than at the next interval.
func (p *Publisher) deliverSoon() {
	if s := p.scheduler(); s != nil {
		s.RunNow(jobDeliver)
	}
}
