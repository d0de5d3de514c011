package rss

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/netguard"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// syncClock is a settable clock safe for the poll round's goroutines.
// noticeLog records feed notices as a chat door would receive them.
type noticeLog struct {
	mu  sync.Mutex
	got []notice
}

type notice struct {
	door, ref, text string
}

func (n *noticeLog) FeedNotice(_ context.Context, door string, ref json.RawMessage, text string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, notice{door: door, ref: string(ref), text: text})
	return nil
}

func (n *noticeLog) all() []notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]notice(nil), n.got...)
}

type managerBundle struct {
	srv     *feedServer
	clock   *storagetest.Clock
	db      *storage.DB
	account storage.Account
	notices *noticeLog
	m       *Manager
}

var slackChat = ChatRef{Door: "slack", Ref: json.RawMessage(`{"channel":"C42"}`)}

func setupManager(t *testing.T, tweak ...func(*ManagerOptions)) *managerBundle {
	t.Helper()
	b := &managerBundle{srv: newFeedServer(t), clock: storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)),
		notices: &noticeLog{}}
	b.db = storagetest.Open(t, b.clock.Now)
	b.account = storagetest.Account(t, b.db, "alice")
	svc := ingest.NewService(ingest.Options{Queue: b.db, Now: b.clock.Now})
	opts := ManagerOptions{Store: b.db, Fetcher: testFetcher(), Enqueuer: ServiceEnqueuer{svc}, Notices: b.notices,
		Now: b.clock.Now, DefaultInterval: 10 * time.Minute, MinInterval: time.Minute,
		Jitter: func(time.Duration) time.Duration { return 0 }}
	for _, f := range tweak {
		f(&opts)
	}
	b.m = NewManager(opts)
	return b
}

