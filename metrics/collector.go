package metrics

import (
	"context"
	"log/slog"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spindle-threads/spindle/storage"
)

var (
	postsDesc = prometheus.NewDesc(namespace+"_posts",
		"Posts by door and state (queued, publishing, posted, failed, cancelled), read from the database: "+
			"sum by (door) is the posts accepted per door, state=\"queued\" the queue depth.",
		[]string{"door", "state"}, nil)
	latencyDesc = prometheus.NewDesc(namespace+"_publish_latency_seconds",
		"Time from when a post was due (accepted, or its scheduled time if later) to its publish, over posted posts in the database.",
		nil, nil)
	quotaDesc = prometheus.NewDesc(namespace+"_quota_used",
		"Quota uses over Meta's moving 24 hours by account and kind (posts, replies, deletes), from the local ledger.",
		[]string{"account_id", "account", "kind"}, nil)
	outboxDesc = prometheus.NewDesc(namespace+"_results",
		"Results in the outbox by door and delivery state (delivered, pending, given_up); delivered ones are pruned after a while.",
		[]string{"door", "state"}, nil)
	scrapeErrDesc = prometheus.NewDesc(namespace+"_store_scrape_errors",
		"1 when the last scrape could not read the database (the other store metrics are then missing).",
		nil, nil)
)

// withZeroStates adds a zero for every state a door that has posts has none in, so a
// dashboard's series do not vanish when a state drains.
func withZeroStates(counts []storage.PostCount) []storage.PostCount {
	have := map[[2]string]bool{}
	var doors []string
	for _, c := range counts {
		if !slices.Contains(doors, c.Door) {
			doors = append(doors, c.Door)
		}
		have[[2]string{c.Door, c.State}] = true
	}
	out := slices.Clone(counts)
	for _, d := range doors {
		for _, st := range storage.States() {
			if s := string(st); !have[[2]string{d, s}] {
				out = append(out, storage.PostCount{Door: d, State: s})
			}
		}
	}
	return out
}

// storeCollector reads the queue and the quota ledger at scrape time.
type storeCollector struct{ opts Options }

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- postsDesc
	ch <- latencyDesc
	ch <- quotaDesc
	ch <- outboxDesc
	ch <- scrapeErrDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.ScrapeTimeout)
	defer cancel()
	failed := 0.0
	counts, err := c.opts.Store.PostCounts(ctx)
	if err != nil {
		failed = 1
		c.opts.Logger.Warn("metrics: could not count the posts; check the database", slog.Any("error", err))
	} else {
		for _, pc := range withZeroStates(counts) {
			ch <- prometheus.MustNewConstMetric(postsDesc, prometheus.GaugeValue, float64(pc.N), pc.Door, pc.State)
		}
	}
	lat, err := c.opts.Store.PublishLatencies(ctx)
	if err != nil {
		failed = 1
		c.opts.Logger.Warn("metrics: could not measure publish latencies; check the database", slog.Any("error", err))
	} else {
		buckets := make(map[float64]uint64, len(lat.Bounds))
		for i, b := range lat.Bounds {
			buckets[b.Seconds()] = lat.Buckets[i]
		}
		ch <- prometheus.MustNewConstHistogram(latencyDesc, lat.Count, lat.Sum.Seconds(), buckets)
	}
	uses, err := c.opts.Store.QuotaUsageSince(ctx, c.opts.Now().Add(-c.opts.Window))
	if err != nil {
		failed = 1
		c.opts.Logger.Warn("metrics: could not read the quota ledger; check the database", slog.Any("error", err))
	} else {
		for _, u := range uses {
			ch <- prometheus.MustNewConstMetric(quotaDesc, prometheus.GaugeValue, float64(u.Used),
				strconv.FormatInt(u.AccountID, 10), u.Username, string(u.Kind))
		}
	}
	results, err := c.opts.Store.OutboxCounts(ctx)
	if err != nil {
		failed = 1
		c.opts.Logger.Warn("metrics: could not count the outbox; check the database", slog.Any("error", err))
	} else {
		for _, r := range results {
			ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(r.N), r.Door, r.State)
		}
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, failed)
}
