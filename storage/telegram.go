package storage

// The Telegram door's state: drafts (a message awaiting [Publish] [Schedule…] [Discard]) and
// the media files Spindle hosts for Meta to fetch. A draft leaves "open" exactly once: every
// button press is a conditional UPDATE … WHERE state = 'open', so two presses racing each other
// (or the same press delivered twice) find one winner.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DraftState is where a Telegram draft is.
type DraftState string

// Draft states.
const (
	DraftOpen      DraftState = "open"
	DraftPublished DraftState = "published"
	DraftScheduled DraftState = "scheduled"
	DraftDiscarded DraftState = "discarded"
)

// TelegramDraft is one draft. MessageID is the person's own message, which results reply to.
type TelegramDraft struct {
	ID        string
	ChatID    int64
	UserID    int64
	MessageID int64
	Text      string
	Media     []Media
	State     DraftState
	PostID    string // set once the draft was queued
	// Shape holds what Telegram expressed natively: a poll, spoiler entities, a media spoiler.
	Shape     Shape
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CreateTelegramDraft stores d as a new draft in state d.State (open when empty) and returns
// it with its id.
func (db *DB) CreateTelegramDraft(ctx context.Context, d TelegramDraft) (TelegramDraft, error) {
	if d.State == "" {
		d.State = DraftOpen
	}
	media := ""
	if len(d.Media) > 0 {
		b, err := json.Marshal(d.Media)
		if err != nil {
			return TelegramDraft{}, fmt.Errorf("storage: create draft: %w", err)
		}
		media = string(b)
	}
	shape, err := encodeShape(d.Shape)
	if err != nil {
		return TelegramDraft{}, fmt.Errorf("storage: create draft: %w", err)
	}
	now := db.now()
	d.ID = newDraftID()
	d.CreatedAt, d.UpdatedAt = fromMS(ms(now)), fromMS(ms(now))
	err = db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO telegram_drafts (id, chat_id, user_id, message_id,
			text, media, state, post_id, created_at, updated_at, shape) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.ChatID, d.UserID, d.MessageID, d.Text, media, string(d.State), d.PostID, ms(now), ms(now), shape)
		return err
	})
	if err != nil {
		return TelegramDraft{}, fmt.Errorf("storage: create draft: %w", err)
	}
	return d, nil
}

// newDraftID returns 16 hex characters: short enough for Telegram's 64-byte callback data,
// random enough that nobody presses a button for a draft that is not theirs by guessing.
func newDraftID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TelegramDraft reads one draft; ErrNotFound if there is none.
func (db *DB) TelegramDraft(ctx context.Context, id string) (TelegramDraft, error) {
	var (
		d                TelegramDraft
		media, state     string
		created, updated int64
		shape            string
	)
	err := db.r.QueryRowContext(ctx, `SELECT id, chat_id, user_id, message_id, text, media, state,
		post_id, created_at, updated_at, shape FROM telegram_drafts WHERE id = ?`, id).Scan(
		&d.ID, &d.ChatID, &d.UserID, &d.MessageID, &d.Text, &media, &state, &d.PostID, &created, &updated, &shape)
	if errors.Is(err, sql.ErrNoRows) {
		return TelegramDraft{}, fmt.Errorf("storage: draft %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return TelegramDraft{}, fmt.Errorf("storage: draft %s: %w", id, err)
	}
	if media != "" {
		if err := json.Unmarshal([]byte(media), &d.Media); err != nil {
			return TelegramDraft{}, fmt.Errorf("storage: draft %s: decode media: %w", id, err)
		}
	}
	if err := decodeShape("draft "+id, shape, &d.Shape); err != nil {
		return TelegramDraft{}, fmt.Errorf("storage: %w", err)
	}
	d.State, d.CreatedAt, d.UpdatedAt = DraftState(state), fromMS(created), fromMS(updated)
	return d, nil
}

// MoveTelegramDraft changes a draft's state from one to another and reports whether it did:
// false means the draft was not in state from (already published, discarded, or unknown), and
// the caller must then do nothing.
func (db *DB) MoveTelegramDraft(ctx context.Context, id string, from, to DraftState) (bool, error) {
	var moved bool
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE telegram_drafts SET state = ?, updated_at = ?
			WHERE id = ? AND state = ?`, string(to), ms(db.now()), id, string(from))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		moved = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("storage: move draft %s to %s: %w", id, to, err)
	}
	return moved, nil
}

// SetTelegramDraftPost records the post a draft became.
func (db *DB) SetTelegramDraftPost(ctx context.Context, id, postID string) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE telegram_drafts SET post_id = ?, updated_at = ? WHERE id = ?`,
			postID, ms(db.now()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set draft %s post: %w", id, err)
	}
	return nil
}
