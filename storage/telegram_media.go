package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HostedMedia is a file the Telegram door downloaded and serves at /media/<ID> for Meta to
// fetch. DeleteAfter zero means it is still needed.
type HostedMedia struct {
	ID          string
	DraftID     string
	FileName    string
	ContentType string
	Size        int64
	DeleteAfter time.Time
	CreatedAt   time.Time
}

// SaveHostedMedia records a file already written to the media directory.
func (db *DB) SaveHostedMedia(ctx context.Context, m HostedMedia) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO telegram_media (id, draft_id, file_name, content_type,
			size, delete_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.DraftID, m.FileName, m.ContentType, m.Size, msOrZero(m.DeleteAfter), ms(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: save hosted media: %w", err)
	}
	return nil
}

const hostedColumns = `id, draft_id, file_name, content_type, size, delete_after, created_at`

func scanHosted(s scanner) (HostedMedia, error) {
	var (
		m            HostedMedia
		del, created int64
	)
	if err := s.Scan(&m.ID, &m.DraftID, &m.FileName, &m.ContentType, &m.Size, &del, &created); err != nil {
		return HostedMedia{}, err
	}
	m.DeleteAfter, m.CreatedAt = fromMS(del), fromMS(created)
	return m, nil
}

// HostedMediaByID reads one hosted file; ErrNotFound if there is none.
func (db *DB) HostedMediaByID(ctx context.Context, id string) (HostedMedia, error) {
	m, err := scanHosted(db.r.QueryRowContext(ctx, `SELECT `+hostedColumns+` FROM telegram_media WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return HostedMedia{}, fmt.Errorf("storage: hosted media: %w", ErrNotFound)
	}
	if err != nil {
		return HostedMedia{}, fmt.Errorf("storage: hosted media: %w", err)
	}
	return m, nil
}

// ReleaseDraftMedia marks the files of a draft for deletion at t (a discarded draft), keeping
// any earlier mark.
func (db *DB) ReleaseDraftMedia(ctx context.Context, draftID string, t time.Time) error {
	return db.releaseMedia(ctx, `draft_id = ?`, draftID, t)
}

// ReleasePostMedia marks the files of the draft that became postID for deletion at t: the
// post was published or failed, so Meta needs them no more.
func (db *DB) ReleasePostMedia(ctx context.Context, postID string, t time.Time) error {
	if postID == "" {
		return nil
	}
	return db.releaseMedia(ctx, `draft_id IN (SELECT id FROM telegram_drafts WHERE post_id = ?)`, postID, t)
}

func (db *DB) releaseMedia(ctx context.Context, where, arg string, t time.Time) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE telegram_media SET delete_after = ?
			WHERE delete_after = 0 AND `+where, ms(t), arg)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: release hosted media: %w", err)
	}
	return nil
}

// DueHostedMedia lists up to limit files whose deletion time has come.
func (db *DB) DueHostedMedia(ctx context.Context, now time.Time, limit int) ([]HostedMedia, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+hostedColumns+` FROM telegram_media
		WHERE delete_after > 0 AND delete_after <= ? ORDER BY delete_after LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: due hosted media: %w", err)
	}
	defer rows.Close()
	var out []HostedMedia
	for rows.Next() {
		m, err := scanHosted(rows)
		if err != nil {
			return nil, fmt.Errorf("storage: due hosted media: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteHostedMedia forgets a hosted file (the caller removed it from disk first).
func (db *DB) DeleteHostedMedia(ctx context.Context, id string) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM telegram_media WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: delete hosted media: %w", err)
	}
	return nil
}
