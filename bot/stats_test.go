package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
)

// fakeInsights answers every post with in, or err when set; asked records the post ids.
type fakeInsights struct {
	in    publisher.PostInsights
	err   error
	asked []string
}

func (f *fakeInsights) Insights(_ context.Context, postID string) (publisher.PostInsights, error) {
	f.asked = append(f.asked, postID)
	return f.in, f.err
}

// TestStatsInChat: stats by id and by permalink shows the counts; a post on someone else's
// account is not read; not published and missing scope are refusals in plain words.
func TestStatsInChat(t *testing.T) {
	w := newWorld(t)
	p := w.posted(t, "1790004")
	w.insights.in = publisher.PostInsights{Insights: threads.Insights{Views: 1200, Likes: 34, Replies: 1, Reposts: 2}, At: w.clock.Now()}
	r := w.say(alice, "C1", "stats "+p.ID)
	for _, want := range []string{"1200 views", "34 likes", "1 reply", "2 reposts", "0 quotes", "0 shares", "@acme"} {
		if !strings.Contains(r.Text, want) || r.Refused {
			t.Errorf("stats: %q lacks %q", r.Text, want)
		}
	}
	if r := w.say(alice, "C1", "stats https://www.threads.net/@acme/post/1790004"); !strings.Contains(r.Text, "1200 views") {
		t.Errorf("stats by permalink: %q", r.Text)
	}
	asked := len(w.insights.asked)
	if r := w.say(carol, "C1", "stats "+p.ID); !r.Refused {
		t.Errorf("carol read acme's stats: %q", r.Text)
	}
	if len(w.insights.asked) != asked {
		t.Error("Threads was asked for a post the sender may not see")
	}
	w.insights.err = fmt.Errorf("post %s is queued, not published, so it has no insights yet: %w", p.ID, publisher.ErrNoInsights)
	if r := w.say(alice, "C1", "stats "+p.ID); !r.Refused || !strings.Contains(r.Text, "not published") || strings.Contains(r.Text, "has no insights:") {
		t.Errorf("not published: %q", r.Text)
	}
	w.insights.err = &ingest.ScopeError{Account: "acme", Scope: threads.ScopeManageInsights, Needs: "reading insights"}
	if r := w.say(alice, "C1", "stats "+p.ID); !r.Refused || !strings.Contains(r.Text, threads.ScopeManageInsights) || !strings.Contains(r.Text, "/threads connect") {
		t.Errorf("missing scope: %q", r.Text)
	}
}
