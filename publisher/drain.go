package publisher

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Job names, unique in the scheduler.
const (
	jobDrain     = "publisher.drain"
	jobRefresh   = "publisher.refresh-tokens"
	jobReconcile = "publisher.reconcile-quota"
	jobDeliver   = "publisher.deliver-results"
	jobHousekeep = "publisher.housekeeping"
	jobExpire    = "publisher.expire-approvals"
)

// Register adds the publisher's jobs to s: the drain (every PollInterval, and at once on
// Wake), token refresh, quota reconciliation, result delivery, housekeeping and approval expiry.
func (p *Publisher) Register(s *Scheduler) error {
	// The drain and result delivery run on every replica: leases share the queue among them,
	// claims the outbox. The others run on the leader alone: the token, quota and retention
	// sweeps are read whole, not claimed row by row, so two replicas would do them twice.
	jobs := []struct {
		name   string
		every  time.Duration
		fn     func(context.Context) error
		leader bool
	}{
		{jobDrain, p.opts.PollInterval, p.Drain, false},
		{jobDeliver, 2 * time.Second, p.deliverJob, false},
		{jobRefresh, time.Hour, p.RefreshTokens, true},
		{jobReconcile, 15 * time.Minute, p.ReconcileQuotas, true},
		{jobHousekeep, time.Hour, p.Housekeep, true},
		{jobExpire, time.Minute, p.ExpireApprovals, true},
	}
	for _, j := range jobs {
		register := s.Every
		if j.leader {
			register = s.EveryOnLeader
		}
		if err := register(j.name, j.every, j.fn); err != nil {
			return err
		}
	}
	// The delivery lanes outlive each run of the job; shutdown waits for them (their context,
	// the job's, has ended by then, so they finish quickly).
	s.afterShutdown(p.lanes.wait)
	p.schedMu.Lock()
	p.sched = s
	p.schedMu.Unlock()
	return nil
}

func (p *Publisher) scheduler() *Scheduler {
	p.schedMu.Lock()
	defer p.schedMu.Unlock()
	return p.sched
}

// Wake runs the drain at once: ingest calls it after committing a post that is due now, so it
// does not wait for the next interval. A drain in progress notices and goes round again.
//
// gocron drops a RunNow while the job still runs, and a drain past its last look at woken
// (arming its next wake, returning) no longer notices: that wake would be lost until the next
// interval. So until a drain takes the wake (each round clears woken), Wake asks again, at
// growing intervals.
func (p *Publisher) Wake() {
	p.woken.Store(true)
	if s := p.scheduler(); s != nil {
		s.RunNow(jobDrain)
		if p.waking.CompareAndSwap(false, true) {
			p.askAgain(s, wakeRetry)
		}
	}
}

// wakeRetry is the first wait before Wake asks again for a drain that has not taken its wake.
const wakeRetry = 50 * time.Millisecond

// askAgain runs the drain after wait if no drain has taken the wake by then, and keeps asking,
// waiting twice as long each time up to the poll interval, until one has.
func (p *Publisher) askAgain(s *Scheduler, wait time.Duration) {
	time.AfterFunc(wait, func() {
		if !p.woken.Load() || s.ctx.Err() != nil {
			p.waking.Store(false)
			if p.woken.Load() && s.ctx.Err() == nil && p.waking.CompareAndSwap(false, true) {
				p.askAgain(s, wakeRetry) // a Wake came between the look and the store
			}
			return
		}
		s.RunNow(jobDrain)
		p.askAgain(s, min(2*wait, p.opts.PollInterval))
	})
}

// wakeAt arranges a Wake at t when that is sooner than the next interval, so a container's
// first status check happens when planned, not up to PollInterval later.
func (p *Publisher) wakeAt(t time.Time) {
	s := p.scheduler()
	if s == nil {
		return
	}
	d := t.Sub(p.now())
	if d >= p.opts.PollInterval {
		return
	}
	p.schedMu.Lock()
	defer p.schedMu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(max(d, 0), p.Wake)
}

