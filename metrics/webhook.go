package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/spindle-threads/spindle/ingest/webhook"
)

// WebhookDeliveries counts every delivery to a known webhook source by source and outcome
// (accepted, refused for a 4xx, error for a 5xx), then passes it on to next (nil: nobody).
// Wire it as the webhook handler's Options.Deliveries around the DeliveryLog.
func (m *Metrics) WebhookDeliveries(next webhook.DeliveryRecorder) webhook.DeliveryRecorder {
	return &deliveries{next: next, n: m.webhooks}
}

type deliveries struct {
	next webhook.DeliveryRecorder
	n    *prometheus.CounterVec
}

func (d *deliveries) Record(del webhook.Delivery) {
	outcome := "accepted"
	switch {
	case del.Status >= 500:
		outcome = "error"
	case del.Status >= 400:
		outcome = "refused"
	}
	d.n.WithLabelValues(del.Source, outcome).Inc()
	if d.next != nil {
		d.next.Record(del)
	}
}
