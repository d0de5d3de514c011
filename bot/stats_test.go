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

	acct     publisher.AccountInsights
	accounts []int64 // account ids AccountInsights was asked for
}

func (f *fakeInsights) AccountInsights(_ context.Context, accountID int64) (publisher.AccountInsights, error) {
	f.accounts = append(f.accounts, accountID)
	return f.acct, f.err
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

// TestAccountStatsInChat: "stats" and "stats @acme" show the account's 7- and 30-day counts; an
// account the sender may not see is not read; a missing scope is a refusal naming it and how
// to relink.
func TestAccountStatsInChat(t *testing.T) {
	w := newWorld(t)
	w.insights.acct = publisher.AccountInsights{At: w.clock.Now(),
		Week:  threads.AccountCounts{Views: 700, Likes: 12, Replies: 1, Followers: 90},
		Month: threads.AccountCounts{Views: 3100, Likes: 40, Replies: 9, Quotes: 2, Followers: 90}}
	for _, in := range []string{"stats", "stats @acme", "stats --account acme"} {
		r := w.say(alice, "C1", in)
		for _, want := range []string{"@acme", "90 followers", "Last 7 days: 700 views · 12 likes · 1 reply", "Last 30 days: 3100 views · 40 likes · 9 replies · 0 reposts · 2 quotes"} {
			if r.Refused || !strings.Contains(r.Text, want) {
				t.Errorf("%s: %q lacks %q", in, r.Text, want)
			}
		}
	}
	if len(w.insights.accounts) != 3 || w.insights.accounts[0] != w.acme.ID {
		t.Errorf("asked for accounts %v, want acme (%d) three times", w.insights.accounts, w.acme.ID)
	}
	asked := len(w.insights.accounts)
	if r := w.say(carol, "C1", "stats @acme"); !r.Refused {
		t.Errorf("carol read acme's account stats: %q", r.Text)
	}
	if len(w.insights.accounts) != asked {
		t.Error("Threads was asked for an account the sender may not see")
	}
	w.insights.err = &ingest.ScopeError{Account: "acme", Scope: threads.ScopeManageInsights, Needs: "reading insights"}
	if r := w.say(alice, "C1", "stats"); !r.Refused || !strings.Contains(r.Text, threads.ScopeManageInsights) || !strings.Contains(r.Text, "/threads connect") {
		t.Errorf("missing scope: %q", r.Text)
	}
}
