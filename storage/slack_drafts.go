package storage

// The Slack door's drafts: a `/threads preview …` answered with [Publish] [Schedule…]
// [Discard]. A draft is the preview's command as typed, so a press queues exactly what was
// previewed. Like a Telegram draft it leaves "open" exactly once: every press is a conditional
// UPDATE … WHERE state = 'open', so two presses racing each other (or one press Slack delivers
// twice) find one winner.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SlackDraft is one Slack draft. Team and User are the author's Slack ids: only they may press
// its buttons. ResponseURL is the last press's response_url, where the outcome of a Schedule…
// submitted from a modal (which carries none) replaces the preview.
type SlackDraft struct {
	ID          string
	Team        string
	Channel     string
	User        string
	Command     string // "preview [options] <text>", verbatim
	State       DraftState
	PostID      string // set once the draft was queued
	ResponseURL string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CreateSlackDraft stores d as a new open draft and returns it with its id and times.
func (db *DB) CreateSlackDraft(ctx context.Context, d SlackDraft) (SlackDraft, error) {
	now := db.now()
	d.ID, d.State, d.PostID = newDraftID(), DraftOpen, ""
	d.CreatedAt, d.UpdatedAt = fromMS(ms(now)), fromMS(ms(now))
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO slack_drafts (id, team, channel, user_id, command, state,
			post_id, response_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?)`,
			d.ID, d.Team, d.Channel, d.User, d.Command, string(d.State), d.ResponseURL, ms(now), ms(now))
		return err
	})
	if err != nil {
		return SlackDraft{}, fmt.Errorf("storage: create slack draft: %w", err)
	}
	return d, nil
}

// SlackDraft reads one draft; ErrNotFound if there is none (never made, or deleted by age).
func (db *DB) SlackDraft(ctx context.Context, id string) (SlackDraft, error) {
	var (
		d                SlackDraft
		state            string
		created, updated int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT id, team, channel, user_id, command, state, post_id,
		response_url, created_at, updated_at FROM slack_drafts WHERE id = ?`, id).Scan(
		&d.ID, &d.Team, &d.Channel, &d.User, &d.Command, &state, &d.PostID, &d.ResponseURL, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return SlackDraft{}, fmt.Errorf("storage: slack draft %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return SlackDraft{}, fmt.Errorf("storage: slack draft %s: %w", id, err)
	}
	d.State, d.CreatedAt, d.UpdatedAt = DraftState(state), fromMS(created), fromMS(updated)
	return d, nil
}

// MoveSlackDraft changes a draft's state from one to another, if it was created at or after
// bornAfter (zero: any age; an expired draft is not moved), and reports whether it did: false
// means the draft was not in state from, too old, or unknown, and the caller must then do
// nothing.
func (db *DB) MoveSlackDraft(ctx context.Context, id string, from, to DraftState, bornAfter time.Time) (bool, error) {
	var moved bool
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE slack_drafts SET state = ?, updated_at = ?
			WHERE id = ? AND state = ? AND created_at >= ?`, string(to), ms(db.now()), id, string(from), ms(bornAfter))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		moved = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("storage: move slack draft %s to %s: %w", id, to, err)
	}
	return moved, nil
}

// SetSlackDraftPost records the post a draft became.
func (db *DB) SetSlackDraftPost(ctx context.Context, id, postID string) error {
	return db.setSlackDraft(ctx, id, "post_id", postID)
}

// SetSlackDraftResponseURL records where the outcome of the draft's next step is shown.
func (db *DB) SetSlackDraftResponseURL(ctx context.Context, id, url string) error {
	return db.setSlackDraft(ctx, id, "response_url", url)
}

// setSlackDraft sets one text column; column is one of the two above, never input.
func (db *DB) setSlackDraft(ctx context.Context, id, column, value string) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE slack_drafts SET `+column+` = ?, updated_at = ? WHERE id = ?`,
			value, ms(db.now()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set slack draft %s %s: %w", id, column, err)
	}
	return nil
}

// DeleteSlackDrafts deletes up to limit drafts created before `before`, in any state, oldest
// first, and returns how many it deleted. Past their time to live nobody may press them, and
// what they became lives on as posts; small batches keep the single writer free.
func (db *DB) DeleteSlackDrafts(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM slack_drafts WHERE id IN (
			SELECT id FROM slack_drafts WHERE created_at < ? ORDER BY created_at, id LIMIT ?)`, ms(before), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: delete old slack drafts: %w", err)
	}
	return int(n), nil
}
