package threadstest

import (
	"sync"
	"time"
)

// Clock tells the simulator what time it is. Every rule with a duration in it
// (code and token lifetimes, processing delays, container expiry, the moving
// 24-hour quota window) reads this clock, so a test can move through days in
// milliseconds with a ManualClock.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to. It is safe for
// concurrent use.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a ManualClock reading t. A zero t starts the clock
// at 2026-01-05 09:00:00 UTC, a Monday, so that tests read the same dates.
func NewManualClock(t time.Time) *ManualClock {
	if t.IsZero() {
		t = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	return &ManualClock{t: t}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (backward if d is negative).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
