package metrics_test

import (
	"context"
	"errors"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// emptyStore has no posts and no quota use.
type emptyStore struct{}

func (emptyStore) PostCounts(context.Context) ([]storage.PostCount, error) { return nil, nil }
func (emptyStore) PublishLatencies(context.Context) (storage.Latencies, error) {
	return storage.Latencies{Bounds: storage.LatencyBounds, Buckets: make([]uint64, len(storage.LatencyBounds))}, nil
}
func (emptyStore) QuotaUsageSince(context.Context, time.Time) ([]storage.QuotaUsage, error) {
	return nil, nil
}

// brokenStore fails every read, like a database that went away.
type brokenStore struct{}

var errGone = errors.New("database is closed")

func (brokenStore) PostCounts(context.Context) ([]storage.PostCount, error) { return nil, errGone }
func (brokenStore) PublishLatencies(context.Context) (storage.Latencies, error) {
	return storage.Latencies{}, errGone
}
func (brokenStore) QuotaUsageSince(context.Context, time.Time) ([]storage.QuotaUsage, error) {
	return nil, errGone
}

func (emptyStore) OutboxCounts(context.Context) ([]storage.OutboxCount, error)  { return nil, nil }
func (brokenStore) OutboxCounts(context.Context) ([]storage.OutboxCount, error) { return nil, errGone }
