package rss

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
)

type pollBundle struct {
	srv    *feedServer
	seen   *memSeen
	queue  *memQueue
	poller *Poller
}

func setupPoll(t *testing.T) *pollBundle {
	t.Helper()
	b := &pollBundle{srv: newFeedServer(t), seen: newMemSeen(), queue: newMemQueue()}
	b.poller = NewPoller(PollerOptions{Fetcher: testFetcher(), Seen: b.seen, Enqueuer: b.queue})
	return b
}

func titles(items []Item) string {
	var s []string
	for _, it := range items {
		s = append(s, it.Title)
	}
	return strings.Join(s, ",")
}

func postedTitles(items []PostedItem) string {
	var s []string
	for _, it := range items {
		s = append(s, it.Title)
	}
	return strings.Join(s, ",")
}

func TestPollBaselineThenNewItemOnce(t *testing.T) {
	t.Parallel()
	b := setupPoll(t)
	ctx := context.Background()
	items := numberedItems(1, 37)
	b.srv.set("/feed.xml", rssDoc("Example & Co", items), "application/rss+xml")
	ref := json.RawMessage(`{"chat":42}`)
	feed := Feed{ID: 7, URL: b.srv.URL + "/feed.xml", AccountID: 3, Ref: ref, FirstPoll: true}

	res, err := b.poller.Poll(ctx, feed)
	if err != nil {
		t.Fatalf("first poll: %v", err)
	}
	if res.Title != "Example & Co" || res.Baseline != 37 || len(res.Posted) != 0 || res.NewItems != 37 {
		t.Fatalf("first poll: title %q baseline %d posted %d new %d; want 37 skipped, none posted",
			res.Title, res.Baseline, len(res.Posted), res.NewItems)
	}
	if b.seen.count(7) != 37 || len(b.queue.requests()) != 0 {
		t.Fatalf("after baseline: %d seen, %d queued", b.seen.count(7), len(b.queue.requests()))
	}

	// Unchanged: the stored validators make it a 304 that costs nothing.
	feed.FirstPoll, feed.Validators = false, res.Validators
	res, err = b.poller.Poll(ctx, feed)
	if err != nil || !res.NotModified || res.Validators != feed.Validators {
		t.Fatalf("unchanged poll: %+v, %v; want NotModified with the same validators", res, err)
	}

	// A new item is posted once, with the feed door's origin and the item's idempotency key.
	items = append(items, testItem{guid: "post-new", title: "Brand new <b>thing</b>", link: "https://site.example/posts/new",
		date: items[len(items)-1].date.Add(time.Hour)})
	b.srv.set("/feed.xml", rssDoc("Example & Co", items), "application/rss+xml")
	res, err = b.poller.Poll(ctx, feed)
	if err != nil {
		t.Fatalf("poll with a new item: %v", err)
	}
	if res.NewItems != 1 || postedTitles(res.Posted) != "Brand new thing" || res.Posted[0].PostID == "" {
		t.Fatalf("posted %+v (new %d), want the new item", res.Posted, res.NewItems)
	}
	reqs := b.queue.requests()
	want := ingest.Request{Origin: ingest.Origin{Door: ingest.DoorFeed, Ref: ref}, AccountID: 3,
		Text: "Brand new thing\n\nhttps://site.example/posts/new", IdempotencyKey: "feed:7:post-new"}
	if len(reqs) != 1 || reqs[0].Text != want.Text || reqs[0].IdempotencyKey != want.IdempotencyKey ||
		reqs[0].Origin.Door != want.Origin.Door || string(reqs[0].Origin.Ref) != string(ref) || reqs[0].AccountID != 3 {
		t.Fatalf("queued %+v, want %+v", reqs, want)
	}

	// Polling again without validators, or after the publisher re-dates the item, posts nothing.
	feed.Validators = Validators{}
	items[len(items)-1].date = items[len(items)-1].date.Add(48 * time.Hour)
	b.srv.set("/feed.xml", rssDoc("Example & Co", items), "application/rss+xml")
	res, err = b.poller.Poll(ctx, feed)
	if err != nil || res.NewItems != 0 || len(b.queue.requests()) != 1 {
		t.Fatalf("re-poll: new %d, queued %d, err %v; want nothing new", res.NewItems, len(b.queue.requests()), err)
	}
}

func TestPollBackfillCapAndFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		feed                      Feed
		include, exclude          []string
		posted, skipped, filtered string
		baseline                  int
	}{
		{name: "backfill newest two, oldest first", feed: Feed{FirstPoll: true, Backfill: 2},
			posted: "Post 4,Post 5", baseline: 3},
		{name: "backfill over the cap", feed: Feed{FirstPoll: true, Backfill: 5, DailyCap: 2},
			posted: "Post 1,Post 2", skipped: "Post 3,Post 4,Post 5"},
		{name: "cap counts today's posts", feed: Feed{DailyCap: 4, PostedToday: 2},
			posted: "Post 1,Post 2", skipped: "Post 3,Post 4,Post 5"},
		{name: "cap already reached", feed: Feed{DailyCap: 3, PostedToday: 5},
			skipped: "Post 1,Post 2,Post 3,Post 4,Post 5"},
		{name: "include keyword", feed: Feed{}, include: []string{"post 2", "/Post [45]/"},
			posted: "Post 2,Post 4,Post 5", filtered: "Post 1,Post 3"},
		{name: "exclude wins", feed: Feed{}, include: []string{"post"}, exclude: []string{"/ [13]$/"},
			posted: "Post 2,Post 4,Post 5", filtered: "Post 1,Post 3"},
		{name: "filters before backfill", feed: Feed{FirstPoll: true, Backfill: 1}, exclude: []string{"post 5"},
			posted: "Post 4", filtered: "Post 5", baseline: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setupPoll(t)
			b.srv.set("/f", rssDoc("F", numberedItems(1, 5)), "application/rss+xml")
			filter, err := CompileFilter(tt.include, tt.exclude)
			if err != nil {
				t.Fatal(err)
			}
			f := tt.feed
			f.ID, f.URL, f.Filter = 1, b.srv.URL+"/f", filter
			res, err := b.poller.Poll(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if postedTitles(res.Posted) != tt.posted || titles(res.Skipped) != tt.skipped ||
				titles(res.Filtered) != tt.filtered || res.Baseline != tt.baseline {
				t.Errorf("posted %q skipped %q filtered %q baseline %d; want %q %q %q %d",
					postedTitles(res.Posted), titles(res.Skipped), titles(res.Filtered), res.Baseline,
					tt.posted, tt.skipped, tt.filtered, tt.baseline)
			}
			if got := len(b.queue.requests()); got != len(res.Posted) {
				t.Errorf("%d queued, %d reported posted", got, len(res.Posted))
			}
			if b.seen.count(1) != 5 {
				t.Errorf("%d items recorded as seen, want all 5 (skipped and filtered ones too)", b.seen.count(1))
			}
		})
	}
}

func TestPollEnqueueFailureRetriesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	b := setupPoll(t)
	b.srv.set("/f", rssDoc("F", numberedItems(1, 3)), "application/rss+xml")
	b.queue.failAt = 2
	f := Feed{ID: 9, URL: b.srv.URL + "/f"}
	res, err := b.poller.Poll(context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("err = %v, want the enqueue failure", err)
	}
	if postedTitles(res.Posted) != "Post 1" || res.Validators != (Validators{}) {
		t.Fatalf("posted %q, validators %+v; want Post 1 only and no new validators", postedTitles(res.Posted), res.Validators)
	}
	// Mark failing too, after Post 2 is enqueued: the next poll enqueues it again and the
	// idempotency key keeps it single.
	b.seen.failErr = errors.New("disk full")
	if _, err := b.poller.Poll(context.Background(), f); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the Mark failure", err)
	}
	b.seen.failErr = nil
	res, err = b.poller.Poll(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, r := range b.queue.requests() {
		keys[r.IdempotencyKey]++
	}
	if len(keys) != 3 || len(b.queue.requests()) != 3 {
		t.Errorf("queue holds %v, want each of the 3 items once", keys)
	}
	if res.Validators.ETag == "" {
		t.Errorf("validators not returned after a successful poll")
	}
}

