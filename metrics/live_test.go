package metrics_test

import (
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/metrics"
	"github.com/spindle-threads/spindle/publisher"
)

// labelSet is every value label takes in family name.
func labelSet(fams map[string]*dto.MetricFamily, name, label string) []string {
	var out []string
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				out = append(out, l.GetValue())
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestLiveLabelsAreFixed: the live counters start at zero for every value of their fixed set,
// and a value outside it (a caller's mistake: an error's text, a post id) is counted as
// "other" instead of becoming a label.
func TestLiveLabelsAreFixed(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Store: emptyStore{}})
	var classes, outcomes []string
	for _, c := range publisher.FailureClasses() {
		classes = append(classes, string(c))
	}
	for _, o := range rss.PollOutcomes() {
		outcomes = append(outcomes, string(o))
	}
	classes = append(classes, "other")
	outcomes = append(outcomes, "other")
	slices.Sort(classes)
	slices.Sort(outcomes)

	fams := families(t, m)
	for _, c := range []struct{ name, label string }{
		{"spindle_posts_failed_total", "class"}, {"spindle_publish_retries_total", "class"},
	} {
		if got := labelSet(fams, c.name, c.label); !slices.Equal(got, classes) {
			t.Errorf("%s classes = %v, want %v", c.name, got, classes)
		}
	}
	if got := labelSet(fams, "spindle_feed_polls_total", "result"); !slices.Equal(got, outcomes) {
		t.Errorf("feed poll results = %v, want %v", got, outcomes)
	}
	if got := value(t, fams, "spindle_posts_published_total", nil); got != 0 {
		t.Errorf("published at start = %v", got)
	}

	leak := "post p7k2m9x failed: token EAAB secret"
	m.Failed(publisher.FailureClass(leak))
	m.Failed(publisher.FailValidation)
	m.Retried(publisher.FailureClass(leak))
	m.Polled(rss.PollOutcome(leak))
	m.Polled(rss.PollNotModified)
	m.Published()

	fams = families(t, m)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"spindle_posts_failed_total", map[string]string{"class": "other"}, 1},
		{"spindle_posts_failed_total", map[string]string{"class": "validation"}, 1},
		{"spindle_posts_failed_total", map[string]string{"class": "transient"}, 0},
		{"spindle_publish_retries_total", map[string]string{"class": "other"}, 1},
		{"spindle_feed_polls_total", map[string]string{"result": "other"}, 1},
		{"spindle_feed_polls_total", map[string]string{"result": "not_modified"}, 1},
		{"spindle_posts_published_total", nil, 1},
	} {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := labelSet(fams, "spindle_posts_failed_total", "class"); !slices.Equal(got, classes) {
		t.Errorf("after odd values, classes = %v, want %v", got, classes)
	}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if strings.Contains(l.GetValue(), "p7k2m9x") || strings.Contains(l.GetValue(), "EAAB") {
					t.Errorf("%s has label %s=%q", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestOutcomeOf: each way a poll can end has its outcome.
func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		res  rss.PollResult
		err  error
		want rss.PollOutcome
	}{
		{"new items", rss.PollResult{Items: 3, NewItems: 1}, nil, rss.PollNewItems},
		{"nothing new", rss.PollResult{Items: 3}, nil, rss.PollUnchanged},
		{"304", rss.PollResult{NotModified: true}, nil, rss.PollNotModified},
		{"410", rss.PollResult{Gone: true}, rss.ErrGone, rss.PollGone},
		{"not a feed", rss.PollResult{}, rss.ErrNotAFeed, rss.PollError},
		{"enqueue failed after new items", rss.PollResult{NewItems: 2}, errGone, rss.PollError},
	} {
		if got := rss.OutcomeOf(c.res, c.err); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestDeliveryFailuresAreCounted: a failed result delivery is counted by door and way; an
// unknown door or way is "other", and the owner's events (door "") are "owner".
func TestDeliveryFailuresAreCounted(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Store: emptyStore{}})
	const name = "spindle_result_delivery_failures_total"
	if got := value(t, families(t, m), name, map[string]string{"door": "telegram", "failure": "panic"}); got != 0 {
		t.Fatalf("at start %v", got)
	}
	m.DeliveryFailed("telegram", publisher.DeliveryPanicked)
	m.DeliveryFailed("telegram", publisher.DeliveryPanicked)
	m.DeliveryFailed("", publisher.DeliveryError)
	m.DeliveryFailed("https://ci.example.com/secret-path", publisher.DeliveryFailure("token EAAB"))
	fams := families(t, m)
	for _, c := range []struct {
		door, failure string
		want          float64
	}{{"telegram", "panic", 2}, {"owner", "error", 1}, {"other", "other", 1}, {"slack", "error", 0}} {
		if got := value(t, fams, name, map[string]string{"door": c.door, "failure": c.failure}); got != c.want {
			t.Errorf("%s/%s = %v, want %v", c.door, c.failure, got, c.want)
		}
	}
}
