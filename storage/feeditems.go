package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// seenChunk bounds the ids bound in one statement, well under SQLite's variable limit.
const seenChunk = 500

// UnseenFeedItems returns those of ids not yet recorded for the feed, in the order given.
func (db *DB) UnseenFeedItems(ctx context.Context, feedID int64, ids []string) ([]string, error) {
	known := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += seenChunk {
		chunk := ids[start:min(start+seenChunk, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, feedID)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := db.r.QueryContext(ctx, `SELECT item_id FROM feed_items WHERE feed_id = ? AND item_id IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("storage: seen items of feed %d: %w", feedID, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("storage: seen items of feed %d: %w", feedID, err)
			}
			known[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("storage: seen items of feed %d: %w", feedID, err)
		}
	}
	var fresh []string
	for _, id := range ids {
		if !known[id] {
			fresh = append(fresh, id)
		}
	}
	return fresh, nil
}

// MarkFeedItemsSeen records ids for the feed; recording one again changes nothing. Items of a
// feed removed meanwhile are dropped, not an error.
func (db *DB) MarkFeedItemsSeen(ctx context.Context, feedID int64, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	now := ms(db.now())
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		st, err := db.txStmt(ctx, tx, `INSERT INTO feed_items (feed_id, item_id, seen_at)
			SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM feeds WHERE id = ?)
			ON CONFLICT (feed_id, item_id) DO NOTHING`)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, feedID, id, now, feedID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: record seen items of feed %d: %w", feedID, err)
	}
	return nil
}

// PruneFeedItems forgets seen items recorded before a time, except each feed's keep most
// recent ones: an item still in a feed's document must stay known, or it would be posted
// again as new, and a feed's document rarely holds more than a few hundred entries.
func (db *DB) PruneFeedItems(ctx context.Context, before time.Time, keep int) (int64, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM feed_items WHERE (feed_id, item_id) IN (
			SELECT feed_id, item_id FROM (
				SELECT feed_id, item_id, seen_at,
					ROW_NUMBER() OVER (PARTITION BY feed_id ORDER BY seen_at DESC, item_id) AS rn
				FROM feed_items) AS ranked
			WHERE rn > ? AND seen_at < ?)`, keep, ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: prune seen feed items: %w", err)
	}
	return n, nil
}

// TrimFeedItems forgets a feed's seen items beyond its keep most recent, whatever their age.
// PruneFeedItems runs every few hours and spares young items; this runs after every poll
// that recorded items, so a hostile feed minting thousands of fresh ids per poll (one grew
// 600,000 rows in 80 s) stays at keep rows.
func (db *DB) TrimFeedItems(ctx context.Context, feedID int64, keep int) (int64, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.sql(trimFeedItems), feedID, feedID, keep)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: trim seen items of feed %d: %w", feedID, err)
	}
	return n, nil
}

// CountFeedItems is how many seen items a feed has recorded.
func (db *DB) CountFeedItems(ctx context.Context, feedID int64) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM feed_items WHERE feed_id = ?`, feedID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("storage: count seen items of feed %d: %w", feedID, err)
	}
	return n, nil
}

// trimFeedItems deletes a feed's items beyond the newest ones; SQLite spells "no limit" -1,
// PostgreSQL ALL.
var trimFeedItems = pair{
	sqlite: `DELETE FROM feed_items WHERE feed_id = ? AND item_id IN (
			SELECT item_id FROM feed_items WHERE feed_id = ?
			ORDER BY seen_at DESC, item_id LIMIT -1 OFFSET ?)`,
	postgres: `DELETE FROM feed_items WHERE feed_id = ? AND item_id IN (
			SELECT item_id FROM feed_items WHERE feed_id = ?
			ORDER BY seen_at DESC, item_id LIMIT ALL OFFSET ?)`,
}
