package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// PruneFinished deletes up to limit finished posts (posted, failed, cancelled) last changed
// before before, oldest first, with the rows that hang off them, and returns how many it
// deleted. Housekeeping calls it in a loop of small batches, so the writer is never held for
// long; the post counts follow by trigger, and the latency histogram keeps what it measured.
func (db *DB) PruneFinished(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		ids, err := finishedBefore(ctx, tx, ms(before), limit)
		if err != nil || len(ids) == 0 {
			n = 0
			return err
		}
		list, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		for _, q := range db.pruneStatements() {
			if _, err := tx.ExecContext(ctx, q, string(list)); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("storage: delete finished posts: %w", err)
	}
	return n, nil
}

func finishedBefore(ctx context.Context, tx *sql.Tx, before int64, limit int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM posts
		WHERE state IN ('posted', 'failed', 'cancelled') AND updated_at < ? ORDER BY updated_at LIMIT ?`, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// pruneFinished deletes a batch of posts, given as a JSON array of ids, children first: the
// publishing state references posts, and foreign keys are on. A table added later that refers
// to posts belongs here too (TestPruneFinishedLeavesNoOrphans lists them from the schema).
var pruneFinished = []string{
	`DELETE FROM publish_parts WHERE post_id IN (SELECT value FROM json_each(?))`,
	`DELETE FROM publish_state WHERE post_id IN (SELECT value FROM json_each(?))`,
	`DELETE FROM chat_anchors WHERE post_id IN (SELECT value FROM json_each(?))`,
	`DELETE FROM signed_bodies WHERE post_id IN (SELECT value FROM json_each(?))`,
	`DELETE FROM slot_posts WHERE post_id IN (SELECT value FROM json_each(?))`,
	`DELETE FROM post_approvals WHERE post_id IN (SELECT value FROM json_each(?))`,
	`DELETE FROM posts WHERE id IN (SELECT value FROM json_each(?))`,
}

// pruneFinishedPG is pruneFinished for PostgreSQL, which reads the JSON array with
// jsonb_array_elements_text where SQLite has json_each.
var pruneFinishedPG = []string{
	`DELETE FROM publish_parts WHERE post_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
	`DELETE FROM publish_state WHERE post_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
	`DELETE FROM chat_anchors WHERE post_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
	`DELETE FROM signed_bodies WHERE post_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
	`DELETE FROM slot_posts WHERE post_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
	`DELETE FROM post_approvals WHERE post_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
	`DELETE FROM posts WHERE id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
}

func (db *DB) pruneStatements() []string {
	if db.pg {
		return pruneFinishedPG
	}
	return pruneFinished
}
