package main

import (
	"context"
	"log/slog"

	"github.com/spindle-threads/spindle/ingest/recur"
)

// jobSeries names the scheduler job that queues each recurring post's next occurrence.
const jobSeries = "series"

// buildSeries builds the recurring posts service the chat doors and the REST API create series
// with, and runs its materialiser on the publisher's scheduler every SPINDLE_POLL_INTERVAL: an
// occurrence is queued as soon as the one before it falls due (a day or more ahead of its own
// time), so the interval only bounds that lag. Replicas may all run it: storage decides who
// writes.
func (a *app) buildSeries() error {
	a.series = recur.NewService(recur.Options{Store: a.db, Validator: a.ingest,
		Logger: a.log.With(slog.String("component", "series")), Wake: a.publisher.Wake})
	return a.scheduler.Every(jobSeries, a.cfg.PollInterval, func(ctx context.Context) error {
		_, err := a.series.RunOnce(ctx)
		return err
	})
}