func TestPollServerOutcomes(t *testing.T) {
	t.Parallel()
	b := setupPoll(t)
	b.srv.setFile(t, "/new.xml", "atom.xml", "application/atom+xml")
	b.srv.setFile(t, "/page", "error.html", "text/html")
	b.srv.setFile(t, "/broken", "malformed.xml", "application/rss+xml")
	b.srv.setFile(t, "/ttl", "rss20.xml", "application/rss+xml")
	b.srv.header("/ttl", "Cache-Control", "max-age=600")
	mux := http.NewServeMux()
	mux.Handle("/", b.srv.Config.Handler)
	mux.HandleFunc("/old.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.xml", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	ctx := context.Background()

	res, err := b.poller.Poll(ctx, Feed{ID: 1, URL: front.URL + "/old.xml", FirstPoll: true})
	if err != nil || res.PermanentRedirect != front.URL+"/new.xml" || res.Baseline != 3 {
		t.Errorf("301: %+v, %v; want the new URL reported and the items seen", res, err)
	}
	res, err = b.poller.Poll(ctx, Feed{ID: 2, URL: front.URL + "/gone"})
	if !errors.Is(err, ErrGone) || !res.Gone {
		t.Errorf("410: gone %v, err %v", res.Gone, err)
	}
	if _, err = b.poller.Poll(ctx, Feed{ID: 3, URL: front.URL + "/page"}); !errors.Is(err, ErrNotAFeed) {
		t.Errorf("HTML page: err = %v, want ErrNotAFeed", err)
	}
	if _, err = b.poller.Poll(ctx, Feed{ID: 4, URL: front.URL + "/broken"}); !errors.Is(err, ErrInvalidFeed) {
		t.Errorf("malformed: err = %v, want ErrInvalidFeed", err)
	}
	// <ttl>60</ttl> beats max-age=600.
	if res, err = b.poller.Poll(ctx, Feed{ID: 5, URL: front.URL + "/ttl", FirstPoll: true}); err != nil || res.NextPollAfter != time.Hour {
		t.Errorf("ttl: NextPollAfter %v, err %v; want 1h", res.NextPollAfter, err)
	}
	for id := int64(2); id <= 4; id++ {
		if n := b.seen.count(id); n != 0 {
			t.Errorf("feed %d: %d items marked seen after a failed poll", id, n)
		}
	}
}

func TestPollHugeItemAndImages(t *testing.T) {
	t.Parallel()
	b := setupPoll(t)
	huge := strings.Repeat("<p>A very long paragraph of <b>text</b> with https://ref.example/x links. </p>", 20000) // ~1.6 MB
	body := rssDoc("Big", []testItem{{guid: "big", title: strings.Repeat("Long title ", 80), link: "https://site.example/big", desc: huge}})
	body = []byte(strings.Replace(string(body), "<guid", `<enclosure url="/img/big.jpg" type="image/jpeg" length="1"/><guid`, 1))
	b.srv.set("/big", body, "application/rss+xml")
	tmpl := mustTemplate(t, "{{.Title}}\n{{.Summary}}\n{{.Link}}")
	res, err := b.poller.Poll(context.Background(), Feed{ID: 1, URL: b.srv.URL + "/big", Template: tmpl, Images: true})
	if err != nil || len(res.Posted) != 1 {
		t.Fatalf("poll: %v, posted %d", err, len(res.Posted))
	}
	r := b.queue.requests()[0]
	if n := threads.CountChars(r.Text); n > threads.MaxTextChars || !strings.HasSuffix(r.Text, "\nhttps://site.example/big") {
		t.Errorf("text of %d chars, want ≤ 500 ending with the link: %q", n, r.Text)
	}
	if len(threads.Links(r.Text)) > threads.MaxLinks {
		t.Errorf("%d links in %q", len(threads.Links(r.Text)), r.Text)
	}
	if len(r.Media) != 1 || r.Media[0].URL != "https://site.example/img/big.jpg" || r.Media[0].Kind != ingest.MediaImage {
		t.Errorf("media %+v, want the enclosure image resolved against the site link", r.Media)
	}
}

func TestRequestLinkAttachmentWhenLinkCannotFit(t *testing.T) {
	t.Parallel()
	p := NewPoller(PollerOptions{Fetcher: testFetcher(), Seen: newMemSeen(), Enqueuer: newMemQueue()})
	long := "https://site.example/" + strings.Repeat("a", 600)
	req, err := p.Request(Feed{ID: 1}, "F", Item{ID: "x", Title: "Title", Link: long})
	if err != nil {
		t.Fatal(err)
	}
	if req.Text != "Title" || req.LinkAttachment != long {
		t.Errorf("text %q attachment %q; want the title and the link attached", req.Text, req.LinkAttachment)
	}
}

func TestPollEveryFormatOverHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, contentType, title, newest string
		items                            int
	}{
		{"rss091.xml", "text/xml", "Scripting News", "Giving the world a pluggable Gnutella", 3},
		{"rss10.rdf", "application/rdf+xml", "Slashdot-like: News for nerds", "Linux 7.0 Released With Big Scheduler Changes", 2},
		{"rss20.xml", "application/rss+xml; charset=utf-8", "Example Engineering & Design Blog", "Why we moved to SQLite & never looked back", 5},
		{"atom.xml", "application/atom+xml", "Go & Friends", "Generic type aliases are here", 3},
		{"feed.json", "application/feed+json", "Micro notes", "Coffee ☕ and a quiet morning. Trying out the new theme 🎨.", 3},
		{"leading-comment.xml", "application/xml", "Behind a long comment", "Visible only if the comment is skipped", 1},
	}
	for i, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := setupPoll(t)
			b.srv.setFile(t, "/feed", tt.file, tt.contentType)
			f := Feed{ID: int64(i + 1), URL: b.srv.URL + "/feed", FirstPoll: true, Backfill: 1}
			res, err := b.poller.Poll(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Title != tt.title || res.Items != tt.items || res.Baseline != tt.items-1 || postedTitles(res.Posted) != tt.newest {
				t.Errorf("title %q, %d items, baseline %d, posted %q; want %q, %d, %d, %q", res.Title, res.Items,
					res.Baseline, postedTitles(res.Posted), tt.title, tt.items, tt.items-1, tt.newest)
			}
			f.FirstPoll, f.Validators = false, res.Validators
			if res, err = b.poller.Poll(context.Background(), f); err != nil || !res.NotModified {
				t.Errorf("second poll: NotModified %v, err %v", res.NotModified, err)
			}
			if log := b.srv.served(); len(log) != 2 || log[1].status != http.StatusNotModified {
				t.Errorf("server log %+v, want a 200 then a 304", log)
			}
		})
	}
}

func TestPollConcurrentFeedsShareOnePoller(t *testing.T) {
	t.Parallel()
	b := setupPoll(t)
	const feeds = 24
	for i := range feeds {
		b.srv.set(fmt.Sprintf("/f%d", i), rssDoc(fmt.Sprintf("F%d", i), numberedItems(i, 3)), "application/rss+xml")
	}
	var wg sync.WaitGroup
	errs := make(chan error, feeds)
	for i := range feeds {
		wg.Go(func() {
			res, err := b.poller.Poll(context.Background(), Feed{ID: int64(i), URL: fmt.Sprintf("%s/f%d", b.srv.URL, i), Backfill: 1, FirstPoll: true})
			if err == nil && len(res.Posted) != 1 {
				err = fmt.Errorf("feed %d: posted %d", i, len(res.Posted))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(b.queue.requests()); n != feeds {
		t.Errorf("%d posts queued, want %d", n, feeds)
	}
}
