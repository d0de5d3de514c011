package rss

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

// memSeen is an in-memory Seen, as the storage layer's table would behave.
type memSeen struct {
	mu      sync.Mutex
	ids     map[int64]map[string]bool
	failErr error // returned by Mark when set
}

func newMemSeen() *memSeen { return &memSeen{ids: map[int64]map[string]bool{}} }

func (s *memSeen) Filter(_ context.Context, feedID int64, ids []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var fresh []string
	for _, id := range ids {
		if !s.ids[feedID][id] {
			fresh = append(fresh, id)
		}
	}
	return fresh, nil
}

func (s *memSeen) Mark(_ context.Context, feedID int64, ids []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failErr != nil {
		return s.failErr
	}
	if s.ids[feedID] == nil {
		s.ids[feedID] = map[string]bool{}
	}
	for _, id := range ids {
		s.ids[feedID][id] = true
	}
	return nil
}

func (s *memSeen) count(feedID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids[feedID])
}

// memQueue is an in-memory Enqueuer honouring idempotency keys, like ingest's service.
type memQueue struct {
	mu      sync.Mutex
	posts   []ingest.Request
	byKey   map[string]string
	failAt  int // fail the n-th Enqueue call (1-based) when > 0
	calls   int
	discard bool // keep no requests (benchmark)
}

func newMemQueue() *memQueue { return &memQueue{byKey: map[string]string{}} }

func (q *memQueue) Enqueue(_ context.Context, r ingest.Request) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if q.failAt > 0 && q.calls == q.failAt {
		return "", errors.New("database is locked")
	}
	if id, ok := q.byKey[r.IdempotencyKey]; ok {
		return id, nil
	}
	id := fmt.Sprintf("p%d", len(q.byKey)+1)
	q.byKey[r.IdempotencyKey] = id
	if !q.discard {
		q.posts = append(q.posts, r)
	}
	return id, nil
}

func (q *memQueue) requests() []ingest.Request {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]ingest.Request(nil), q.posts...)
}

// testItem is one entry of a generated RSS 2.0 document.
type testItem struct {
	guid, title, link, desc string
	date                    time.Time
}

// rssDoc renders an RSS 2.0 document the way common generators do.
func rssDoc(title string, items []testItem) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<rss version="2.0"><channel><title>%s</title>`+
		`<link>https://site.example/</link><description>d</description>`, html.EscapeString(title))
	for i := len(items) - 1; i >= 0; i-- { // newest first, as feeds list them
		it := items[i]
		b.WriteString("<item>")
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(it.title))
		if it.link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", html.EscapeString(it.link))
		}
		if it.guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, html.EscapeString(it.guid))
		}
		if it.desc != "" {
			fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString(it.desc))
		}
		if !it.date.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.date.Format(time.RFC1123Z))
		}
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

// numberedItems returns n items, oldest first, one hour apart.
func numberedItems(from, n int) []testItem {
	var items []testItem
	for i := from; i < from+n; i++ {
		items = append(items, testItem{guid: fmt.Sprintf("post-%d", i), title: fmt.Sprintf("Post %d", i),
			link: fmt.Sprintf("https://site.example/posts/%d", i),
			date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)})
	}
	return items
}
