package rss

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// flights is the Manager's record of polls in progress, shared by every round: which feeds
// are being polled (a feed that hangs is not started again beside itself), the global and
// per-host slots (so the limits hold across overlapping rounds), and the polls to wait for
// at Close.
type flights struct {
	mu     sync.Mutex
	active map[int64]bool
	hosts  map[string]chan struct{}
	global chan struct{}
	wg     sync.WaitGroup
	// stop is cancelled by Manager.Close; polls end when it is.
	stop   context.Context
	cancel context.CancelFunc
}

func newFlights(concurrency int) *flights {
	stop, cancel := context.WithCancel(context.Background())
	return &flights{active: map[int64]bool{}, hosts: map[string]chan struct{}{},
		global: make(chan struct{}, concurrency), stop: stop, cancel: cancel}
}

// begin marks a feed as being polled; false when it already is.
func (f *flights) begin(id int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active[id] {
		return false
	}
	f.active[id] = true
	return true
}

func (f *flights) end(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.active, id)
}

// hostSlots returns the semaphore of a host, made with n slots on first use. A host no
// feed polls any more keeps its (empty) channel: one per host ever polled, which the feed
// cap bounds.
func (f *flights) hostSlots(host string, n int) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.hosts[host]
	if !ok {
		c = make(chan struct{}, n)
		f.hosts[host] = c
	}
	return c
}

// Register adds the poll round (every roundEvery, 0 meaning DefaultRoundEvery) to polls and
// the pruning of old seen items (every 6 h) to prunes. The round only starts the polls of
// due feeds and returns: each poll runs on its own (see StartDue), so a feed that never
// answers delays no other feed's next poll. The round may run on every replica (feeds are
// claimed); the pruning is a sweep better done by one (the leader's jobs). Call Close at
// shutdown to wait for polls still running.
func (m *Manager) Register(polls, prunes Jobs, roundEvery time.Duration) error {
	if roundEvery <= 0 {
		roundEvery = DefaultRoundEvery
	}
	if err := polls.Every("feed-poll", roundEvery, func(ctx context.Context) error {
		_, err := m.StartDue(ctx)
		return err
	}); err != nil {
		return err
	}
	return prunes.Every("feed-prune", 6*time.Hour, m.Prune)
}

// PollDue is one poll round that waits: it starts every due feed's poll (StartDue) and
// returns when those polls have ended. The command line and tests use it; the background
// job does not wait.
func (m *Manager) PollDue(ctx context.Context) error {
	started, err := m.StartDue(ctx)
	started.Wait()
	return err
}

// Started is the set of polls one StartDue began.
type Started struct{ wg *sync.WaitGroup }

// Wait returns when every poll of the set has ended.
func (s Started) Wait() {
	if s.wg != nil {
		s.wg.Wait()
	}
}

// StartDue starts, each in its own goroutine, the poll of every enabled feed whose next poll
// has come and that is not being polled already, and returns at once. Every replica runs it:
// the due feeds are claimed (storage.ClaimDueFeeds), so each due feed is polled by the one
// replica that claimed it. At most Concurrency polls run at once and PerHost per host (host
// and port), counted across rounds; a poll waits for its slots, renews its claim, then has
// PollTimeout to finish. Each outcome is stored with its feed (see settle), which ends the
// claim; the error is the round's own (the database).
func (m *Manager) StartDue(ctx context.Context) (Started, error) {
	feeds, err := m.store.ClaimDueFeeds(ctx, m.claimFor(), dueBatch)
	if err != nil {
		return Started{}, fmt.Errorf("feed poll round: %w", err)
	}
	round := &sync.WaitGroup{}
	for _, f := range feeds {
		if !m.flights.begin(f.ID) {
			continue // still polling since an earlier round: it has its own timeout
		}
		perHost := m.flights.hostSlots(hostKey(f.URL), m.perHost)
		round.Add(1)
		m.flights.wg.Go(func() {
			defer round.Done()
			defer m.signals.Polled.Signal(f.ID) // after end: the feed may be polled again
			defer m.flights.end(f.ID)
			m.runPoll(ctx, f, perHost)
		})
	}
	return Started{wg: round}, nil
}

// claimFor is how long a claim on a feed lasts: the poll's timeout and a margin to store its
// outcome. A poll renews it once it has its slots, so waiting for them does not count; a
// replica that dies while polling leaves the feed to another once it ends.
func (m *Manager) claimFor() time.Duration { return m.pollTimeout + time.Minute }

// runPoll waits for a host slot and a global slot, renews the feed's claim (a claim that ran
// out while waiting may be another replica's now: the feed is left to it), polls the feed
// under its own timeout and stores the outcome. It runs outside any job, so it recovers a
// panic itself (pollOnce recovers the poll's own; this catches one while storing or
// notifying).
func (m *Manager) runPoll(ctx context.Context, f storage.Feed, perHost chan struct{}) {
	defer func() {
		if rec := recover(); rec != nil {
			m.log.ErrorContext(ctx, "storing a feed poll panicked", slog.Int64("feed_id", f.ID),
				slog.Any("panic", rec), slog.String("stack", string(debug.Stack())))
		}
	}()
	token := f.NextPollAt
	defer func() { m.release(ctx, f.ID, token) }()
	// The host slot first, so feeds waiting on a busy host hold no global slot.
	if !acquire(ctx, perHost) {
		return
	}
	defer func() { <-perHost }()
	if !acquire(ctx, m.flights.global) {
		return
	}
	defer func() { <-m.flights.global }()
	until, ok, err := m.store.RenewFeedClaim(ctx, f.ID, token, m.claimFor())
	if err != nil || !ok {
		if err != nil {
			m.log.WarnContext(ctx, "could not renew a feed's claim; its poll is left for later", slog.Int64("feed_id", f.ID), slog.Any("error", err))
		} else {
			m.log.DebugContext(ctx, "a feed's claim ran out before its poll began; another replica polls it", slog.Int64("feed_id", f.ID))
		}
		token = time.Time{}
		return
	}
	token = until
	pctx, cancel := context.WithTimeout(ctx, m.pollTimeout)
	defer cancel()
	defer context.AfterFunc(m.flights.stop, cancel)()
	res, err := m.pollOnce(pctx, f)
	shutdown := ctx.Err() != nil || m.flights.stop.Err() != nil
	if !shutdown && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("the feed did not answer within %s; will try again later: %w", m.pollTimeout, err)
	}
	m.settle(context.WithoutCancel(pctx), shutdown, f, res, err)
	if !shutdown {
		token = time.Time{} // settle stored the next poll, which ends the claim
	}
}

// release gives back a claim whose poll did not happen or was cut short (shutdown, no slot):
// the feed is due again at once, for any replica. token zero: nothing to give back.
func (m *Manager) release(ctx context.Context, id int64, token time.Time) {
	if token.IsZero() {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := m.store.ReleaseFeedClaim(rctx, id, token); err != nil {
		m.log.WarnContext(ctx, "could not give back a feed's claim; it is polled once the claim ends",
			slog.Int64("feed_id", id), slog.Any("error", err))
	}
}

// Close stops the polls still running (their outcomes are not recorded: shutdown says
// nothing about a feed) and waits for them, or for ctx.
func (m *Manager) Close(ctx context.Context) error {
	m.flights.cancel()
	done := make(chan struct{})
	go func() { m.flights.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("feeds: polls still running at shutdown: %w", ctx.Err())
	}
}

func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// hostKey is what the per-host limit counts by: the host and port, as servers are.
func hostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Host)
}
