package main

import (
	"context"
	"log/slog"

	"github.com/spindle-threads/spindle/publisher/status"
)

// wireStatus serves the operator's status page at GET / and its actions under /status/. The
// page is on when SPINDLE_ADMIN_PASSWORD is set (HTTP basic auth), and open without one in
// sandbox mode only; otherwise its routes answer 404.
func (a *app) wireStatus(context.Context) error {
	h := status.New(status.Options{
		Store:    a.db,
		Password: a.cfg.AdminPassword,
		Open:     a.cfg.Sandbox,
		Location: a.cfg.Timezone,
		Logger:   a.log.With(slog.String("component", "status")),
		Wake: func() {
			if a.wake != nil {
				a.wake()
			}
		},
	})
	a.router.Path("/").Handler(h)
	a.router.PathPrefix("/status/").Handler(h)
	if a.cfg.AdminEnabled() || a.cfg.Sandbox {
		a.log.Info("status page on", slog.String("url", a.cfg.PublicURL+"/"))
	}
	return nil
}
