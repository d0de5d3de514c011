package slack

import (
	"sync"
	"time"
)

// replayWindow is how long a signature is remembered: slack-go refuses timestamps more than
// 5 minutes off in either direction, so a request can only be replayed within 10 minutes.
const replayWindow = 10 * time.Minute

// replayCache remembers the signatures of verified requests, in their canonical spelling
// (canonicalSignature: the same MAC in upper or mixed case hex is the same request). slack-go's
// verifier does not deduplicate, so without it a captured request could be replayed for 5
// minutes. It lives in this process and answers most replays cheaply; Store.FirstSeen keeps
// the same keys in the database, for replays sent after a restart or to another replica.
type replayCache struct {
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]time.Time
	next time.Time // when to sweep expired entries
}

func newReplayCache(now func() time.Time) *replayCache {
	return &replayCache{now: now, seen: map[string]time.Time{}}
}

// first records sig and reports whether it was new.
func (c *replayCache) first(sig string) bool {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.After(c.next) {
		for s, exp := range c.seen {
			if now.After(exp) {
				delete(c.seen, s)
			}
		}
		c.next = now.Add(time.Minute)
	}
	if exp, ok := c.seen[sig]; ok && !now.After(exp) {
		return false
	}
	c.seen[sig] = now.Add(replayWindow)
	return true
}
