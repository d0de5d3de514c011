package storage

// Hosted media kept in the database (migration 0032). On PostgreSQL replicas share no data
// dir, so the bytes of a file one replica downloaded must be where every replica's relay can
// read them. A blob is keyed by its hosted media id and written before the telegram_media row
// that accounts for it; housekeeping deletes a blob with its row, and deletes blobs no row
// accounts for once they are old enough that no download can still be finishing.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// MediaBlob is the stored bytes of one hosted file.
type MediaBlob struct {
	ID          string
	ContentType string
	Size        int64
	SHA256      string // hex digest of Data
	Data        []byte
	CreatedAt   time.Time
}

// SaveMediaBlob stores the bytes of a hosted file under id, with its type, size and digest.
// Saving an id that exists is an error: ids are random and never reused.
func (db *DB) SaveMediaBlob(ctx context.Context, id, contentType string, data []byte) (MediaBlob, error) {
	sum := sha256.Sum256(data)
	b := MediaBlob{ID: id, ContentType: contentType, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Data: data, CreatedAt: db.now().UTC().Truncate(time.Millisecond)}
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO media_blobs (id, content_type, size, sha256, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, b.ID, b.ContentType, b.Size, b.SHA256, b.Data, ms(b.CreatedAt))
		return err
	})
	if err != nil {
		return MediaBlob{}, fmt.Errorf("storage: save media blob: %w", err)
	}
	return b, nil
}

// MediaBlob reads the bytes of a hosted file; ErrNotFound if there are none. Bytes that no
// longer match their digest are an error, so a damaged row is never served as the file.
func (db *DB) MediaBlob(ctx context.Context, id string) (MediaBlob, error) {
	var (
		b       MediaBlob
		created int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT id, content_type, size, sha256, data, created_at
		FROM media_blobs WHERE id = ?`, id).Scan(&b.ID, &b.ContentType, &b.Size, &b.SHA256, &b.Data, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return MediaBlob{}, fmt.Errorf("storage: media blob: %w", ErrNotFound)
	}
	if err != nil {
		return MediaBlob{}, fmt.Errorf("storage: media blob: %w", err)
	}
	b.CreatedAt = fromMS(created)
	if sum := sha256.Sum256(b.Data); hex.EncodeToString(sum[:]) != b.SHA256 || int64(len(b.Data)) != b.Size {
		return MediaBlob{}, fmt.Errorf("storage: media blob %s does not match its stored size and digest", id)
	}
	return b, nil
}

// DeleteMediaBlob deletes the bytes of a hosted file; deleting one that is gone is no error.
func (db *DB) DeleteMediaBlob(ctx context.Context, id string) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM media_blobs WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: delete media blob: %w", err)
	}
	return nil
}

// DeleteOrphanMediaBlobs deletes up to limit blobs created before `before` that no
// telegram_media row accounts for (a download whose draft was never saved: a crash, a
// refusal after the bytes were kept). It returns how many it deleted.
func (db *DB) DeleteOrphanMediaBlobs(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM media_blobs WHERE id IN (
			SELECT b.id FROM media_blobs b WHERE b.created_at < ?
			  AND NOT EXISTS (SELECT 1 FROM telegram_media m WHERE m.id = b.id)
			ORDER BY b.created_at LIMIT ?)`, ms(before), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: delete orphan media blobs: %w", err)
	}
	return int(n), nil
}
