package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// historyPosts is a year of a busy account's finished posts.
const historyPosts = 500_000

// seedHistory inserts n finished posts (one in twenty failed, the rest posted with one
// published part) spread over the year before now, in one statement.
func seedHistory(b *testing.B, db *storage.DB, accountID int64, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	start := now.Add(-365 * 24 * time.Hour).UnixMilli()
	step := (365 * 24 * time.Hour).Milliseconds() / int64(n)
	if _, err := db.Exec(ctx, `INSERT INTO posts (id, account_id, door, text, scheduled_at, state,
			next_attempt_at, media_id, permalink, created_at, updated_at)
		WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
		SELECT 'h' || i, ?, CASE i % 4 WHEN 0 THEN 'slack' WHEN 1 THEN 'telegram' WHEN 2 THEN 'webhook' ELSE 'feed' END,
			'history post ' || i, ? + i * ?, CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'posted' END,
			? + i * ?, CASE WHEN i % 20 = 0 THEN '' ELSE 'm' || i END, '', ? + i * ?, ? + i * ? + 4000
		FROM c`, n, accountID, start, step, start, step, start, step, start, step); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO publish_parts (post_id, part, media_id, published_at)
		SELECT id, 0, media_id, updated_at FROM posts WHERE state = 'posted' AND id LIKE 'h%'`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScrapeAfterAYear runs what a /metrics scrape and the status page read from the
// database, with 500,000 finished posts in history: "scrape" is the four aggregate reads of
// metrics' store collector, "page" the queue counts and recent posts of the status page, and
// "count-by-scan" the GROUP BY over posts that both ran before migration 0015, for comparison.
func BenchmarkScrapeAfterAYear(b *testing.B) {
	ctx := context.Background()
	now := time.Now()
	db := storagetest.Open(b, nil)
	a := storagetest.Account(b, db, "alice")
	seedHistory(b, db, a.ID, historyPosts, now)
	b.Run("scrape", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.PostCounts(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := db.PublishLatencies(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := db.QuotaUsageSince(ctx, now.Add(-24*time.Hour)); err != nil {
				b.Fatal(err)
			}
			if _, err := db.OutboxCounts(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.PostCounts(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := db.List(ctx, storage.ListFilter{Limit: 20}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("count-by-scan", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.CountedPosts(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPruneFinished deletes a year of history in the housekeeping's batches of 500, and
// reports how long one batch holds the writer.
func BenchmarkPruneFinished(b *testing.B) {
	ctx := context.Background()
	now := time.Now()
	batches := 0
	for b.Loop() {
		b.StopTimer()
		db := storagetest.Open(b, nil)
		a := storagetest.Account(b, db, "alice")
		seedHistory(b, db, a.ID, 50_000, now)
		b.StartTimer()
		for {
			n, err := db.PruneFinished(ctx, now, 500)
			if err != nil {
				b.Fatal(err)
			}
			batches++
			if n < 500 {
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(batches), "µs/batch")
}
