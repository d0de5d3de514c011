package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestATypedTimeQuestionIsTakenOnce: a chat waits for a typed time for the draft asked about
// last; the question is taken once, and one older than since is moot.
func TestATypedTimeQuestionIsTakenOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	day := now.Add(-24 * time.Hour)
	for _, ask := range []struct {
		chat  int64
		draft string
		at    time.Time
	}{{1, "d1", now}, {1, "d2", now}, {2, "d3", now}, {3, "stale", day.Add(-time.Minute)}} {
		if err := db.AskTelegramTime(ctx, ask.chat, ask.draft, ask.at); err != nil {
			t.Fatal(err)
		}
	}
	for _, take := range []struct {
		chat int64
		want string
	}{{1, "d2"}, {1, ""}, {2, "d3"}, {3, ""}, {3, ""}, {4, ""}} {
		if got, err := db.TakeTelegramAsk(ctx, take.chat, day); err != nil || got != take.want {
			t.Errorf("take chat %d: %q (%v), want %q", take.chat, got, err, take.want)
		}
	}
	// Housekeeping forgets questions as old as the drafts it closes.
	for chat, at := range map[int64]time.Time{5: day.Add(-time.Minute), 6: now} {
		if err := db.AskTelegramTime(ctx, chat, "d", at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExpireTelegramDrafts(ctx, day, now, 10); err != nil {
		t.Fatal(err)
	}
	for chat, want := range map[int64]string{5: "", 6: "d"} {
		if got, err := db.TakeTelegramAsk(ctx, chat, time.Time{}); err != nil || got != want {
			t.Errorf("chat %d after housekeeping: %q (%v), want %q", chat, got, err, want)
		}
	}
}
