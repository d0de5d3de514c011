package storage

// Aggregates read at scrape time by the metrics package (issue 10): counting rows on demand
// keeps one source of truth, the database, instead of counters that drift after a restart.

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PostCount is how many posts from one door are in one state.
type PostCount struct {
	Door, State string
	N           int
}

// PostCounts counts the posts by door and state (queued, publishing, posted, failed,
// cancelled); pairs with no posts are absent. It answers `SELECT door, state, count(*) FROM
// posts GROUP BY door, state` off the read pool.
func (db *DB) PostCounts(ctx context.Context) ([]PostCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT door, state, count(*) FROM posts GROUP BY door, state ORDER BY door, state`)
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

// Latencies is a cumulative histogram of how long posted posts took from due to published:
// Buckets[i] counts those that took at most bounds[i]; Sum is the total.
type Latencies struct {
	Count   uint64
	Sum     time.Duration
	Buckets []uint64
}

// PublishLatencies measures every posted post from the moment it was due (accepted, or its
// scheduled time when later) to its last part's publish, bucketed by bounds (ascending).
func (db *DB) PublishLatencies(ctx context.Context, bounds []time.Duration) (Latencies, error) {
	var q strings.Builder
	q.WriteString(`SELECT count(*), coalesce(sum(lat), 0)`)
	args := make([]any, 0, len(bounds))
	for _, b := range bounds {
		q.WriteString(`, coalesce(sum(lat <= ?), 0)`)
		args = append(args, b.Milliseconds())
	}
	q.WriteString(` FROM (SELECT max(0, max(pp.published_at) - max(p.created_at, p.scheduled_at)) AS lat
		FROM posts p JOIN publish_parts pp ON pp.post_id = p.id
		WHERE p.state = 'posted' AND pp.published_at > 0 GROUP BY p.id)`)
	l := Latencies{Buckets: make([]uint64, len(bounds))}
	var sum int64
	dest := []any{&l.Count, &sum}
	for i := range l.Buckets {
		dest = append(dest, &l.Buckets[i])
	}
	if err := db.r.QueryRowContext(ctx, q.String(), args...).Scan(dest...); err != nil {
		return Latencies{}, fmt.Errorf("storage: publish latencies: %w", err)
	}
	l.Sum = time.Duration(sum) * time.Millisecond
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
