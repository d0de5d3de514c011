package main

import (
	"log/slog"
	"net/http"

	"github.com/spindle-threads/spindle/metrics"
)

// buildMetrics creates the Prometheus metrics (issue 10) on a private registry and mounts
// GET /metrics. The queue, publish latency, quota use and results come from the database at
// scrape time; Threads API calls are counted by the metrics' Transport under the Threads
// client, webhook deliveries by the webhook door, published, failed and retried posts by the
// publisher (its Observer) and feed polls by the feed manager (its Observer). build calls it
// first, before the Threads client and the services that count into it.
func (a *app) buildMetrics() {
	a.metrics = metrics.New(metrics.Options{Store: a.db, Now: a.db.Now, Version: version, Logger: a.log.With(slog.String("component", "metrics"))})
	// Only loopback and SPINDLE_METRICS_ALLOWED_NETWORKS may read it: it names accounts,
	// sources and feeds.
	h := metrics.OnlyFrom(a.cfg.MetricsAllowedNetworks, a.metrics.Handler())
	a.router.Handle("/metrics", h).Methods(http.MethodGet, http.MethodHead)
}
