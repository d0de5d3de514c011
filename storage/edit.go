package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PostEdit is a change to a queued post (or one pending approval). A nil field is left as it is.
type PostEdit struct {
	Text  *string
	Media *[]Media // a pointer to an empty list removes the media
	// ScheduledAt, when not zero, moves the post: it becomes due then.
	ScheduledAt time.Time
	// Rehold, when its ExpiresAt is set, sends the edited post (queued or pending) back for
	// approval: an approver approved the old text, not the new one.
	Rehold ApprovalHold
}

// EditQueued changes a post that is still waiting in the queue, in one guarded UPDATE: the
// post must be queued, hold no lease, and have nothing handed to Threads yet (no
// publish_parts row: a retried post may already own a container made from its old text, and
// resuming it would publish the old text under the new one's name). Whatever races the edit
// (Lease claiming the post, on this process or another replica) either commits first, and the
// edit changes nothing and says so, or commits after, and leases the edited row: never a mix,
// never twice. A post the edit does not apply to is a *StateError (State publishing for "it is
// already publishing"); an unknown id wraps ErrNotFound.
//
// A new time makes the post one given an exact time: if it was placed in a posting slot, its
// mark goes in the same transaction, so the slot it left is free for the next post and a
// schedule change (SetSlots), which moves placed posts only, never moves it back.
func (db *DB) EditQueued(ctx context.Context, id string, e PostEdit) (Post, error) {
	var text, media, at any
	if e.Text != nil {
		text = *e.Text
	}
	if e.Media != nil {
		media = ""
		if len(*e.Media) > 0 {
			b, err := json.Marshal(*e.Media)
			if err != nil {
				return Post{}, fmt.Errorf("storage: edit %s: %w", id, err)
			}
			media = string(b)
		}
	}
	if !e.ScheduledAt.IsZero() {
		at = ms(e.ScheduledAt)
	}
	id = strings.ToLower(id)
	var p Post
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		var err error
		hold := 0
		if !e.Rehold.ExpiresAt.IsZero() {
			hold = 1
		}
		p, err = scanPost(tx.QueryRowContext(ctx, editQueued, text, media, at, at, hold, ms(db.now()), id))
		if errors.Is(err, sql.ErrNoRows) {
			return whyNotEditable(ctx, tx, id)
		}
		if err != nil {
			return err
		}
		if at != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM slot_posts WHERE post_id = ?`, id); err != nil {
				return err
			}
		}
		if hold == 1 {
			return reholdTx(ctx, tx, p, e.Rehold, ms(db.now()))
		}
		return nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("storage: edit: %w", err)
	}
	return p, nil
}

// editQueued is EditQueued's one statement: NULL parameters keep the column.
const editQueued = `UPDATE posts SET
		text = COALESCE(CAST(? AS TEXT), text),
		media = COALESCE(CAST(? AS TEXT), media),
		scheduled_at = COALESCE(CAST(? AS BIGINT), scheduled_at),
		next_attempt_at = COALESCE(CAST(? AS BIGINT), next_attempt_at),
		state = CASE WHEN ? = 1 THEN 'pending_approval' ELSE state END,
		updated_at = ?
	WHERE id = ? AND state IN ('queued', 'pending_approval') AND lease_expires_at = 0
		AND NOT EXISTS (SELECT 1 FROM publish_parts pp WHERE pp.post_id = posts.id)
	RETURNING ` + postColumns

// reholdTx opens the approval request of an edited post p again: undecided (the old decision,
// made on the old text, is cleared), due to expire at h.ExpiresAt, one round more, with the
// editor as its author (the text waiting is theirs: an approver may not approve their own). h.Notice,
// when set, is written in the same transaction with the round in its key, so every edit tells
// the owner afresh instead of matching the first notice's key and being dropped as a repeat.
func reholdTx(ctx context.Context, tx *sql.Tx, p Post, h ApprovalHold, now int64) error {
	var rounds int
	err := tx.QueryRowContext(ctx, `INSERT INTO post_approvals (post_id, author, requested_at, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (post_id) DO UPDATE SET requested_at = excluded.requested_at, expires_at = excluded.expires_at,
		author = CASE WHEN excluded.author != '' THEN excluded.author ELSE post_approvals.author END,
		decision = '', decided_by = '', decided_by_name = '', decided_at = 0, reason = '', rounds = post_approvals.rounds + 1
		RETURNING rounds`, p.ID, h.Author, now, ms(h.ExpiresAt)).Scan(&rounds)
	if err != nil || h.Notice == nil {
		return err
	}
	ev := h.Notice(p)
	ev.Key = fmt.Sprintf("%s:round%d", ev.Key, rounds)
	return addOutbox(ctx, tx, now, []OutboxEvent{ev})
}

// whyNotEditable explains why editQueued changed no row.
func whyNotEditable(ctx context.Context, tx *sql.Tx, id string) error {
	var state State
	switch err := tx.QueryRowContext(ctx, `SELECT state FROM posts WHERE id = ?`, id).Scan(&state); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("post %s: %w", id, ErrNotFound)
	case err != nil:
		return err
	}
	if state == StateQueued {
		// Queued again after an attempt that reached Threads: it is on its way out.
		state = StatePublishing
	}
	return &StateError{ID: id, State: state, Op: "edited"}
}