// Drain publishes every due post: it leases posts (one per account at a time) into a pool of
// Workers and keeps leasing as workers free up, until nothing is due. It is the drain job;
// calls do not overlap. While it runs, a heartbeat renews the leases of the posts its workers
// hold, and the posts held are never reclaimed by its own leases (see holds.go).
func (p *Publisher) Drain(ctx context.Context) error {
	p.drainMu.Lock()
	defer p.drainMu.Unlock()
	defer p.signals.Drained.Signal(struct{}{}) // last: after the workers are collected
	beat, stopBeat := context.WithCancel(ctx)
	var beating sync.WaitGroup
	beating.Go(func() { p.heartbeat(beat) })
	defer beating.Wait()
	defer stopBeat() // after the workers are collected below: defers run last first
	workers := p.opts.Workers
	done := make(chan struct{}, workers)
	inflight := 0
	defer func() {
		for ; inflight > 0; inflight-- {
			<-done
		}
	}()
	for {
		p.woken.Store(false)
		var leased []storage.Post
		if free := workers - inflight; free > 0 && ctx.Err() == nil {
			sent := time.Now() // monotonic: the lease runs at most LeaseTTL from here
			var err error
			leased, err = p.store.Lease(ctx, free, p.opts.LeaseTTL, p.holds.ids()...)
			if err != nil {
				return err
			}
			for _, post := range leased {
				inflight++
				wctx, h := p.claim(ctx, post, sent)
				go func() {
					defer func() { done <- struct{}{} }()
					defer p.signals.Stepped.Signal(post.ID)
					defer p.holds.remove(h)
					defer h.cancel(nil)
					p.process(wctx, post, h)
				}()
			}
		}
		if inflight == 0 {
			if len(leased) == 0 && !p.woken.Load() {
				p.armNextDue(ctx)
				return ctx.Err()
			}
			continue
		}
		if len(leased) > 0 && inflight < workers {
			continue // more may be due for other accounts
		}
		select {
		case <-done:
			inflight--
		case <-ctx.Done():
		}
		// Collect whoever else finished meanwhile, so one lease refills them all.
		for more := true; more && inflight > 0; {
			select {
			case <-done:
				inflight--
			default:
				more = false
			}
		}
	}
}

// claim records a leased post as held by this process, before the next Lease can see it, and
// gives its worker a context that a lost lease cancels.
func (p *Publisher) claim(ctx context.Context, post storage.Post, sent time.Time) (context.Context, *hold) {
	wctx, cancel := context.WithCancelCause(ctx)
	h := &hold{lease: storage.LeaseOf(post), cancel: cancel, confirmed: sent}
	p.holds.add(h)
	return wctx, h
}

// armNextDue arranges a wake for the next post that becomes due before the next interval.
func (p *Publisher) armNextDue(ctx context.Context) {
	if p.scheduler() == nil {
		return
	}
	at, ok, err := p.store.NextDue(ctx)
	if err != nil {
		p.log.Debug("next due", slog.Any("error", err))
		return
	}
	if ok {
		p.wakeAt(at)
	}
}

// Housekeep forgets quota uses that left every window, delivered events older than a week
// and, with a retention set, finished posts older than it.
func (p *Publisher) Housekeep(ctx context.Context) error {
	now := p.now()
	if _, err := p.store.PruneQuota(ctx, now.Add(-2*quotaWindow)); err != nil {
		return err
	}
	if _, err := p.store.PruneOutbox(ctx, now.Add(-7*24*time.Hour)); err != nil {
		return err
	}
	return p.pruneFinished(ctx, now)
}

// pruneBatch is how many finished posts one housekeeping transaction deletes: small enough
// that enqueues waiting on the writer are held for milliseconds, not seconds.
const pruneBatch = 500

// pruneFinished deletes finished posts past the retention, a batch at a time, until none is
// left or ctx ends (the job's timeout: the next run goes on where this one stopped).
func (p *Publisher) pruneFinished(ctx context.Context, now time.Time) error {
	if p.opts.Retention <= 0 {
		return nil
	}
	total := 0
	for ctx.Err() == nil {
		n, err := p.store.PruneFinished(ctx, now.Add(-p.opts.Retention), pruneBatch)
		if err != nil {
			return err
		}
		total += n
		if n < pruneBatch {
			break
		}
	}
	if total > 0 {
		p.log.InfoContext(ctx, "deleted finished posts past the retention", slog.Int("posts", total),
			slog.Duration("retention", p.opts.Retention))
	}
	return nil
}
