package storage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

func TestPostIDShape(t *testing.T) {
	t.Parallel()
	const alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 1000 {
		id := storage.NewPostID(at)
		if len(id) != 7 || id[0] != 'p' || strings.Trim(id[1:], alphabet) != "" {
			t.Fatalf("id %q is not p and six characters of %s", id, alphabet)
		}
		if id[:4] != storage.NewPostID(at)[:4] {
			t.Fatalf("ids drawn at the same moment differ in their time part: %q", id)
		}
		seen[id] = true
	}
	// 1,000 draws from 29,791 suffixes: about 17 collide; far more means the suffix is not random.
	if len(seen) < 950 {
		t.Errorf("1,000 ids drawn in one tick gave only %d distinct", len(seen))
	}
	// Later ticks sort later, so a batch of inserts lands on neighbouring index pages.
	prev := storage.NewPostID(at)[:4]
	for ms := 10; ms <= 1000; ms += 10 {
		cur := storage.NewPostID(at.Add(time.Duration(ms) * time.Millisecond))[:4]
		if cur <= prev {
			t.Fatalf("the id prefix at +%d ms (%s) does not sort after the one before (%s)", ms, cur, prev)
		}
		prev = cur
	}
}
