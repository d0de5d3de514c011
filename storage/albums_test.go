package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestAnAlbumIsTakenOnceWhenQuiet: an album's items are held until none has come for the
// window, then taken whole, oldest message first, by one taker: the others, racing on their
// own handles as replicas do, get nothing. An item filed twice is one item.
func TestAnAlbumIsTakenOnceWhenQuiet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	const window = 1500 * time.Millisecond
	for _, id := range []int64{12, 10, 11, 11} { // out of order, 11 twice
		if err := db.AddAlbumItem(ctx, "g1", storage.AlbumItem{MessageID: id, Message: []byte(`{"message_id":1}`)}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(500 * time.Millisecond)
	}
	if err := db.AddAlbumItem(ctx, "g2", storage.AlbumItem{MessageID: 1, Message: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	items, wait, err := db.TakeAlbum(ctx, "g1", window)
	// The last new item came at 1 s (the second 11 is the same item): quiet at 2.5 s.
	if err != nil || len(items) != 0 || wait != 500*time.Millisecond {
		t.Fatalf("1 s after the last item: %d items, wait %v (%v); want none and 500 ms to wait", len(items), wait, err)
	}
	if quiet, err := db.QuietAlbums(ctx, window, 10); err != nil || len(quiet) != 0 {
		t.Fatalf("quiet albums before the window: %v (%v)", quiet, err)
	}
	clock.Advance(500 * time.Millisecond)
	if quiet, err := db.QuietAlbums(ctx, window, 10); err != nil || len(quiet) != 1 || quiet[0] != "g1" {
		t.Fatalf("quiet albums after the window: %v (%v), want g1 alone", quiet, err)
	}
	takers := []*storage.DB{db, storagetest.Reopen(t, db, clock.Now), storagetest.Reopen(t, db, clock.Now)}
	var (
		wg  sync.WaitGroup
		got = make([][]storage.AlbumItem, len(takers))
	)
	for i, taker := range takers {
		wg.Go(func() {
			items, _, err := taker.TakeAlbum(ctx, "g1", window)
			if err != nil {
				t.Error(err)
			}
			got[i] = items
		})
	}
	wg.Wait()
	var whole []storage.AlbumItem
	for _, items := range got {
		if len(items) > 0 && whole != nil {
			t.Fatalf("two takers took the album: %v", got)
		}
		if len(items) > 0 {
			whole = items
		}
	}
	if len(whole) != 3 || whole[0].MessageID != 10 || whole[1].MessageID != 11 || whole[2].MessageID != 12 ||
		string(whole[0].Message) != `{"message_id":1}` {
		t.Fatalf("taken %+v: want messages 10, 11, 12, each once", whole)
	}
	if items, wait, err := db.TakeAlbum(ctx, "g1", window); err != nil || len(items) != 0 || wait != 0 {
		t.Fatalf("taking it again: %d items, wait %v (%v); want nothing", len(items), wait, err)
	}
	if items, _, err := db.TakeAlbum(ctx, "g2", 0); err != nil || len(items) != 1 {
		t.Fatalf("the other album: %d items (%v), want its one, untouched", len(items), err)
	}
}
