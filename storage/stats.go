package storage

// Aggregates read at scrape time by the metrics package: the database is the one source of
// truth (no in-process counters that drift after a restart), and the post counts and latency
// histogram are kept by triggers as posts change, so a scrape never scans the history.

import (
	"context"
	"fmt"
	"time"
)

// PostCount is how many posts from one door are in one state.
type PostCount struct {
	Door, State string
	N           int
}

// PostCounts counts the posts by door and state (queued, publishing, posted, failed,
// cancelled); pairs with no posts are absent. It reads post_counts, which triggers keep as
// posts are inserted, move and are deleted (migration 0015), so it costs the same whatever
// the history holds; its rows are per slot (migration 0024) and summed here.
func (db *DB) PostCounts(ctx context.Context) ([]PostCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT door, state, CAST(SUM(n) AS BIGINT) FROM post_counts
		GROUP BY door, state HAVING SUM(n) > 0 ORDER BY door, state`)
	if err != nil {
		return nil, fmt.Errorf("storage: count posts: %w", err)
	}
	defer rows.Close()
	var out []PostCount
	for rows.Next() {
		var c PostCount
		if err := rows.Scan(&c.Door, &c.State, &c.N); err != nil {
			return nil, fmt.Errorf("storage: count posts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: count posts: %w", err)
	}
	return out, nil
}

// LatencyBounds are the publish latency histogram's buckets: a text post takes seconds, media
// minutes, a post waiting on quota hours. Migration 0015 created one row per bound; a new
// bound needs a migration that adds its row.
var LatencyBounds = []time.Duration{
	time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute,
	15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour,
}

// Latencies is a cumulative histogram of how long posted posts took from due to published:
// Buckets[i] counts those that took at most Bounds[i]; Sum is the total.
type Latencies struct {
	Count   uint64
	Sum     time.Duration
	Bounds  []time.Duration
	Buckets []uint64
}

// PublishLatencies is the histogram of every post measured as it became posted, from the
// moment it was due (accepted, or its scheduled time when later) to its last part's publish.
// A trigger adds each post once (migration 0015) to its connection's slot (0035), and the
// slots are summed here: deleting old posts does not shrink it.
func (db *DB) PublishLatencies(ctx context.Context) (Latencies, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT le_ms, sum(n), sum(sum_ms) FROM publish_latency GROUP BY le_ms ORDER BY le_ms`)
	if err != nil {
		return Latencies{}, fmt.Errorf("storage: publish latencies: %w", err)
	}
	defer rows.Close()
	var l Latencies
	for rows.Next() {
		var le, n, sum int64
		if err := rows.Scan(&le, &n, &sum); err != nil {
			return Latencies{}, fmt.Errorf("storage: publish latencies: %w", err)
		}
		if le < 0 {
			l.Count, l.Sum = uint64(n), time.Duration(sum)*time.Millisecond
			continue
		}
		l.Bounds = append(l.Bounds, time.Duration(le)*time.Millisecond)
		l.Buckets = append(l.Buckets, uint64(n))
	}
	if err := rows.Err(); err != nil {
		return Latencies{}, fmt.Errorf("storage: publish latencies: %w", err)
	}
	return l, nil
}

// QuotaUsage is one account's use of one quota over a window.
type QuotaUsage struct {
	AccountID int64
	Username  string
	Kind      QuotaKind
	Used      int
}

// QuotaUsageSince counts every account's quota uses after since, one row per account and kind
// that has any: the same count QuotaWindow gives one at a time.
func (db *DB) QuotaUsageSince(ctx context.Context, since time.Time) ([]QuotaUsage, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT q.account_id, coalesce(a.username, ''), q.kind, count(*)
		FROM quota_events q LEFT JOIN accounts a ON a.id = q.account_id
		WHERE q.at > ? GROUP BY q.account_id, q.kind ORDER BY q.account_id, q.kind`, ms(since))
	if err != nil {
		return nil, fmt.Errorf("storage: quota usage: %w", err)
	}
	defer rows.Close()
	var out []QuotaUsage
	for rows.Next() {
		var (
			u    QuotaUsage
			kind string
		)
		if err := rows.Scan(&u.AccountID, &u.Username, &kind, &u.Used); err != nil {
			return nil, fmt.Errorf("storage: quota usage: %w", err)
		}
		u.Kind = QuotaKind(kind)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: quota usage: %w", err)
	}
	return out, nil
}

// OutboxCount is how many results for one door are in one delivery state: delivered, pending
// (still being retried) or given_up.
type OutboxCount struct {
	Door, State string
	N           int
}

// OutboxCounts counts the outbox's results by door and delivery state. Delivered rows are
// pruned after a while, so this is what the outbox holds, not a count since the beginning.
func (db *DB) OutboxCounts(ctx context.Context) ([]OutboxCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT door,
		CASE WHEN delivered_at > 0 THEN 'delivered' WHEN given_up <> 0 THEN 'given_up' ELSE 'pending' END AS st,
		count(*) FROM outbox GROUP BY door, st ORDER BY door, st`)
	if err != nil {
		return nil, fmt.Errorf("storage: count outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxCount
	for rows.Next() {
		var c OutboxCount
		if err := rows.Scan(&c.Door, &c.State, &c.N); err != nil {
			return nil, fmt.Errorf("storage: count outbox: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: count outbox: %w", err)
	}
	return out, nil
}
