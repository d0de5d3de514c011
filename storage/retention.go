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
//
// A post whose deletion from Threads is claimed (deletion.go) is spared until the claim ends:
// the deleter records each part it deleted in the rows a prune would take, and a claim does
// not touch posts.updated_at, so an old post may well be deleted as it ages out. The claim is
// judged by the clock claims are taken by (leaseClock). On PostgreSQL a claim taken after this
// transaction read publish_state makes it fail and roll back, deleting nothing: a claim that
// updated the post's publish_state row is a serialization conflict (the prune runs again at
// once and sees the claim), one that added the post's first row breaks the foreign key of the
// post's delete (the next housekeeping run sees the claim). A claim after the prune finds no
// post.
func (db *DB) PruneFinished(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		now, err := db.leaseClock(ctx, tx)
		if err != nil {
			return err
		}
		ids, err := finishedBefore(ctx, tx, ms(before), ms(now), limit)
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

// finishedBefore picks the posts PruneFinished deletes: finished, last changed before before,
// and not under a deletion claim that holds at now.
func finishedBefore(ctx context.Context, tx *sql.Tx, before, now int64, limit int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT p.id FROM posts p
		WHERE p.state IN ('posted', 'failed', 'cancelled') AND p.updated_at < ?
		  AND NOT EXISTS (SELECT 1 FROM publish_state s WHERE s.post_id = p.id AND s.delete_claim_until > ?)
		ORDER BY p.updated_at LIMIT ?`, before, now, limit)
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
