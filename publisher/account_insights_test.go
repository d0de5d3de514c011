package publisher_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestAccountInsightsRoundTripAndCache: an account's 7- and 30-day counts come from the
// simulator's user insights endpoint (the replies to its posts counted); read again within
// InsightsTTL they come from memory with no Threads call, and after it from Threads again.
func TestAccountInsightsRoundTripAndCache(t *testing.T) {
	ctx := context.Background()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now})
	a := e.account("counted")
	parent := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "count me"})
	e.settle(clock)
	reply := func(text string) {
		r := e.enqueue(storage.NewPost{AccountID: a.ID, Text: text, ReplyToID: e.get(parent.ID).MediaID})
		e.settle(clock)
		if got := e.get(r.ID); got.State != storage.StatePosted {
			t.Fatalf("reply %s: %s", got.State, got.LastError)
		}
	}
	reply("first reply")
	in, err := e.pub.AccountInsights(ctx, a.ID)
	if err != nil || in.Week.Replies != 1 || in.Month.Replies != 1 || in.Week.Views != 0 {
		t.Fatalf("account insights: %+v, %v; want 1 reply in each window", in, err)
	}
	calls := e.sim.CallCount(threadstest.EndpointUserInsights)
	if calls != 2 {
		t.Errorf("first read made %d user-insights calls, want 2 (7 and 30 days)", calls)
	}
	reply("second reply")
	if in, err = e.pub.AccountInsights(ctx, a.ID); err != nil || in.Week.Replies != 1 {
		t.Errorf("within the TTL: %+v, %v; want the cached 1 reply", in, err)
	}
	if got := e.sim.CallCount(threadstest.EndpointUserInsights); got != calls {
		t.Errorf("a cached read called Threads: %d calls, want %d", got, calls)
	}
	clock.Advance(publisher.InsightsTTL)
	if in, err = e.pub.AccountInsights(ctx, a.ID); err != nil || in.Week.Replies != 2 || in.Month.Replies != 2 {
		t.Errorf("after the TTL: %+v, %v; want 2 replies", in, err)
	}
}

// TestAccountInsightsMissingScope: an account linked without threads_manage_insights is refused
// before Threads is asked, naming the permission and how to relink; one whose scopes were
// unknown is refused once Threads refuses, and that is remembered.
func TestAccountInsightsMissingScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	a := e.account("recorded")
	a.Scopes = []string{threads.ScopeBasic, threads.ScopeContentPublish}
	if _, err := e.db.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	_, err := e.pub.AccountInsights(ctx, a.ID)
	var se *ingest.ScopeError
	if !errors.As(err, &se) || se.Scope != threads.ScopeManageInsights {
		t.Fatalf("account insights without the recorded scope: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "threads_manage_insights") || !strings.Contains(strings.ToLower(msg), "link") {
		t.Errorf("refusal %q does not name the scope and how to relink", msg)
	}
	if got := e.sim.CallCount(threadstest.EndpointUserInsights); got != 0 {
		t.Errorf("a refused read called Threads %d times", got)
	}

	n := e.narrowAccount("unknown", threads.ScopeBasic, threads.ScopeContentPublish)
	if _, err := e.pub.AccountInsights(ctx, n.ID); !errors.As(err, &se) || se.Scope != threads.ScopeManageInsights {
		t.Fatalf("account insights refused by Threads: %v", err)
	}
	if acct, _ := e.db.Account(ctx, n.ID); !acct.Lacks(threads.ScopeManageInsights) {
		t.Error("the refused scope was not remembered")
	}
}

// TestCachedInsightsNeverCallsThreads: CachedInsights (the status page's source) answers only
// what a stats read left in memory, and never asks Threads itself.
func TestCachedInsightsNeverCallsThreads(t *testing.T) {
	ctx := context.Background()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now})
	a := e.account("cached")
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "count me"})
	e.settle(clock)
	if _, ok := e.pub.CachedInsights(p.ID); ok {
		t.Error("counts before any read")
	}
	if _, err := e.pub.Insights(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	calls := e.sim.CallCount(threadstest.EndpointInsights)
	if _, ok := e.pub.CachedInsights(p.ID); !ok {
		t.Error("no counts after a read")
	}
	clock.Advance(publisher.InsightsTTL)
	if _, ok := e.pub.CachedInsights(p.ID); ok {
		t.Error("stale counts served")
	}
	if got := e.sim.CallCount(threadstest.EndpointInsights); got != calls {
		t.Errorf("CachedInsights called Threads: %d calls, want %d", got, calls)
	}
}
