package publisher

// What this process holds. A lease in the database says who may work on a post; it expires so
// that a post whose worker died is taken up again. But expiry is read off a clock, and a wall
// clock can jump: forward past a live lease, and the drain would reclaim a post its own worker
// is still publishing. So the publisher remembers, in memory, the posts it is working on: they
// are never reclaimed by this process (Lease's held), and a heartbeat extends their leases for
// as long as the work goes on, so that no other process reclaims them either. How long ago a
// lease was last confirmed is judged by the monotonic clock (time.Since), which never jumps.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// errLeaseLost cancels a worker whose lease another claim took.
var errLeaseLost = errors.New("the post's lease was lost to another worker")

// hold is one post this process works on.
type hold struct {
	lease  storage.Lease
	cancel context.CancelCauseFunc

	mu        sync.Mutex
	confirmed time.Time // monotonic: when the last claim or extension that succeeded was sent
}

func (h *hold) confirm(sent time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if sent.After(h.confirmed) {
		h.confirmed = sent
	}
}

// age is how long ago the lease was last confirmed, by the monotonic clock.
func (h *hold) age() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Since(h.confirmed)
}

// holds is the set of posts this process works on, by id.
type holds struct {
	mu sync.Mutex
	m  map[string]*hold
}

func (hs *holds) add(h *hold) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.m == nil {
		hs.m = map[string]*hold{}
	}
	hs.m[h.lease.ID] = h
}

// remove forgets h, and only h: a worker that committed its step and is on its way out must
// not drop the hold of the next worker already claimed for the same post.
func (hs *holds) remove(h *hold) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.m[h.lease.ID] == h {
		delete(hs.m, h.lease.ID)
	}
}

func (hs *holds) ids() []string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	ids := make([]string, 0, len(hs.m))
	for id := range hs.m {
		ids = append(ids, id)
	}
	return ids
}

func (hs *holds) all() []*hold {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	out := make([]*hold, 0, len(hs.m))
	for _, h := range hs.m {
		out = append(out, h)
	}
	return out
}

// heartbeat extends the lease of every held post every LeaseTTL/4 until ctx ends. A time.Ticker
// runs on the monotonic clock. A lease found lost cancels its worker, which stops before any
// further call to Threads.
func (p *Publisher) heartbeat(ctx context.Context) {
	t := time.NewTicker(p.opts.LeaseTTL / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, h := range p.holds.all() {
				p.extend(ctx, h)
			}
		}
	}
}

// extend pushes h's lease out by LeaseTTL. A lost lease cancels the worker; another failure
// (the database is busy) is left for the next beat, and the worker's own check (held) keeps it
// from publishing on a lease that may have run out meanwhile.
func (p *Publisher) extend(ctx context.Context, h *hold) error {
	sent := time.Now()
	err := p.store.Extend(ctx, h.lease, p.opts.LeaseTTL)
	switch {
	case err == nil:
		h.confirm(sent)
	case errors.Is(err, storage.ErrLeaseLost):
		h.cancel(errLeaseLost)
	case ctx.Err() == nil:
		p.log.Debug("extend a lease", slog.String("post_id", h.lease.ID), slog.Any("error", err))
	}
	return err
}

// held makes sure the run still holds its lease, with at least two thirds of LeaseTTL ahead,
// before a call to Threads that must happen at most once (create, publish): it extends the
// lease now unless the heartbeat confirmed it a moment ago.
func (r *run) held(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if r.hold == nil || r.hold.age() < r.p.opts.LeaseTTL/3 {
		return nil
	}
	if err := r.p.extend(ctx, r.hold); err != nil {
		return fmt.Errorf("confirm the post's lease before calling Threads: %w", err)
	}
	return nil
}
