package publisher

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
)

// AccountInsights are an account's counts over the last 7 and 30 days and when Threads
// reported them.
type AccountInsights struct {
	Week, Month threads.AccountCounts
	At          time.Time
}

// accountInsightsCache keeps each account's last counts for InsightsTTL, like post insights:
// the two windows cost two calls of the account's budget.
type accountInsightsCache struct {
	mu sync.Mutex
	m  map[int64]AccountInsights
}

func (c *accountInsightsCache) get(id int64, now time.Time) (AccountInsights, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok := c.m[id]
	if !ok || now.Sub(in.At) >= InsightsTTL {
		return AccountInsights{}, false
	}
	return in, true
}

func (c *accountInsightsCache) put(id int64, in AccountInsights) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]AccountInsights{}
	}
	c.m[id] = in // one entry per linked account: small, no pruning needed
}

// AccountInsights reads an account's views, likes, replies, reposts, quotes and follower count
// over the last 7 and 30 days, from memory when read within InsightsTTL. An account whose token
// lacks threads_manage_insights is refused before Threads is asked (*ingest.ScopeError).
func (p *Publisher) AccountInsights(ctx context.Context, accountID int64) (AccountInsights, error) {
	now := p.now()
	if in, ok := p.acctIns.get(accountID, now); ok {
		return in, nil
	}
	acct, err := p.store.Account(ctx, accountID)
	if err != nil {
		return AccountInsights{}, err
	}
	refused := &ingest.ScopeError{Account: acct.Username, Scope: threads.ScopeManageInsights, Needs: "reading insights"}
	if acct.Lacks(threads.ScopeManageInsights) {
		return AccountInsights{}, refused
	}
	token, _, err := p.toks.Token(ctx, accountID)
	if err != nil {
		return AccountInsights{}, fmt.Errorf("insights of @%s: %w", acct.Username, err)
	}
	in := AccountInsights{At: now}
	for _, w := range []struct {
		days int
		to   *threads.AccountCounts
	}{{7, &in.Week}, {30, &in.Month}} {
		got, err := p.api.UserInsights(ctx, token, acct.ThreadsUserID, now.AddDate(0, 0, -w.days), now)
		if sc := threads.MissingScope(err); sc != "" {
			p.forgetScope(ctx, accountID, sc)
			return AccountInsights{}, refused
		}
		if err != nil {
			return AccountInsights{}, fmt.Errorf("insights of @%s over %d days: %w", acct.Username, w.days, err)
		}
		*w.to = got
	}
	p.acctIns.put(accountID, in)
	return in, nil
}
