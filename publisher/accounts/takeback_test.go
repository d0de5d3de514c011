package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/storage"
)

// feedSite serves an RSS feed whose items can be added while the test runs.
type feedSite struct {
	mu    sync.Mutex
	items []string
}

func (f *feedSite) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, title)
}

func (f *feedSite) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title><link>https://example.org/</link>`)
	for i, t := range f.items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://example.org/%d</link><guid>item-%d</guid></item>`, t, i, i)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	_, _ = w.Write([]byte(b.String()))
}

func (e *env) feedPosts() int {
	e.t.Helper()
	ps, err := e.db.List(context.Background(), storage.ListFilter{Door: "feed", Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ps)
}

// A grantee adds a feed to the owner's account; the owner revokes them. Before the fix the
// feed kept posting as the account under the revoked grantee's choice.
func TestRevokedGranteesFeedStopsPosting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	e.sim.AddUser("alice")
	bob, carol := e.identify("1"), e.identify("2")
	if status, _, body := e.connect(bob); status != http.StatusOK {
		t.Fatalf("connect: %d %s", status, body)
	}
	acct := e.accounts()[0]
	if _, err := e.svc.Grant(ctx, bob, acct.ID, carol); err != nil {
		t.Fatal(err)
	}
	site := &feedSite{}
	site.add("first")
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	m := rss.NewManager(rss.ManagerOptions{Store: e.db, Now: e.clock.Now,
		Fetcher:         rss.NewFetcher(rss.FetcherOptions{Version: "test", AllowPrivate: true, Timeout: 5 * time.Second}),
		Enqueuer:        rss.ServiceEnqueuer{Service: ingest.NewService(ingest.Options{Queue: e.db})},
		DefaultInterval: time.Minute, MinInterval: time.Minute, Jitter: func(time.Duration) time.Duration { return 0 }})
	if _, err := m.Add(ctx, rss.AddRequest{AccountID: acct.ID, URL: srv.URL + "/feed.xml", CreatedBy: carol.ID}); err != nil {
		t.Fatal(err)
	}
	poll := func(title string) {
		site.add(title)
		e.clock.Advance(2 * time.Minute)
		if err := m.PollDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	poll("second")
	if n := e.feedPosts(); n != 1 {
		t.Fatalf("the grantee's feed queued %d posts before the revoke, want 1", n)
	}
	if err := e.svc.Revoke(ctx, bob, acct.ID, carol); err != nil {
		t.Fatal(err)
	}
	poll("third")
	if n := e.feedPosts(); n != 1 {
		t.Errorf("the revoked grantee's feed queued %d posts, want still 1", n)
	}
	fs, _ := e.db.Feeds(ctx, nil)
	if len(fs) != 1 || fs[0].Enabled || !strings.Contains(fs[0].PausedReason, "no longer has access to @alice") {
		t.Errorf("feed after the revoke: %+v", fs)
	}
	told := strings.Join(e.told.all(), "\n")
	if !strings.Contains(told, "telegram:1: @2 can no longer post to @alice. Paused what was added for it: feed") {
		t.Errorf("the owner was not told what was paused:\n%s", told)
	}
}

// The owner's own webhook stops when they disconnect the account; the operator's does not.
func TestDisconnectPausesTheOwnersWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	e.sim.AddUser("alice")
	bob := e.identify("1")
	e.connect(bob)
	acct := e.accounts()[0]
	for _, s := range []storage.WebhookSource{
		{Name: "bobs-ci", AccountID: acct.ID, Scheme: "github", SecretSealed: []byte("x"), Enabled: true, CreatedBy: bob.ID},
		{Name: "operators", AccountID: acct.ID, Scheme: "github", SecretSealed: []byte("x"), Enabled: true},
	} {
		if _, err := e.db.CreateWebhookSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Disconnect(ctx, bob, acct.ID); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"bobs-ci": false, "operators": true} {
		if s, err := e.db.WebhookSourceByName(ctx, name); err != nil || s.Enabled != want {
			t.Errorf("%s: enabled %v (%v), want %v", name, s.Enabled, err, want)
		}
	}
	if told := strings.Join(e.told.all(), "\n"); !strings.Contains(told, "webhook bobs-ci") || strings.Contains(told, "webhook operators") {
		t.Errorf("owner told:\n%s", told)
	}
}

// Bob queues a post, then disconnects his account; Mallory connects the same Threads account
// and becomes its owner. Before the fix Bob's held post went out under Mallory's ownership.
func TestTakeoverDoesNotPublishThePreviousOwnersPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	var notices []string
	e.svc.notice = func(p storage.Post, reason string, _ time.Time) storage.OutboxEvent {
		notices = append(notices, p.ID+": "+reason)
		b, _ := json.Marshal(map[string]string{"post": p.ID, "reason": reason})
		return storage.OutboxEvent{Key: p.ID + ":cancelled", Door: p.Door, Payload: b}
	}
	e.sim.AddUser("alice")
	bob, mallory := e.identify("1"), e.identify("666")
	e.connect(bob)
	acct := e.accounts()[0]
	acc, err := ingest.NewService(ingest.Options{Queue: e.db}).Enqueue(ctx, ingest.Request{
		Origin: ingest.Origin{Door: ingest.DoorTelegram, Ref: json.RawMessage(`{"chat_id":1}`)}, AccountID: acct.ID,
		Text: "Bob's announcement", ScheduledAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Disconnect(ctx, bob, acct.ID); err != nil {
		t.Fatal(err)
	}
	if status, _, body := e.connect(mallory); status != http.StatusOK {
		t.Fatalf("takeover: %d %s", status, body)
	}
	p, err := e.db.Get(ctx, acc.Post.ID)
	if err != nil || p.State != storage.StateCancelled || !strings.Contains(p.LastError, "connected to Spindle by someone else") {
		t.Fatalf("bob's post after the takeover: %+v %v", p, err)
	}
	e.clock.Advance(2 * time.Hour)
	if leased, err := e.db.Lease(ctx, 10, time.Minute); err != nil || len(leased) != 0 {
		t.Fatalf("the publisher could still lease %+v (%v)", leased, err)
	}
	out, err := e.db.DueOutbox(ctx, e.clock.Now(), 10)
	if err != nil || len(out) != 1 || out[0].Door != "telegram" || !strings.Contains(string(out[0].Payload), "someone else") {
		t.Errorf("no notice for the author in the outbox: %+v %v (made %q)", out, err, notices)
	}
	if told := strings.Join(e.told.all(), "\n"); !strings.Contains(told, "telegram:1: @alice, which you disconnected, was connected to Spindle by @666") ||
		!strings.Contains(told, "1 post(s) still held for it were cancelled") {
		t.Errorf("bob was not told:\n%s", told)
	}
}
