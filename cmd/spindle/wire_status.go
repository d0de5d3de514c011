package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/status"
)

// routeStatus serves the operator's status page at GET / and its actions under /status/. The
// page is on when SPINDLE_ADMIN_PASSWORD is set (HTTP basic auth), and open without one in
// sandbox mode only; otherwise its routes answer 404.
func (a *app) routeStatus() {
	var wake func() // the publisher's, so a retried post goes at once
	var cached func(string) (publisher.PostInsights, bool)
	if a.publisher != nil {
		wake, cached = a.publisher.Wake, a.publisher.CachedInsights
	}
	h := status.New(status.Options{
		Store:    a.db,
		Now:      a.db.Now,
		Password: a.cfg.AdminPassword,
		Open:     a.cfg.Sandbox,
		Location: a.cfg.Timezone,
		Limits:   a.limits(),
		Events:   a.db.EventSubscriptions,
		Doors:    func(context.Context) []status.DoorHealth { return statusDoors(a.doorReports()) },
		Logger:   a.log.With(slog.String("component", "status")),
		Wake:     wake,
		Insights: cached,
	})
	a.router.Path("/").Handler(h)
	a.router.PathPrefix("/status/").Handler(h)
	if a.cfg.AdminEnabled() || a.cfg.Sandbox {
		a.log.Info("status page on", slog.String("url", a.cfg.PublicURL+"/"))
	}
}

// statusDoors turns readiness's door reports into the status page's rows, in a fixed order:
// the door's own view of its service where it keeps one, else how delivering its results went.
func statusDoors(reports map[string]doorReport) []status.DoorHealth {
	var out []status.DoorHealth
	for _, door := range []string{"slack", "telegram", "webhook", "feed"} {
		r, ok := reports[door]
		if !ok {
			continue
		}
		row := status.DoorHealth{Door: door, Enabled: r.Enabled}
		for _, h := range []*DoorHealth{r.Door, r.Results} {
			if h == nil {
				continue
			}
			if h.LastSuccess.After(row.LastSuccess) {
				row.LastSuccess = h.LastSuccess
			}
			if h.LastError != "" && h.LastErrorAt.After(row.LastErrorAt) {
				row.LastError, row.LastErrorAt = h.LastError, h.LastErrorAt
			}
		}
		if !row.LastErrorAt.IsZero() && row.LastSuccess.After(row.LastErrorAt) {
			row.LastError, row.LastErrorAt = "", time.Time{} // it worked again since
		}
		out = append(out, row)
	}
	return out
}
