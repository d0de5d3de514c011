package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/publisher"
)

// otherLabel stands in for a value outside a metric's fixed set, so that a caller's mistake
// can neither leak text into a label nor grow the number of series.
const otherLabel = "other"

// live holds what is counted as it happens (since the process started), beside the database
// snapshots of collector.go: how posts end, how often they are retried, how feed polls go.
// Every label comes from a fixed set and every series exists from the start at zero, so a
// rate() over it is defined before the first event.
type live struct {
	published prometheus.Counter
	failed    map[string]prometheus.Counter
	retried   map[string]prometheus.Counter
	polls     map[string]prometheus.Counter
}

func newLive() (*live, []prometheus.Collector) {
	published := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "posts_published_total",
		Help: "Posts published to Threads (every part of them) since start.",
	})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "posts_failed_total",
		Help: "Posts that failed for good since start, by reason class (validation, permission, media, retries_exhausted, ...).",
	}, []string{"class"})
	retried := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "publish_retries_total",
		Help: "Publishing steps that failed and put their post back in the queue with backoff since start, by class (transient, rate_limited, ...).",
	}, []string{"class"})
	polls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "feed_polls_total",
		Help: "Feed polls since start, by result (new_items, unchanged, not_modified, gone, error).",
	}, []string{"result"})
	l := &live{published: published,
		failed:  children(failed, publisher.FailureClasses()),
		retried: children(retried, publisher.FailureClasses()),
		polls:   children(polls, rss.PollOutcomes()),
	}
	return l, []prometheus.Collector{published, failed, retried, polls}
}

// children creates vec's series for each value of its one label, and for otherLabel.
func children[T ~string](vec *prometheus.CounterVec, values []T) map[string]prometheus.Counter {
	out := make(map[string]prometheus.Counter, len(values)+1)
	for _, v := range values {
		out[string(v)] = vec.WithLabelValues(string(v))
	}
	out[otherLabel] = vec.WithLabelValues(otherLabel)
	return out
}

// pick is the series of value, or the otherLabel series for a value outside the set.
func pick[T ~string](series map[string]prometheus.Counter, value T) prometheus.Counter {
	if c, ok := series[string(value)]; ok {
		return c
	}
	return series[otherLabel]
}

// Published implements publisher.Observer: one post is on Threads.
func (m *Metrics) Published() { m.live.published.Inc() }

// Failed implements publisher.Observer: one post failed for good.
func (m *Metrics) Failed(class publisher.FailureClass) { pick(m.live.failed, class).Inc() }

// Retried implements publisher.Observer: one post was put back for a retry.
func (m *Metrics) Retried(class publisher.FailureClass) { pick(m.live.retried, class).Inc() }

// Polled implements rss.Observer: one feed poll ended.
func (m *Metrics) Polled(outcome rss.PollOutcome) { pick(m.live.polls, outcome).Inc() }

// The observers Metrics serves, checked at compile time.
var (
	_ publisher.Observer = (*Metrics)(nil)
	_ rss.Observer       = (*Metrics)(nil)
)
