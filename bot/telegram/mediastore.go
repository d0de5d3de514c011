package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// MediaStore keeps the bytes of hosted media, which the relay serves at /media/<id>: files in
// the data dir (DirMedia, SQLite mode: one process owns the data dir) or rows in the database
// (DBMedia, PostgreSQL mode: any replica serves what another received). The telegram_media
// row (its type, draft and deletion time) is the door's either way; the store holds only the
// bytes, under the row's FileName.
type MediaStore interface {
	// Keep takes the downloaded and checked file at tmp, of type contentType, and keeps it as
	// h.FileName. tmp may be moved; the caller removes it afterwards if it still exists.
	Keep(ctx context.Context, h storage.HostedMedia, tmp string) error
	// Open returns the bytes of h for serving; an error when they are gone.
	Open(ctx context.Context, h storage.HostedMedia) (io.ReadSeekCloser, error)
	// Remove deletes the bytes of h; bytes already gone are no error.
	Remove(ctx context.Context, h storage.HostedMedia) error
	// SweepOrphans deletes up to limit kept files created before `before` that no
	// telegram_media row accounts for, and reports how many it deleted.
	SweepOrphans(ctx context.Context, before time.Time, limit int) (int, error)
}

// DirMedia keeps hosted media as files in Dir (<data dir>/media), as SQLite mode always has.
type DirMedia struct {
	Dir string
	// Known reports whether a file name belongs to a telegram_media row (false only when it
	// is sure there is none); SweepOrphans keeps every file it cannot rule out.
	Known func(ctx context.Context, name string) bool
}

// Keep moves tmp into the directory.
func (m DirMedia) Keep(_ context.Context, h storage.HostedMedia, tmp string) error {
	if err := os.Rename(tmp, filepath.Join(m.Dir, h.FileName)); err != nil {
		return fmt.Errorf("store the file: %w", err)
	}
	return nil
}

// Open opens the file.
func (m DirMedia) Open(_ context.Context, h storage.HostedMedia) (io.ReadSeekCloser, error) {
	return os.Open(filepath.Join(m.Dir, h.FileName))
}

// Remove deletes the file.
func (m DirMedia) Remove(_ context.Context, h storage.HostedMedia) error {
	if err := os.Remove(filepath.Join(m.Dir, h.FileName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// SweepOrphans deletes old files of the directory no row accounts for, and ".part-" files a
// crash left half-written.
func (m DirMedia) SweepOrphans(ctx context.Context, before time.Time, limit int) (int, error) {
	entries, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("telegram: read the media directory: %w", err)
	}
	n, checked := 0, 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(before) {
			continue
		}
		if checked++; checked > limit {
			break
		}
		if !strings.HasPrefix(e.Name(), ".part-") && (m.Known == nil || m.Known(ctx, e.Name())) {
			continue
		}
		if err := os.Remove(filepath.Join(m.Dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}

// Blobs keeps hosted media bytes in the database (storage.DB).
type Blobs interface {
	SaveMediaBlob(ctx context.Context, id, contentType string, data []byte) (storage.MediaBlob, error)
	MediaBlob(ctx context.Context, id string) (storage.MediaBlob, error)
	DeleteMediaBlob(ctx context.Context, id string) error
	DeleteOrphanMediaBlobs(ctx context.Context, before time.Time, limit int) (int, error)
}

// DBMedia keeps hosted media in the database's media_blobs table (PostgreSQL mode), so every
// replica's relay serves what any replica downloaded. A file is at most MaxFileSize (20 MB),
// read into memory once to store and once per fetch; Meta fetches each a few times.
type DBMedia struct{ Blobs Blobs }

// Keep reads tmp and stores its bytes.
func (m DBMedia) Keep(ctx context.Context, h storage.HostedMedia, tmp string) error {
	data, err := os.ReadFile(tmp)
	if err != nil {
		return fmt.Errorf("read the downloaded file: %w", err)
	}
	if _, err := m.Blobs.SaveMediaBlob(ctx, h.FileName, h.ContentType, data); err != nil {
		return fmt.Errorf("store the file: %w", err)
	}
	return nil
}

// Open reads the bytes from the database.
func (m DBMedia) Open(ctx context.Context, h storage.HostedMedia) (io.ReadSeekCloser, error) {
	b, err := m.Blobs.MediaBlob(ctx, h.FileName)
	if err != nil {
		return nil, err
	}
	return nopCloser{bytes.NewReader(b.Data)}, nil
}

// Remove deletes the row of bytes.
func (m DBMedia) Remove(ctx context.Context, h storage.HostedMedia) error {
	return m.Blobs.DeleteMediaBlob(ctx, h.FileName)
}

// SweepOrphans deletes old blobs no telegram_media row accounts for.
func (m DBMedia) SweepOrphans(ctx context.Context, before time.Time, limit int) (int, error) {
	return m.Blobs.DeleteOrphanMediaBlobs(ctx, before, limit)
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
