package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/spindle-threads/spindle/publisher/leader"
)

// whileLeader runs long-lived singleton work (Telegram long polling) on the leader alone.
type whileLeader interface {
	WhileLeader(ctx context.Context, fn func(context.Context))
}

// wireLeader makes this replica a candidate for leader and returns the elector the scheduler
// consults. On PostgreSQL, replicas share the database and elect one through its leader table;
// on SQLite a daemon is alone on its data dir (the data dir lock) and always leads, and the
// scheduler needs no elector.
func (a *app) wireLeader() gocron.Elector {
	if !a.db.Postgres() {
		a.leader = leader.Always{}
		return nil
	}
	log := a.log.With(slog.String("component", "leader"))
	e := leader.New(leader.Options{Store: a.db, Logger: log})
	a.leader = e
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// The first try is made now, before the scheduler starts, so that a replica alone (or the
	// first up) runs the leader's jobs at start rather than one interval later.
	e.Try(ctx)
	go func() { defer close(done); e.Run(ctx) }()
	// Registered before the scheduler's and the doors' closers, so it runs after them: the
	// term is given up once the singleton work has stopped here, and another replica takes
	// it at its next try instead of a whole term later.
	a.closers = append(a.closers, func(c context.Context) error {
		cancel()
		<-done
		rc, stop := context.WithTimeout(c, 5*time.Second)
		defer stop()
		if err := e.Resign(rc); err != nil {
			log.Warn("could not give up the leadership; another replica takes over when the term expires", slog.Any("error", err))
		}
		return nil
	})
	log.Info("standing for leader among the replicas", slog.String("leader_id", e.ID()))
	return e
}

// onLeader runs fn until ctx ends: here at once when everywhere is set (work any replica may
// do, such as serving a Telegram webhook), else only while this replica leads (Telegram long
// polling: getUpdates allows one poller per bot and answers a second with 409 Conflict).
func (a *app) onLeader(ctx context.Context, everywhere bool, fn func(context.Context)) {
	if everywhere || a.leader == nil {
		fn(ctx)
		return
	}
	a.leader.WhileLeader(ctx, fn)
}
