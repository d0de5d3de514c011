// Package storagetest opens real databases for tests, with the production settings: SQLite in
// a temporary directory removed when the test ends, or, when the suite runs on PostgreSQL
// (see RunDialects), a fresh schema on the test server dropped when the test ends.
package storagetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Open returns a migrated database in t.TempDir(), closed at cleanup. now may be nil.
func Open(t testing.TB, now func() time.Time) *storage.DB {
	t.Helper()
	db := OpenUnmigrated(t, now)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Account stores a linked account named username with a placeholder sealed token.
func Account(t testing.TB, db *storage.DB, username string) storage.Account {
	t.Helper()
	a, err := db.SaveAccount(context.Background(), storage.Account{
		ThreadsUserID:  "1784" + username,
		Username:       username,
		TokenSealed:    []byte("sealed:" + username),
		TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour),
	})
	if err != nil {
		t.Fatalf("save account %s: %v", username, err)
	}
	return a
}

// Clock is a settable clock for tests, safe for concurrent use (a door's goroutines read it
// while the test moves it); its zero value starts at 2026-11-23 09:00 UTC.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	live bool // NewLiveClock: read the real time until Set or Advance
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// NewLiveClock returns a clock that follows the real time until the test sets or advances it,
// for tests whose doors wait on real timers (an album window) before a jump in time matters.
func NewLiveClock() *Clock { return &Clock{live: true} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live {
		return time.Now()
	}
	if c.t.IsZero() {
		c.t = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	}
	return c.t
}

// Set puts the clock at t; a live clock stops following the real time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.live = t, false
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	now := c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.live = now.Add(d), false
}
