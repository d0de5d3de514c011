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
// post was published or failed, so Meta needs them no more. A post that is live again (an
// operator retried it before this result notice arrived: delivery is at least once and may be
// late) keeps its files; its next result releases them.
func (db *DB) ReleasePostMedia(ctx context.Context, postID string, t time.Time) error {
	if postID == "" {
		return nil
	}
	return db.releaseMedia(ctx, `draft_id IN (SELECT d.id FROM telegram_drafts d WHERE d.post_id = ?
		AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = d.post_id AND p.state NOT IN ('posted', 'failed', 'cancelled')))`, postID, t)
}

// ErrMediaGone is returned (wrapped, naming the post) by RetryFailed when the post uses hosted
// media that was already deleted, or is due for deletion: Threads could not fetch it, so the
// post cannot be published again and must be sent again with its media.
var ErrMediaGone = errors.New("its media was already deleted; post it again")

// holdPostMediaTx holds again the hosted media of the drafts that became p (a failed post
// queued again), as it was held before p's result released it, or returns ErrMediaGone when a
// file p uses is deleted or its deletion time (the relay's cut-off) is not after now. A file
// past that time is never brought back, even when housekeeping has not deleted it yet: the
// sweep may be deleting it at this moment. Which of p's media URLs are hosted is read from
// the drafts themselves, so a URL of elsewhere (an edit may have put one) is not mistaken for
// a deleted file; the hosted id is the URL's last path segment (<public URL>/media/<id>).
func holdPostMediaTx(ctx context.Context, tx *sql.Tx, p Post, now time.Time) error {
	if len(p.Media) == 0 {
		return nil
	}
	hosted, err := draftMediaURLs(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	for _, m := range p.Media {
		if !hosted[m.URL] {
			continue
		}
		id := m.URL[strings.LastIndexByte(m.URL, '/')+1:]
		var del int64
		err := tx.QueryRowContext(ctx, `SELECT m.delete_after FROM telegram_media m
			JOIN telegram_drafts d ON d.id = m.draft_id WHERE m.id = ? AND d.post_id = ?`, id, p.ID).Scan(&del)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && del > 0 && del <= ms(now)) {
			return ErrMediaGone
		}
		if err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE telegram_media SET delete_after = 0
		WHERE delete_after > ? AND draft_id IN (SELECT id FROM telegram_drafts WHERE post_id = ?)`, ms(now), p.ID)
	return err
}

// draftMediaURLs is the set of media URLs of the drafts that became postID.
func draftMediaURLs(ctx context.Context, tx *sql.Tx, postID string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT media FROM telegram_drafts WHERE post_id = ? AND media <> ''`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	urls := map[string]bool{}
	for rows.Next() {
		var (
			raw   string
			media []Media
		)
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &media); err != nil {
			return nil, fmt.Errorf("decode the media of post %s's draft: %w", postID, err)
		}
		for _, m := range media {
			urls[m.URL] = true
		}
	}
	return urls, rows.Err()
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
