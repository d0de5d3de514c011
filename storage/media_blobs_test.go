package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestMediaBlobRoundTrip: the bytes, type, size and digest come back as saved (a PNG header
// and a zero byte, so nothing is read as text), an unknown id is ErrNotFound, an id is never
// saved twice, and a deleted blob is gone.
func TestMediaBlobRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	data := append([]byte("\x89PNG\r\n\x1a\n\x00"), bytes.Repeat([]byte{0xff, 0x00}, 4096)...)
	saved, err := db.SaveMediaBlob(ctx, "AAAAAAAAAAAAAAAAAAAAAA", "image/png", data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	got, err := db.MediaBlob(ctx, "AAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, data) || got.ContentType != "image/png" || got.Size != int64(len(data)) ||
		got.SHA256 != hex.EncodeToString(sum[:]) || !got.CreatedAt.Equal(saved.CreatedAt) {
		t.Fatalf("read back %q %d %s %v, want %q %d %x %v", got.ContentType, got.Size, got.SHA256, got.CreatedAt,
			"image/png", len(data), sum, saved.CreatedAt)
	}
	if _, err := db.MediaBlob(ctx, "BBBBBBBBBBBBBBBBBBBBBB"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown blob: %v, want ErrNotFound", err)
	}
	if _, err := db.SaveMediaBlob(ctx, "AAAAAAAAAAAAAAAAAAAAAA", "image/png", []byte("other")); err == nil {
		t.Fatal("a second blob under the same id was saved")
	}
	if err := db.DeleteMediaBlob(ctx, "AAAAAAAAAAAAAAAAAAAAAA"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MediaBlob(ctx, "AAAAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleted blob: %v, want ErrNotFound", err)
	}
	if err := db.DeleteMediaBlob(ctx, "AAAAAAAAAAAAAAAAAAAAAA"); err != nil {
		t.Fatalf("deleting a deleted blob: %v", err)
	}
}

// TestMediaBlobDamagedIsNotServed: bytes changed behind the digest's back read as an error,
// never as the file.
func TestMediaBlobDamagedIsNotServed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	if _, err := db.SaveMediaBlob(ctx, "CCCCCCCCCCCCCCCCCCCCCC", "image/jpeg", []byte("\xff\xd8\xff original")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE media_blobs SET data = ? WHERE id = ?`, []byte("\xff\xd8\xff tampered"), "CCCCCCCCCCCCCCCCCCCCCC"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MediaBlob(ctx, "CCCCCCCCCCCCCCCCCCCCCC"); err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("damaged blob read: %v, want a digest error", err)
	}
}

// TestDeleteOrphanMediaBlobs: a blob no telegram_media row accounts for is deleted once older
// than the cut-off; a young one (its download may still be finishing) and one with a row stay.
func TestDeleteOrphanMediaBlobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	for _, id := range []string{"orphanAAAAAAAAAAAAAAAA", "heldAAAAAAAAAAAAAAAAAA"} {
		if _, err := db.SaveMediaBlob(ctx, id, "image/jpeg", []byte("\xff\xd8\xff"+id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SaveHostedMedia(ctx, storage.HostedMedia{ID: "heldAAAAAAAAAAAAAAAAAA", DraftID: "d1",
		FileName: "heldAAAAAAAAAAAAAAAAAA", ContentType: "image/jpeg", Size: 25}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := db.SaveMediaBlob(ctx, "youngAAAAAAAAAAAAAAAAA", "image/jpeg", []byte("\xff\xd8\xffyoung")); err != nil {
		t.Fatal(err)
	}
	n, err := db.DeleteOrphanMediaBlobs(ctx, clock.Now().Add(-time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v; want 1", n, err)
	}
	if _, err := db.MediaBlob(ctx, "orphanAAAAAAAAAAAAAAAA"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("old orphan kept: %v", err)
	}
	for _, id := range []string{"heldAAAAAAAAAAAAAAAAAA", "youngAAAAAAAAAAAAAAAAA"} {
		if _, err := db.MediaBlob(ctx, id); err != nil {
			t.Fatalf("%s deleted: %v", id, err)
		}
	}
}
