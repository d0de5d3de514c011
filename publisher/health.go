package publisher

import (
	"sync"
	"time"
)

// DoorHealth is what is known of a door's recent traffic, for /readyz: when it last worked
// and when and how it last failed. LastError is plain words without secrets or URLs (it is
// served unauthenticated); zero times mean never since start.
type DoorHealth struct {
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// HealthBook keeps a DoorHealth up to date. A door embeds one, records each call to its
// service, and so has the Health method readiness looks for. Safe for concurrent use; its
// zero value is ready to use.
type HealthBook struct {
	mu sync.Mutex
	h  DoorHealth
}

// Succeeded records a success at at.
func (b *HealthBook) Succeeded(at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.h.LastSuccess = at
}

// Failed records a failure at at, described by why (no secrets, no URLs).
func (b *HealthBook) Failed(at time.Time, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.h.LastError, b.h.LastErrorAt = why, at
}

// Health returns what was recorded.
func (b *HealthBook) Health() DoorHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.h
}

// deliveryHealth is the health of result deliveries, by door.
type deliveryHealth struct {
	mu    sync.Mutex
	books map[string]*HealthBook
}

func (d *deliveryHealth) book(door string) *HealthBook {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.books == nil {
		d.books = map[string]*HealthBook{}
	}
	b := d.books[door]
	if b == nil {
		b = &HealthBook{}
		d.books[door] = b
	}
	return b
}

// DeliveryHealth reports, by door, when a result was last delivered and when a delivery last
// failed, since start. The error is the failure's kind (error, panic, undecodable), never the
// door's error text, which may hold a URL with a token: the outbox row keeps the text.
// Account-level events are under door "".
func (p *Publisher) DeliveryHealth() map[string]DoorHealth {
	p.health.mu.Lock()
	defer p.health.mu.Unlock()
	out := make(map[string]DoorHealth, len(p.health.books))
	for door, b := range p.health.books {
		out[door] = b.Health()
	}
	return out
}

func (noObserver) DeliveryFailed(string, DeliveryFailure) {}

// DeliveryObserver hears of every failed attempt to deliver a result to its door, as it
// happens (the metrics count them). It is called from the delivery lanes, concurrently; it
// must not block.
type DeliveryObserver interface {
	DeliveryFailed(door string, why DeliveryFailure)
}

// DeliveryFailure is how a delivery attempt failed, from a small fixed set (DeliveryFailures):
// it labels metrics.
type DeliveryFailure string

// The ways a delivery fails.
const (
	DeliveryError       DeliveryFailure = "error"       // the Notifier returned an error; retried with backoff
	DeliveryPanicked    DeliveryFailure = "panic"       // the Notifier panicked (a bug); recorded and retried with backoff
	DeliveryUndecodable DeliveryFailure = "undecodable" // the stored event could not be read; given up
)

// DeliveryFailures lists every DeliveryFailure, so that a metric can start each at zero.
func DeliveryFailures() []DeliveryFailure {
	return []DeliveryFailure{DeliveryError, DeliveryPanicked, DeliveryUndecodable}
}
