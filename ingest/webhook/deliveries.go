package webhook

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// Delivery is the outcome of one delivery to a known source: when, the HTTP status answered,
// and for a refusal the public reason (never a secret).
type Delivery struct {
	Source string
	At     time.Time
	Status int
	Error  string
}

// DeliveryRecorder is told the outcome of every delivery to a known source. The handler calls
// it on the request path, so it must return at once.
type DeliveryRecorder interface {
	Record(d Delivery)
}

// DeliveryLog keeps the latest delivery of each source in memory and writes them out together
// every interval. The status page only needs the last one, and writing a row per delivery
// would double the writes of the door at full load; coalescing makes it one small write per
// busy source per interval, off the request path.
type DeliveryLog struct {
	flush    func(context.Context, []Delivery) error
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	pending map[string]Delivery
}

// NewDeliveryLog returns a log that hands batches to flush. interval ≤ 0 means one second;
// a nil logger discards.
func NewDeliveryLog(flush func(context.Context, []Delivery) error, interval time.Duration, log *slog.Logger) *DeliveryLog {
	if interval <= 0 {
		interval = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DeliveryLog{flush: flush, interval: interval, log: log, pending: make(map[string]Delivery)}
}

// Record remembers d if it is the newest of its source.
func (l *DeliveryLog) Record(d Delivery) {
	l.mu.Lock()
	if old, ok := l.pending[d.Source]; !ok || !d.At.Before(old.At) {
		l.pending[d.Source] = d
	}
	l.mu.Unlock()
}

// Flush writes what is pending. On failure the batch is put back (unless newer records
// arrived meanwhile) so the next flush tries again.
func (l *DeliveryLog) Flush(ctx context.Context) error {
	l.mu.Lock()
	batch := slices.Collect(maps.Values(l.pending))
	clear(l.pending)
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	slices.SortFunc(batch, func(a, b Delivery) int { return a.At.Compare(b.At) })
	if err := l.flush(ctx, batch); err != nil {
		for _, d := range batch {
			l.Record(d)
		}
		return err
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more with a short deadline of its own,
// so the last deliveries before a shutdown are kept.
func (l *DeliveryLog) Run(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := l.Flush(ctx); err != nil {
				l.log.WarnContext(ctx, "could not record webhook deliveries; will retry", slog.Any("error", err))
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := l.Flush(fctx); err != nil {
				l.log.WarnContext(fctx, "could not record the last webhook deliveries", slog.Any("error", err))
			}
			return
		}
	}
}
