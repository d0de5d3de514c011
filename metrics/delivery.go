package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
)

// ownerDoor labels account-level events, which the publisher delivers under door "" (to the
// account's owner through their chat).
const ownerDoor = "owner"

// deliveryDoors is the fixed set of the door label of delivery failures.
func deliveryDoors() []string {
	return []string{string(ingest.DoorSlack), string(ingest.DoorTelegram), string(ingest.DoorWebhook),
		string(ingest.DoorFeed), string(ingest.DoorAPI), string(ingest.DoorCLI), ownerDoor, otherLabel}
}

// deliveryFailures counts failed attempts to deliver a result to its door, by door and way
// (error, panic, undecodable); every pair exists from the start at zero.
type deliveryFailures map[string]map[string]prometheus.Counter

func newDeliveryFailures() (deliveryFailures, prometheus.Collector) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "result_delivery_failures_total",
		Help: "Failed attempts to deliver a post's result to its door since start, by door and failure (error, panic, undecodable). Failed attempts are retried with backoff.",
	}, []string{"door", "failure"})
	out := deliveryFailures{}
	for _, door := range deliveryDoors() {
		out[door] = map[string]prometheus.Counter{}
		for _, f := range publisher.DeliveryFailures() {
			out[door][string(f)] = vec.WithLabelValues(door, string(f))
		}
		out[door][otherLabel] = vec.WithLabelValues(door, otherLabel)
	}
	return out, vec
}

// DeliveryFailed implements publisher.DeliveryObserver: one attempt to deliver a result failed.
func (m *Metrics) DeliveryFailed(door string, why publisher.DeliveryFailure) {
	if door == "" {
		door = ownerDoor
	}
	byWay, ok := m.deliveries[door]
	if !ok {
		byWay = m.deliveries[otherLabel]
	}
	pick(byWay, why).Inc()
}

var _ publisher.DeliveryObserver = (*Metrics)(nil)
