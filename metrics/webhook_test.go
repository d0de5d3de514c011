package metrics_test

import (
	"testing"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/metrics"
)

type keep struct{ got []webhook.Delivery }

func (k *keep) Record(d webhook.Delivery) { k.got = append(k.got, d) }

func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Store: emptyStore{}})
	next := &keep{}
	rec := m.WebhookDeliveries(next)
	for _, d := range []webhook.Delivery{
		{Source: "github", Status: 202}, {Source: "github", Status: 200}, {Source: "github", Status: 401, Error: "bad signature"},
		{Source: "ci", Status: 503, Error: "database busy"},
	} {
		rec.Record(d)
	}
	if len(next.got) != 4 {
		t.Errorf("passed on %d deliveries, want 4", len(next.got))
	}
	fams := families(t, m)
	for _, c := range []struct {
		source, outcome string
		want            float64
	}{{"github", "accepted", 2}, {"github", "refused", 1}, {"ci", "error", 1}} {
		if got := value(t, fams, "spindle_webhook_requests_total", map[string]string{"source": c.source, "outcome": c.outcome}); got != c.want {
			t.Errorf("%s/%s = %v, want %v", c.source, c.outcome, got, c.want)
		}
	}
	metrics.New(metrics.Options{Store: emptyStore{}}).WebhookDeliveries(nil).Record(webhook.Delivery{Source: "x", Status: 200})
}
