package publisher

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// InsightsTTL is how long a post's insights are served from memory before Threads is asked
// again: counts a few minutes old are news enough, and Meta's per-user call budget (4,800 ×
// impressions a day) is shared with publishing.
const InsightsTTL = 10 * time.Minute

// ErrNoInsights: the post has no insights to read (not published, deleted, or Threads never
// told its id).
var ErrNoInsights = httperr.New(http.StatusConflict, httperr.CodeWrongState, "the post has no insights")

// PostInsights are a post's counts and when Threads reported them.
type PostInsights struct {
	threads.Insights
	At time.Time
}

// insightsCache keeps each post's last counts for InsightsTTL.
type insightsCache struct {
	mu sync.Mutex
	m  map[string]PostInsights
}

func (c *insightsCache) get(id string, now time.Time) (PostInsights, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok := c.m[id]
	if !ok || now.Sub(in.At) >= InsightsTTL {
		return PostInsights{}, false
	}
	return in, true
}

func (c *insightsCache) put(id string, in PostInsights) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]PostInsights{}
	}
	for k, v := range c.m { // drop the stale, so the map holds only recent reads
		if in.At.Sub(v.At) >= InsightsTTL {
			delete(c.m, k)
		}
	}
	c.m[id] = in
}

// Insights reads a published post's views, likes, replies, reposts, quotes and shares (of its
// first part, for a thread), from memory when read within InsightsTTL. An account whose token
// lacks threads_manage_insights is refused before Threads is asked (*ingest.ScopeError).
func (p *Publisher) Insights(ctx context.Context, postID string) (PostInsights, error) {
	post, err := p.store.Get(ctx, postID)
	if err != nil {
		return PostInsights{}, err
	}
	switch {
	case post.State != storage.StatePosted || post.MediaID == "":
		return PostInsights{}, fmt.Errorf("post %s is %s, not published, so it has no insights yet: %w", post.ID, post.State, ErrNoInsights)
	case !post.DeletedAt.IsZero():
		return PostInsights{}, fmt.Errorf("post %s was deleted from Threads, so it has no insights any more: %w", post.ID, ErrNoInsights)
	}
	if in, ok := p.insights.get(post.ID, p.now()); ok {
		return in, nil
	}
	acct, err := p.store.Account(ctx, post.AccountID)
	if err != nil {
		return PostInsights{}, err
	}
	refused := &ingest.ScopeError{Account: acct.Username, Scope: threads.ScopeManageInsights, Needs: "reading insights"}
	if acct.Lacks(threads.ScopeManageInsights) {
		return PostInsights{}, refused
	}
	token, _, err := p.toks.Token(ctx, post.AccountID)
	if err != nil {
		return PostInsights{}, fmt.Errorf("insights of post %s: %w", post.ID, err)
	}
	got, err := p.api.MediaInsights(ctx, token, post.MediaID)
	if sc := threads.MissingScope(err); sc != "" {
		p.forgetScope(ctx, post.AccountID, sc)
		return PostInsights{}, refused
	}
	if err != nil {
		return PostInsights{}, fmt.Errorf("insights of post %s: %w", post.ID, err)
	}
	in := PostInsights{Insights: got, At: p.now()}
	p.insights.put(post.ID, in)
	return in, nil
}

// CachedInsights gives a post's counts only if they are in memory and fresh: the status page
// shows them without ever calling Threads.
func (p *Publisher) CachedInsights(postID string) (PostInsights, bool) {
	return p.insights.get(postID, p.now())
}
