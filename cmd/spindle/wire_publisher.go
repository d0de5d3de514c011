package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// buildPublisher builds the scheduler and the publisher (issue 4), which delivers each result
// to the notifier its door registered in a.doors, and account-level events to their owner.
// Leases a dead daemon left are released now; the scheduler and the watch for other writers
// start once the listener is up. Jobs only one replica may run go to the elected leader
// (leader.go). doors is a.doors with the event webhooks' fan-out in front (wire_events.go).
func (a *app) buildPublisher(ctx context.Context, doors publisher.Doors) error {
	sched, err := publisher.NewScheduler(publisher.SchedulerOptions{Logger: a.log, Elector: a.wireLeader()})
	if err != nil {
		return err
	}
	log := a.log.With(slog.String("component", "publisher"))
	a.publisher = publisher.New(publisher.Options{
		Store: a.db, API: a.threads, Tokens: a.accounts, Doors: doors,
		ParkedErrors: []error{accounts.ErrNeedsReconnect, accounts.ErrNotConnected},
		Workers:      a.cfg.PublishWorkers, PollInterval: a.cfg.PollInterval, LeaseTTL: a.cfg.LeaseTTL, Retention: a.cfg.Retention, Logger: log,
		Limits: a.limits(),
		// The database's clock, as storage keeps it: the times the publisher writes (a retry's,
		// a delivery's) are judged by it on every replica.
		Now: a.db.Now,
		// Posts published, failed by class and retried are counted as they happen.
		Observer: a.metrics,
	})
	if err := a.publisher.Register(sched); err != nil {
		return err
	}
	a.scheduler = sched
	a.closers = append(a.closers, func(context.Context) error { return sched.Shutdown() })
	// Account-level events go to the account's owner, through the door of their identity.
	// A post waiting for approval goes to its approvers as a card with buttons where their door
	// offers one (approval_cards.go).
	a.doors.register(accountEvents, doorOffer{results: ownerNotifier{owners: a.accounts, people: a.doors, log: a.log,
		cards: approvalCards{store: a.db, seen: a.db, doors: a.doors, people: a.doors, log: a.log, approvers: ownerAndApprovers{owners: a.accounts, named: a.db}}}})
	// Leases still held belong to a daemon that died; resume its posts now, not after the TTL.
	// Not on PostgreSQL: there they may be another replica's live leases, left to expire.
	if !a.db.Postgres() {
		if n, err := a.db.ReleaseLeases(ctx); err != nil {
			return err
		} else if n > 0 {
			log.Info("resuming posts a previous run left in flight", slog.Int("posts", n))
		}
	}
	a.starts = append(a.starts, func(context.Context) error { sched.Start(); return nil })
	a.watchOtherWriters()
	return nil
}

// othersLook is how often the daemon checks whether another process (`spindle post`, `spindle
// feeds add`) committed to the database: a post queued from the command line goes out within
// about this long instead of at the next SPINDLE_POLL_INTERVAL. A look reads a counter in
// shared memory and costs microseconds.
const othersLook = 500 * time.Millisecond

// watchOtherWriters wakes the publisher whenever another process commits.
func (a *app) watchOtherWriters() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.starts = append(a.starts, func(context.Context) error {
		go func() { defer close(done); a.db.WatchOthers(ctx, othersLook, a.publisher.Wake) }()
		return nil
	})
	a.closers = append(a.closers, func(context.Context) error {
		cancel()
		select {
		case <-done:
		default: // never started: serve stopped before its listener was up
		}
		return nil
	})
}

// ownerNotifier tells an account's owner about account-level events (the token needs
// reconnecting) through their chat door.
type ownerNotifier struct {
	owners interface {
		Owner(ctx context.Context, accountID int64) (accounts.Identity, error)
	}
	people accounts.IdentityNotifier
	log    *slog.Logger
	// cards asks a held post's approvers to decide it (EventPendingApproval); its zero value
	// tells the owner in a plain line, as before cards.
	cards approvalCards
}

func (o ownerNotifier) Notify(ctx context.Context, e publisher.Event) error {
	if e.Kind == publisher.EventPendingApproval && o.cards.store != nil {
		return o.cards.ask(ctx, e)
	}
	owner, err := o.owners.Owner(ctx, e.AccountID)
	if errors.Is(err, storage.ErrNotFound) {
		o.log.WarnContext(ctx, "account event with no owner to tell", slog.Int64("account_id", e.AccountID), slog.String("reason", e.Reason))
		return nil
	} else if err != nil {
		return err
	}
	// The publisher's reasons already say how to link again (publisher.RelinkHint).
	text := "🔌 Your Threads account needs to be linked again: " + e.Reason + "."
	switch e.Kind {
	case publisher.EventTokenExpiring:
		text = "⌛ Link your Threads account again soon: " + e.Reason + "."
	case publisher.EventPendingApproval:
		text = pendingLine(e)
	}
	return o.people.NotifyIdentity(ctx, owner, text)
}

// limits are the per-account quotas SPINDLE_QUOTA_* configured, which the publisher keeps and
// the status page and the chat quota view measure against.
func (a *app) limits() publisher.Limits {
	q := a.cfg.Quota
	return publisher.Limits{Posts: q.Posts, Replies: q.Replies, Deletes: q.Deletes}
}
