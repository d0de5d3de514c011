package storage

// Keeping the Telegram door's hosted media in check: a redelivered message finds the draft it
// already made, a person's held media is summed for the per-person cap, and housekeeping lets
// go of media nobody will publish (open drafts past their age, posts that ended) in small
// batches, so one sweep never holds the single writer for long.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TelegramDraftByMessage reads the draft made from a person's message (the first message of
// an album); ErrNotFound if there is none. A message Telegram delivers twice finds its draft.
func (db *DB) TelegramDraftByMessage(ctx context.Context, chatID, messageID int64) (TelegramDraft, error) {
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT id FROM telegram_drafts WHERE chat_id = ? AND message_id = ?
		ORDER BY created_at LIMIT 1`, chatID, messageID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return TelegramDraft{}, fmt.Errorf("storage: draft of message %d in chat %d: %w", messageID, chatID, ErrNotFound)
	}
	if err != nil {
		return TelegramDraft{}, fmt.Errorf("storage: draft of message %d in chat %d: %w", messageID, chatID, err)
	}
	return db.TelegramDraft(ctx, id)
}

// MediaUsage is what one person holds in hosted media: files not yet released for deletion.
type MediaUsage struct {
	Files int
	Bytes int64
}

// TelegramMediaUsage sums the hosted media a Telegram user holds (files of their drafts that
// are not yet released), for the per-person cap.
func (db *DB) TelegramMediaUsage(ctx context.Context, userID int64) (MediaUsage, error) {
	var u MediaUsage
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(m.size), 0)
		FROM telegram_media m JOIN telegram_drafts d ON d.id = m.draft_id
		WHERE d.user_id = ? AND m.delete_after = 0`, userID).Scan(&u.Files, &u.Bytes)
	if err != nil {
		return MediaUsage{}, fmt.Errorf("storage: media usage of telegram user %d: %w", userID, err)
	}
	return u, nil
}

// ExpireTelegramDrafts closes up to limit drafts still open that were created before
// `before` (moved to discarded: nobody pressed a button in time) and releases their media for
// deletion at now, and forgets the questions for a typed time asked before `before`. It
// returns how many drafts it closed.
func (db *DB) ExpireTelegramDrafts(ctx context.Context, before, now time.Time, limit int) (int, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		const pick = `SELECT id FROM telegram_drafts WHERE state = 'open' AND created_at < ?
			ORDER BY created_at, id LIMIT ?`
		if _, err := tx.ExecContext(ctx, `UPDATE telegram_media SET delete_after = ?
			WHERE delete_after = 0 AND draft_id IN (`+pick+`)`, ms(now), ms(before), limit); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE telegram_drafts SET state = 'discarded', updated_at = ?
			WHERE id IN (`+pick+`)`, ms(now), ms(before), limit)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		// Questions for a typed time asked as long ago are moot too (TakeTelegramAsk).
		_, err = tx.ExecContext(ctx, `DELETE FROM telegram_time_asks WHERE asked_at < ?`, ms(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: expire telegram drafts: %w", err)
	}
	return int(n), nil
}

// ReleaseEndedPostMedia releases for deletion at t the held media of up to limit drafts whose
// post ended (posted, failed or cancelled), in case the result notice that normally does it
// never came (a cancel sends none). It returns how many files it released.
func (db *DB) ReleaseEndedPostMedia(ctx context.Context, t time.Time, limit int) (int, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE telegram_media SET delete_after = ?
			WHERE delete_after = 0 AND draft_id IN (
				SELECT d.id FROM telegram_drafts d JOIN posts p ON p.id = d.post_id
				WHERE d.post_id <> '' AND p.state IN ('posted', 'failed', 'cancelled')
				  AND d.id IN (SELECT draft_id FROM telegram_media WHERE delete_after = 0)
				LIMIT ?)`, ms(t), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: release ended posts' media: %w", err)
	}
	return int(n), nil
}
