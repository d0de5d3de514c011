package threads_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// post publishes a text post through create + publish and returns its
// media id.
func (e *env) post(t testing.TB, token, text string) string {
	t.Helper()
	ctx := context.Background()
	id, err := e.c.CreateContainer(ctx, token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: text})
	if err != nil {
		t.Fatalf("CreateContainer(%q): %v", text, err)
	}
	mediaID, err := e.c.Publish(ctx, token, "me", id)
	if err != nil {
		t.Fatalf("Publish(%q): %v", text, err)
	}
	return mediaID
}

func TestPublishingLimitAndQuota(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{Quotas: threadstest.Quotas{Posts: 3}})
	e.post(t, e.token, "one")
	e.sim.InjectUsage(e.user.ID, threadstest.QuotaPosts, 1) // another app posted
	e.sim.InjectUsage(e.user.ID, threadstest.QuotaDeletes, 2)

	l, err := e.c.PublishingLimit(ctx, e.token, "me")
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	want := threads.Limits{
		Posts:   threads.Quota{Reported: true, Usage: 2, Total: 3, Duration: day},
		Replies: threads.Quota{Reported: true, Usage: 0, Total: 1000, Duration: day},
		Deletes: threads.Quota{Reported: true, Usage: 2, Total: 100, Duration: day},
	}
	if l != want {
		t.Fatalf("PublishingLimit = %+v, want %+v", l, want)
	}
	if l.Posts.Remaining() != 1 {
		t.Errorf("Remaining = %d, want 1", l.Posts.Remaining())
	}

	e.post(t, e.token, "two")
	id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "three"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.Publish(ctx, e.token, "me", id)
	if te := e.wantErr(t, err, threads.ClassRateLimited); te.MaybePublished {
		t.Error("a quota refusal is marked MaybePublished")
	}
	if n := len(e.sim.Ledger()); n != 2 {
		t.Fatalf("ledger has %d posts, want 2", n)
	}
	// The window moves: a day later posting works again.
	e.clock.Advance(24*time.Hour + time.Second)
	e.post(t, e.token, "three, a day later")
}

func TestPublishingLimitWithoutReplyAndDeleteScopes(t *testing.T) {
	e := newEnv(t, threadstest.Options{})
	tok := e.sim.IssueToken(e.user.ID, threadstest.ScopeBasic, threadstest.ScopeContentPublish)
	l, err := e.c.PublishingLimit(context.Background(), tok, e.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Posts.Reported || l.Posts.Total != 250 || l.Replies.Reported || l.Deletes.Reported {
		t.Errorf("PublishingLimit = %+v, want only the post quota reported", l)
	}
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	id := e.post(t, e.token, "to delete")
	if err := e.c.Delete(ctx, e.token, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if l := e.sim.Ledger(); len(l) != 1 || !l[0].Deleted {
		t.Fatalf("ledger = %+v, want the post deleted", l)
	}
	_, err := e.c.Media(ctx, e.token, id)
	e.wantErr(t, err, threads.ClassNotFound)
	err = e.c.Delete(ctx, e.token, id)
	e.wantErr(t, err, threads.ClassNotFound)

	// Without threads_delete.
	id = e.post(t, e.token, "keep")
	tok := e.sim.IssueToken(e.user.ID, threadstest.ScopeBasic, threadstest.ScopeContentPublish)
	err = e.c.Delete(ctx, tok, id)
	if te := e.wantErr(t, err, threads.ClassPermission); te.Code != 10 {
		t.Errorf("code %d, want 10", te.Code)
	}
}

func TestRecentThreads(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	e.post(t, e.token, "old")
	e.clock.Advance(time.Hour)
	since := e.clock.Now()
	var want []string
	for i := range 5 {
		e.clock.Advance(time.Minute)
		want = append([]string{e.post(t, e.token, fmt.Sprintf("new %d", i))}, want...) // newest first
	}
	got, err := e.c.RecentThreads(ctx, e.token, "me", since, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ids := mediaIDs(got); fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("RecentThreads since = %v, want %v", ids, want)
	}
	if got[0].Text != "new 4" || got[0].Timestamp.IsZero() || got[0].Permalink == "" {
		t.Errorf("newest = %+v", got[0])
	}
	got, err = e.c.RecentThreads(ctx, e.token, "me", since, 2)
	if err != nil || fmt.Sprint(mediaIDs(got)) != fmt.Sprint(want[:2]) {
		t.Fatalf("RecentThreads limit 2 = %v, %v; want %v", mediaIDs(got), err, want[:2])
	}
	all, err := e.c.RecentThreads(ctx, e.token, "me", time.Time{}, 100)
	if err != nil || len(all) != 6 {
		t.Fatalf("RecentThreads all = %d posts, %v; want 6", len(all), err)
	}
}

func TestRecentThreadsFollowsPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	const n = 130
	for i := range n {
		if _, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{
			MediaType: threads.MediaTypeText, Text: fmt.Sprintf("post %d", i), AutoPublishText: true}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
	}
	got, err := e.c.RecentThreads(ctx, e.token, "me", time.Time{}, 120)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 120 || got[0].Text != "post 129" || got[119].Text != "post 10" {
		t.Fatalf("got %d posts, first %q last %q; want 120 from post 129 down to post 10", len(got), got[0].Text, got[len(got)-1].Text)
	}
	if calls := e.sim.CallCount(threadstest.EndpointListThreads); calls != 2 {
		t.Errorf("list calls = %d, want 2 pages", calls)
	}
}

func mediaIDs(ms []threads.MediaObject) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func TestAuthAndPermissionErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})

	t.Run("no publish scope", func(t *testing.T) {
		tok := e.sim.IssueToken(e.user.ID, threadstest.ScopeBasic)
		_, err := e.c.CreateContainer(ctx, tok, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "x"})
		if te := e.wantErr(t, err, threads.ClassPermission); te.Code != 10 {
			t.Errorf("code %d, want 10", te.Code)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		tok := e.sim.IssueToken(e.user.ID)
		e.clock.Advance(threadstest.LongTokenTTL + time.Minute)
		_, err := e.c.Me(ctx, tok)
		te := e.wantErr(t, err, threads.ClassAuth)
		if te.Code != 190 || te.Subcode != 463 || !threads.IsAuth(err) {
			t.Errorf("expired token = %d/%d", te.Code, te.Subcode)
		}
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error contains the token: %v", err)
		}
	})
	t.Run("revoked token", func(t *testing.T) {
		tok := e.sim.IssueToken(e.user.ID)
		e.sim.RevokeTokens(e.user.ID)
		_, err := e.c.PublishingLimit(ctx, tok, "me")
		if te := e.wantErr(t, err, threads.ClassAuth); te.Subcode != 460 {
			t.Errorf("revoked token subcode %d, want 460", te.Subcode)
		}
	})
	t.Run("garbage token", func(t *testing.T) {
		_, err := e.c.Me(ctx, "THnot-a-real-token")
		e.wantErr(t, err, threads.ClassAuth)
	})
	t.Run("no token", func(t *testing.T) {
		_, err := e.c.Me(ctx, "")
		e.wantErr(t, err, threads.ClassAuth)
	})
}