func (b *managerBundle) feedPosts(t *testing.T) []storage.Post {
	t.Helper()
	ps, err := b.db.List(context.Background(), storage.ListFilter{Door: "feed", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// List is newest first; tests read oldest first.
	for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
		ps[i], ps[j] = ps[j], ps[i]
	}
	return ps
}

func (b *managerBundle) feed(t *testing.T, id int64) storage.Feed {
	t.Helper()
	f, err := b.db.Feed(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (b *managerBundle) add(t *testing.T, r AddRequest) AddResult {
	t.Helper()
	if r.AccountID == 0 {
		r.AccountID = b.account.ID
	}
	res, err := b.m.Add(context.Background(), r)
	if err != nil {
		t.Fatalf("add feed: %v", err)
	}
	return res
}

func TestManagerBaselineThenNewItemEndToEnd(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	items := numberedItems(1, 37)
	b.srv.set("/feed.xml", rssDoc("Example & Co", items), "application/rss+xml")

	res := b.add(t, AddRequest{Owner: slackChat, URL: b.srv.URL + "/feed.xml"})
	if res.Message != "Watching Example & Co: 37 existing items skipped" || res.Skipped != 37 || len(res.Posted) != 0 {
		t.Fatalf("add = %q (skipped %d, posted %d)", res.Message, res.Skipped, len(res.Posted))
	}
	if ps := b.feedPosts(t); len(ps) != 0 {
		t.Fatalf("adding a feed queued %d posts; want none", len(ps))
	}
	f := b.feed(t, res.Feed.ID)
	if !f.Baselined || f.ETag == "" || f.Title != "Example & Co" || !f.NextPollAt.Equal(b.clock.Now().Add(10*time.Minute)) {
		t.Fatalf("stored after add: %+v", f)
	}

	// A new item; nothing happens before the feed is due.
	items = append(items, testItem{guid: "post-new", title: "Brand new <b>thing</b>", link: "https://site.example/posts/new",
		date: items[len(items)-1].date.Add(time.Hour)})
	b.srv.set("/feed.xml", rssDoc("Example & Co", items), "application/rss+xml")
	fetches := len(b.srv.served())
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(b.srv.served()) != fetches {
		t.Fatal("a feed that is not due was fetched")
	}
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	ps := b.feedPosts(t)
	if len(ps) != 1 {
		t.Fatalf("%d posts queued after the new item; want 1", len(ps))
	}
	p := ps[0]
	if p.Text != "Brand new thing\n\nhttps://site.example/posts/new" || p.AccountID != b.account.ID ||
		p.IdempotencyKey != IdempotencyKey(f.ID, "post-new") || !p.ScheduledAt.Equal(b.clock.Now()) {
		t.Fatalf("queued post = %+v", p)
	}
	o, err := DecodeOriginRef(p.OriginRef)
	if err != nil || o.FeedID != f.ID || o.Door != "slack" || string(o.Ref) != `{"channel":"C42"}` {
		t.Fatalf("origin ref %s = %+v, %v", p.OriginRef, o, err)
	}

	// Unchanged: a 304 that costs nothing and queues nothing.
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if log := b.srv.served(); log[len(log)-1].status != http.StatusNotModified {
		t.Fatalf("unchanged feed answered %d; want 304", log[len(log)-1].status)
	}
	// The publisher re-publishes old items (new dates, moved to the top): never posted twice.
	items[3].date = items[len(items)-1].date.Add(2 * time.Hour)
	items[len(items)-1].date = items[len(items)-1].date.Add(3 * time.Hour)
	b.srv.set("/feed.xml", rssDoc("Example & Co", items), "application/rss+xml")
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if ps := b.feedPosts(t); len(ps) != 1 {
		t.Fatalf("%d posts after old items were re-published; want still 1", len(ps))
	}
	if f := b.feed(t, f.ID); f.Failures != 0 || !f.Enabled || f.LastError != "" {
		t.Fatalf("healthy feed stored as %+v", f)
	}
	if n := b.notices.all(); len(n) != 0 {
		t.Fatalf("unexpected notices: %+v", n)
	}

	// What became of the post is told to the chat that added the feed.
	if err := b.m.PostNotice(ctx, PostEvent{Kind: "posted", PostID: p.ID, OriginRef: p.OriginRef,
		Permalink: "https://www.threads.net/@alice/post/abc"}); err != nil {
		t.Fatal(err)
	}
	n := b.notices.all()
	if len(n) != 1 || n[0].door != "slack" || n[0].ref != `{"channel":"C42"}` ||
		n[0].text != "Posted from feed 1 (Example & Co): https://www.threads.net/@alice/post/abc" {
		t.Fatalf("post notice = %+v", n)
	}
}

// faultyFront is a server in front of a feedServer that answers a forced status instead
// while one is set, and counts every request.
type faultyFront struct {
	*httptest.Server
	status   atomic.Int32
	requests atomic.Int32
}

func newFaultyFront(t *testing.T, back *feedServer) *faultyFront {
	f := &faultyFront{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		if code := int(f.status.Load()); code != 0 {
			http.Error(w, http.StatusText(code), code)
			return
		}
		back.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func TestManagerGonePausesAndTellsTheChat(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	front := newFaultyFront(t, b.srv)
	b.srv.set("/feed.xml", rssDoc("Old blog", numberedItems(1, 3)), "application/rss+xml")
	res := b.add(t, AddRequest{Owner: slackChat, URL: front.URL + "/feed.xml"})
	front.status.Store(http.StatusGone)
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	f := b.feed(t, res.Feed.ID)
	if f.Enabled || !strings.Contains(f.PausedReason, "410 Gone") {
		t.Fatalf("after 410: enabled %v, reason %q", f.Enabled, f.PausedReason)
	}
	n := b.notices.all()
	if len(n) != 1 || n[0].door != "slack" || !strings.HasPrefix(n[0].text, "Feed 1 (Old blog) is paused: the feed answered 410 Gone") {
		t.Fatalf("notices = %+v", n)
	}
	// Paused feeds are not polled.
	before := front.requests.Load()
	b.clock.Advance(24 * time.Hour)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if front.requests.Load() != before {
		t.Fatal("a paused feed was polled")
	}
}

func TestManagerFailuresBackOffThenPause(t *testing.T) {
	t.Parallel()
	b := setupManager(t, func(o *ManagerOptions) { o.MaxFailures = 3 })
	ctx := context.Background()
	front := newFaultyFront(t, b.srv)
	b.srv.set("/feed.xml", rssDoc("Flaky", numberedItems(1, 3)), "application/rss+xml")
	res := b.add(t, AddRequest{URL: front.URL + "/feed.xml", Interval: 5 * time.Minute})
	front.status.Store(http.StatusInternalServerError)

	// 5 min interval: waits of 10 and 20 minutes after the first two failures.
	for i, wait := range []time.Duration{10 * time.Minute, 20 * time.Minute} {
		b.clock.Advance(b.feed(t, res.Feed.ID).NextPollAt.Sub(b.clock.Now()))
		if err := b.m.PollDue(ctx); err != nil {
			t.Fatal(err)
		}
		f := b.feed(t, res.Feed.ID)
		if f.Failures != i+1 || !f.NextPollAt.Equal(b.clock.Now().Add(wait)) || !f.Enabled ||
			!strings.Contains(f.LastError, "500 Internal Server Error") || f.ETag == "" {
			t.Fatalf("after failure %d: failures %d, next in %s, enabled %v, last error %q, etag %q",
				i+1, f.Failures, f.NextPollAt.Sub(b.clock.Now()), f.Enabled, f.LastError, f.ETag)
		}
	}
	b.clock.Advance(20 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	f := b.feed(t, res.Feed.ID)
	if f.Enabled || !strings.Contains(f.PausedReason, "3 polls in a row failed") {
		t.Fatalf("after 3 failures: enabled %v, reason %q", f.Enabled, f.PausedReason)
	}
	if n := b.notices.all(); len(n) != 0 {
		t.Fatalf("a feed without a chat sent notices: %+v", n) // CLI feeds report to the log only
	}

	// Resumed, it is due at once with its failures forgotten, and a success resets them.
	front.status.Store(0)
	info, err := b.m.Resume(ctx, AllAccounts(), res.Feed.ID)
	if err != nil || !info.Enabled || info.Failures != 0 {
		t.Fatalf("resume = %+v, %v", info, err)
	}
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if f := b.feed(t, res.Feed.ID); f.Failures != 0 || f.LastError != "" || !f.LastSuccessAt.Equal(b.clock.Now()) {
		t.Fatalf("after success: %+v", f)
	}
}

func TestManagerDailyCapPacesAndReportsSkipped(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	b.srv.set("/feed.xml", rssDoc("Busy", numberedItems(1, 2)), "application/rss+xml")
	res := b.add(t, AddRequest{Owner: slackChat, URL: b.srv.URL + "/feed.xml", DailyCap: 3})
	t0 := b.clock.Now().Add(10 * time.Minute)

	// Five new items at once: the three oldest post, 8 hours apart; two are skipped and said.
	b.srv.set("/feed.xml", rssDoc("Busy", numberedItems(1, 7)), "application/rss+xml")
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	ps := b.feedPosts(t)
	var got []string
	for _, p := range ps {
		got = append(got, strings.SplitN(p.Text, "\n", 2)[0]+"@"+p.ScheduledAt.Sub(t0).String())
	}
	if strings.Join(got, " ") != "Post 3@0s Post 4@8h0m0s Post 5@16h0m0s" {
		t.Fatalf("queued: %v", got)
	}
	n := b.notices.all()
	if len(n) != 2 || n[0].text != "3 new items from Busy: posting one every 8h, the last at 01:10 UTC." ||
		n[1].text != "Feed 1 (Busy): 2 new items were over its daily cap of 3 posts, so they were skipped: “Post 6”, “Post 7”." {
		t.Fatalf("notices = %+v", n)
	}

	// The cap counts a moving day: the next new item is skipped too.
	b.srv.set("/feed.xml", rssDoc("Busy", numberedItems(1, 8)), "application/rss+xml")
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if ps := b.feedPosts(t); len(ps) != 3 {
		t.Fatalf("%d posts after the cap was reached; want 3", len(ps))
	}
	if n := b.notices.all(); len(n) != 3 || !strings.Contains(n[2].text, "1 new item was over its daily cap") {
		t.Fatalf("notices = %+v", n)
	}
	// A day later there is room again, and a new burst starts after the queued ones.
	b.clock.Advance(24 * time.Hour)
	// One of its posts still waits an hour (queued by an earlier burst).
	if _, _, err := b.db.Enqueue(ctx, storage.NewPost{AccountID: b.account.ID, Door: "feed", Text: "waiting",
		IdempotencyKey: IdempotencyKey(res.Feed.ID, "waiting"), ScheduledAt: b.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b.srv.set("/feed.xml", rssDoc("Busy", numberedItems(1, 9)), "application/rss+xml")
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	ps = b.feedPosts(t)
	if len(ps) != 5 || !ps[4].ScheduledAt.Equal(b.clock.Now().Add(9*time.Hour)) || !strings.HasPrefix(ps[4].Text, "Post 9") {
		t.Fatalf("after a day: %d posts, last %q at %s; want Post 9 at +9h (1h + 8h spacing)",
			len(ps), ps[len(ps)-1].Text, ps[len(ps)-1].ScheduledAt.Sub(b.clock.Now()))
	}
}

func TestManagerAddBackfillIsPaced(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	b.srv.set("/feed.xml", rssDoc("Back", numberedItems(1, 10)), "application/rss+xml")
	res := b.add(t, AddRequest{URL: b.srv.URL + "/feed.xml", Backfill: 2})
	if res.Message != "Watching Back: 8 existing items skipped, posting the latest 2, one every 2h24m" {
		t.Fatalf("message = %q", res.Message)
	}
	ps := b.feedPosts(t)
	if len(ps) != 2 || !strings.HasPrefix(ps[0].Text, "Post 9") || !strings.HasPrefix(ps[1].Text, "Post 10") ||
		ps[1].ScheduledAt.Sub(ps[0].ScheduledAt) != 144*time.Minute {
		t.Fatalf("backfill posts = %+v", ps)
	}
}

func TestManagerAddRefusals(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	b.srv.set("/feed.xml", rssDoc("Blog", numberedItems(1, 2)), "application/rss+xml")
	url := b.srv.URL + "/feed.xml"
	cases := []struct {
		name  string
		req   AddRequest
		field string
		want  error
	}{
		{name: "not http", req: AddRequest{URL: "ftp://x.example/feed"}, field: "url"},
		{name: "interval too short", req: AddRequest{URL: url, Interval: 30 * time.Second}, field: "interval"},
		{name: "bad template", req: AddRequest{URL: url, Template: "{{.Nope}}"}, field: "template"},
		{name: "bad filter", req: AddRequest{URL: url, Include: []string{"/(/"}}, field: "filter"},
		{name: "cap too high", req: AddRequest{URL: url, DailyCap: 1000}, field: "cap"},
		{name: "backfill over cap", req: AddRequest{URL: url, DailyCap: 2, Backfill: 3}, field: "backfill"},
		{name: "not found", req: AddRequest{URL: b.srv.URL + "/missing.xml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.AccountID = b.account.ID
			_, err := b.m.Add(ctx, c.req)
			var ie *ingest.InvalidError
			if err == nil || (c.field != "" && (!errors.As(err, &ie) || ie.Field != c.field)) {
				t.Fatalf("Add = %v; want an invalid %q", err, c.field)
			}
		})
	}
	if fs, _ := b.m.List(ctx, AllAccounts()); len(fs) != 0 {
		t.Fatalf("refused feeds were stored: %+v", fs)
	}

	// Private addresses are refused unless allowed; the feed is not kept.
	strict := NewManager(ManagerOptions{Store: b.db, Fetcher: NewFetcher(FetcherOptions{}), Enqueuer: newMemQueue()})
	if _, err := strict.Add(ctx, AddRequest{AccountID: b.account.ID, URL: url}); !errors.Is(err, netguard.ErrPrivateAddress) {
		t.Fatalf("loopback feed without SPINDLE_ALLOW_PRIVATE_URLS: %v", err)
	}
	if fs, _ := b.m.List(ctx, AllAccounts()); len(fs) != 0 {
		t.Fatalf("a refused feed was stored: %+v", fs)
	}
	b.add(t, AddRequest{URL: url})
	if _, err := b.m.Add(ctx, AddRequest{AccountID: b.account.ID, URL: url}); !errors.Is(err, storage.ErrFeedExists) {
		t.Fatalf("second add of the same URL: %v", err)
	}
}

func TestManagerScopeHidesOtherAccountsFeeds(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	bob := storagetest.Account(t, b.db, "bob")
	b.srv.set("/feed.xml", rssDoc("Blog", numberedItems(1, 2)), "application/rss+xml")
	res := b.add(t, AddRequest{URL: b.srv.URL + "/feed.xml"})
	id := res.Feed.ID
	if fs, err := b.m.List(ctx, Scope{}); err != nil || len(fs) != 0 {
		t.Fatalf("the zero scope listed %d feeds", len(fs))
	}
	if fs, _ := b.m.List(ctx, Accounts(bob.ID)); len(fs) != 0 {
		t.Fatalf("bob sees alice's feeds: %+v", fs)
	}
	if fs, _ := b.m.List(ctx, Accounts(bob.ID, b.account.ID)); len(fs) != 1 || fs[0].Title != "Blog" {
		t.Fatalf("list = %+v", fs)
	}
	for name, op := range map[string]func(Scope) error{
		"pause":  func(s Scope) error { _, err := b.m.Pause(ctx, s, id, ""); return err },
		"resume": func(s Scope) error { _, err := b.m.Resume(ctx, s, id); return err },
		"remove": func(s Scope) error { _, err := b.m.Remove(ctx, s, id); return err },
	} {
		if err := op(Accounts(bob.ID)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s by bob: %v; want ErrNotFound", name, err)
		}
	}
	info, err := b.m.Pause(ctx, Accounts(b.account.ID), id, "")
	if err != nil || info.Enabled || info.PausedReason != "paused by hand" {
		t.Fatalf("pause = %+v, %v", info, err)
	}
	if _, err := b.m.Remove(ctx, Accounts(b.account.ID), id); err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Get(ctx, AllAccounts(), id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removed feed: %v", err)
	}
}

func TestManagerPermanentRedirectUpdatesURL(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	b.srv.set("/new.xml", rssDoc("Moved", numberedItems(1, 2)), "application/rss+xml")
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.srv.URL+"/new.xml", http.StatusMovedPermanently)
	}))
	t.Cleanup(front.Close)
	res := b.add(t, AddRequest{URL: front.URL + "/old.xml"})
	if f := b.feed(t, res.Feed.ID); f.URL != b.srv.URL+"/new.xml" {
		t.Fatalf("URL after a 301 = %s", f.URL)
	}
	_ = ctx
}

func TestManagerPollRoundBoundsPerHost(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	ctx := context.Background()
	var inFlight, peak atomic.Int32
	var mu sync.Mutex
	perHost := map[string]int{}
	peakHost := map[string]int{}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		perHost[r.Host]++
		peakHost[r.Host] = max(peakHost[r.Host], perHost[r.Host])
		mu.Unlock()
		if n := inFlight.Add(1); n > peak.Load() {
			peak.Store(n)
		}
		time.Sleep(20 * time.Millisecond) // keep requests overlapping
		inFlight.Add(-1)
		mu.Lock()
		perHost[r.Host]--
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(rssDoc("Feed "+r.URL.Path, numberedItems(1, 2)))
	}))
	t.Cleanup(slow.Close)
	port := slow.URL[strings.LastIndex(slow.URL, ":"):]
	var ids []int64
	for i := range 6 {
		for _, host := range []string{"127.0.0.1", "localhost"} {
			res := b.add(t, AddRequest{URL: "http://" + host + port + "/f" + string(rune('a'+i))})
			ids = append(ids, res.Feed.ID)
		}
	}
	b.clock.Advance(10 * time.Minute)
	if err := b.m.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if f := b.feed(t, id); !f.LastSuccessAt.Equal(b.clock.Now()) {
			t.Fatalf("feed %d was not polled in the round", id)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for host, n := range peakHost {
		if n > DefaultPerHost {
			t.Fatalf("%d requests at once to %s; the limit is %d", n, host, DefaultPerHost)
		}
	}
	if len(peakHost) != 2 {
		t.Fatalf("hosts seen: %v", peakHost)
	}
}

func TestManagerRejectedItemDoesNotStallTheFeed(t *testing.T) {
	t.Parallel()
	b := setupManager(t, func(o *ManagerOptions) {
		real := o.Enqueuer
		o.Enqueuer = EnqueuerFunc(func(ctx context.Context, r ingest.Request) (string, error) {
			if strings.Contains(r.Text, "poison") {
				return "", &ingest.InvalidError{Field: "media[0].url", Reason: "media item 1 URL is not public"}
			}
			return real.Enqueue(ctx, r)
		})
	})
	ctx := context.Background()
	b.srv.set("/feed.xml", rssDoc("Blog", numberedItems(1, 2)), "application/rss+xml")
	res := b.add(t, AddRequest{Owner: slackChat, URL: b.srv.URL + "/feed.xml"})
	items := numberedItems(1, 4)
	items[2].title = "A poison item"
	b.srv.set("/feed.xml", rssDoc("Blog", items), "application/rss+xml")
	for range 2 { // the second poll must not retry the rejected item
		b.clock.Advance(10 * time.Minute)
		if err := b.m.PollDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ps := b.feedPosts(t)
	if len(ps) != 1 || !strings.HasPrefix(ps[0].Text, "Post 4") {
		t.Fatalf("posts = %+v; want Post 4 only", ps)
	}
	if f := b.feed(t, res.Feed.ID); f.Failures != 0 || !f.Enabled {
		t.Fatalf("a rejected item counted as a feed failure: %+v", f)
	}
	n := b.notices.all()
	if len(n) != 1 || n[0].text != "Feed 1 (Blog): “A poison item” could not be posted and was skipped: media item 1 URL is not public" {
		t.Fatalf("notices = %+v", n)
	}
}
