package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/status"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// TestPageShowsCachedCounts: a published post's views and likes appear beside it when the
// insights cache holds them; posts not published are not looked up, and a cache miss shows
// nothing (the page never asks Threads).
func TestPageShowsCachedCounts(t *testing.T) {
	t.Parallel()
	var asked []string
	f := newFixture(t, status.Options{Password: config.NewSecret(password),
		Insights: func(id string) (publisher.PostInsights, bool) {
			asked = append(asked, id)
			return publisher.PostInsights{Insights: threads.Insights{Views: 1200, Likes: 34}, At: time.Now()}, true
		}})
	ctx := context.Background()
	p, _, err := f.db.Enqueue(ctx, storage.NewPost{AccountID: f.acct.ID, Door: "api", Text: "counted"})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := f.db.Lease(ctx, 10, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v %+v", err, leased)
	}
	if err := f.db.Complete(ctx, storage.LeaseOf(leased[0]), "1790001", "https://www.threads.net/@alice/post/C1"); err != nil {
		t.Fatal(err)
	}
	_, body := f.do(t, "GET", "/", password, nil)
	if n := strings.Count(body, "1200 views · 34 likes"); n != 1 {
		t.Errorf("page shows the counts %d times, want once (beside %s)", n, p.ID)
	}
	if len(asked) != 1 || asked[0] != p.ID {
		t.Errorf("looked up %v, want only the published %s", asked, p.ID)
	}
}
