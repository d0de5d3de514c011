package publisher_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestInsightsRoundTripAndCache: a published post's insights come from the simulator (its
// replies counted); read again within InsightsTTL they come from memory (a new reply is not seen
// yet), and after it from Threads again. A post not published has none.
func TestInsightsRoundTripAndCache(t *testing.T) {
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
	in, err := e.pub.Insights(ctx, parent.ID)
	if err != nil || in.Replies != 1 || in.Views != 0 {
		t.Fatalf("insights: %+v, %v; want 1 reply", in, err)
	}
	reply("second reply")
	if in, err = e.pub.Insights(ctx, parent.ID); err != nil || in.Replies != 1 {
		t.Errorf("within the TTL: %+v, %v; want the cached 1 reply", in, err)
	}
	clock.Advance(publisher.InsightsTTL)
	if in, err = e.pub.Insights(ctx, parent.ID); err != nil || in.Replies != 2 {
		t.Errorf("after the TTL: %+v, %v; want 2 replies", in, err)
	}
	later := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "later", ScheduledAt: clock.Now().Add(time.Hour)})
	if _, err := e.pub.Insights(ctx, later.ID); !errors.Is(err, publisher.ErrNoInsights) {
		t.Errorf("insights of a queued post: %v, want ErrNoInsights", err)
	}
}

// TestInsightsMissingScope: an account whose link did not grant threads_manage_insights is
// refused before Threads is asked (its token here could read them), naming the permission; one
// whose scopes were unknown is refused once Threads refuses, and that is remembered.
func TestInsightsMissingScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	a := e.account("recorded")
	a.Scopes = []string{threads.ScopeBasic, threads.ScopeContentPublish}
	if _, err := e.db.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "no stats for me"})
	e.drain(p.ID)
	_, err := e.pub.Insights(ctx, p.ID)
	var se *ingest.ScopeError
	if !errors.As(err, &se) || se.Scope != threads.ScopeManageInsights {
		t.Fatalf("insights without the recorded scope: %v", err)
	}

	n := e.narrowAccount("unknown", threads.ScopeBasic, threads.ScopeContentPublish)
	q := e.enqueue(storage.NewPost{AccountID: n.ID, Text: "nor for me"})
	e.drain(q.ID)
	if _, err := e.pub.Insights(ctx, q.ID); !errors.As(err, &se) || se.Scope != threads.ScopeManageInsights {
		t.Fatalf("insights refused by Threads: %v", err)
	}
	if acct, _ := e.db.Account(ctx, n.ID); !acct.Lacks(threads.ScopeManageInsights) {
		t.Error("the refused scope was not remembered")
	}
}
