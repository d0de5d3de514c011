// Package metrics exposes Spindle's Prometheus metrics at /metrics (issue 10).
//
// Everything lives in one private prometheus.Registry, never the global default one, so two
// Spindles in one test process do not collide and nothing registers behind our back. What the
// database already knows (queue depth, quota use) is read from it at scrape time rather than
// counted in memory, so the numbers survive a restart and can never drift from the truth;
// what only passes through the process (Threads API calls, webhook requests, feed polls, how
// and why posts end) is counted as it happens: Metrics is the publisher's Observer and the
// feed manager's.
package metrics

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spindle-threads/spindle/storage"
)

// namespace prefixes every metric name.
const namespace = "spindle"

// Store is what the scrape-time collectors read; *storage.DB implements it.
type Store interface {
	PostCounts(ctx context.Context) ([]storage.PostCount, error)
	PublishLatencies(ctx context.Context) (storage.Latencies, error)
	QuotaUsageSince(ctx context.Context, since time.Time) ([]storage.QuotaUsage, error)
	OutboxCounts(ctx context.Context) ([]storage.OutboxCount, error)
}

// Options configure Metrics. Zero fields mean the defaults in brackets.
type Options struct {
	Store  Store            // required: the queue and the quota ledger
	Now    func() time.Time // [time.Now]
	Logger *slog.Logger     // scrape errors [discarded]
	// ScrapeTimeout bounds the database reads of one scrape [5 s].
	ScrapeTimeout time.Duration
	// Window is the quota window counted, Meta's moving 24 hours [24 h].
	Window time.Duration
	// Version is the binary's version, shown by spindle_build_info ["dev"].
	Version string
}

// Metrics holds Spindle's registry and the instruments hooked into the rest of it.
type Metrics struct {
	reg      *prometheus.Registry
	log      *slog.Logger
	apiCalls *prometheus.CounterVec
	apiTime  *prometheus.HistogramVec
	webhooks *prometheus.CounterVec
	live     *live
	// deliveries counts failed result deliveries (Metrics is the publisher's DeliveryObserver).
	deliveries deliveryFailures
}

// New builds the registry: the Go runtime and process collectors, the store's collectors, the
// Threads API instruments the Transport feeds, and the counters the observers feed.
func New(o Options) *Metrics {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.ScrapeTimeout = cmp.Or(o.ScrapeTimeout, 5*time.Second)
	o.Window = cmp.Or(o.Window, 24*time.Hour)
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: o.Logger,
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "threads_api_requests_total",
			Help: "Requests made to the Threads API, by endpoint and outcome (ok, 4xx, 5xx, network_error).",
		}, []string{"endpoint", "outcome"}),
		apiTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "threads_api_request_duration_seconds",
			Help:    "Time to an answer from the Threads API, by endpoint.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "webhook_requests_total",
			Help: "Deliveries to known webhook sources since start, by source and outcome (accepted, refused, error).",
		}, []string{"source", "outcome"}),
	}
	// spindle_build_info is 1, labelled with what runs: a dashboard joins on it to tell which
	// release a replica runs, and an alert can catch replicas left on different versions.
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help: "Always 1; the labels name the running Spindle version and the Go release it was built with.",
	}, []string{"version", "goversion"})
	build.WithLabelValues(cmp.Or(o.Version, "dev"), runtime.Version()).Set(1)
	m.reg.MustRegister(build)
	l, counters := newLive()
	m.live = l
	m.reg.MustRegister(counters...)
	deliveries, vec := newDeliveryFailures()
	m.deliveries = deliveries
	m.reg.MustRegister(vec)
	m.reg.MustRegister(m.webhooks,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.apiCalls, m.apiTime,
		&storeCollector{opts: o},
	)
	return m
}

// Registry is the private registry, for tests and for further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format. A collector that fails is
// reported in the answer and the log, and the rest is still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}
