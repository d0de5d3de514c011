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

// publisherParts holds what the publisher subsystem built that others need.
type publisherParts struct {
	// publisher drains the queue; chat's `delete` and the REST API call its Delete.
	publisher *publisher.Publisher
	// scheduler owns the background jobs.
	scheduler *publisher.Scheduler
}

// wirePublisher builds the scheduler and the publisher (issue 4) and sets a.wake. The doors'
// notifiers are wired after it, so each door's notifier is looked up when an event is
// delivered; a door that is not configured has its events logged and dropped.
func (a *app) wirePublisher(ctx context.Context) error {
	sched, err := publisher.NewScheduler(publisher.SchedulerOptions{Logger: a.log, Elector: a.wireLeader()})
	if err != nil {
		return err
	}
	log := a.log.With(slog.String("component", "publisher"))
	lazy := func(door string, get func() publisher.Notifier) publisher.Notifier {
		return lazyNotifier{door: door, get: get, log: log}
	}
	a.publisher = publisher.New(publisher.Options{
		Store: a.db, API: a.threads, Tokens: a.accounts,
		ParkedErrors: []error{accounts.ErrNeedsReconnect, accounts.ErrNotConnected},
		Notifiers: map[string]publisher.Notifier{
			"slack":    lazy("slack", func() publisher.Notifier { return a.slackNotifier }),
			"telegram": lazy("telegram", func() publisher.Notifier { return a.telegramNotifier }),
			"webhook":  lazy("webhook", func() publisher.Notifier { return a.webhookNotifier }),
			"feed":     lazy("feed", func() publisher.Notifier { return a.feedNotifier }),
			"":         publisher.NotifierFunc(a.notifyOwner),
		},
		Workers: a.cfg.PublishWorkers, PollInterval: a.cfg.PollInterval, LeaseTTL: a.cfg.LeaseTTL, Retention: a.cfg.Retention, Logger: log,
		Limits: a.limits(),
		// buildMetrics ran first (build): posts published, failed by class and retried are
		// counted as they happen.
		Observer: a.metrics,
	})
	if err := a.publisher.Register(sched); err != nil {
		return err
	}
	a.scheduler = sched
	a.wake = a.publisher.Wake
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
	a.closers = append(a.closers, func(context.Context) error { return sched.Shutdown() })
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

// lazyNotifier looks its door's notifier up at each event (doors are wired after the
// publisher), and passes on the door's lanes (publisher.Laner) so a webhook door's callback
// hosts each get their own.
type lazyNotifier struct {
	door string
	get  func() publisher.Notifier
	log  *slog.Logger
}

func (l lazyNotifier) Notify(ctx context.Context, e publisher.Event) error {
	if n := l.get(); n != nil {
		return n.Notify(ctx, e)
	}
	l.log.InfoContext(ctx, "result for a door that is not configured", slog.String("door", l.door),
		slog.String("post_id", e.PostID), slog.String("kind", string(e.Kind)))
	return nil
}

// Lane implements publisher.Laner for doors whose notifier does.
func (l lazyNotifier) Lane(e publisher.Event) string {
	if n, ok := l.get().(publisher.Laner); ok {
		return n.Lane(e)
	}
	return ""
}

// notifyOwner tells an account's owner about account-level events (the token needs
// reconnecting) through their chat door.
func (a *app) notifyOwner(ctx context.Context, e publisher.Event) error {
	owner, err := a.accounts.Owner(ctx, e.AccountID)
	if errors.Is(err, storage.ErrNotFound) {
		a.log.WarnContext(ctx, "account event with no owner to tell", slog.Int64("account_id", e.AccountID), slog.String("reason", e.Reason))
		return nil
	} else if err != nil {
		return err
	}
	// The publisher's reasons already say how to link again (publisher.RelinkHint).
	text := "🔌 Your Threads account needs to be linked again: " + e.Reason + "."
	if e.Kind == publisher.EventTokenExpiring {
		text = "⌛ Link your Threads account again soon: " + e.Reason + "."
	}
	return a.identityNotifiers.NotifyIdentity(ctx, owner, text)
}

// limits are the per-account quotas SPINDLE_QUOTA_* configured, which the publisher keeps and
// the status page and the chat quota view measure against.
func (a *app) limits() publisher.Limits {
	q := a.cfg.Quota
	return publisher.Limits{Posts: q.Posts, Replies: q.Replies, Deletes: q.Deletes}
}
