package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// feed is a local RSS host whose items the test can add to.
type feed struct {
	mu     sync.Mutex
	items  []string // guids, oldest first; title = link tail = guid
	served int      // requests answered
}

// requests is how many times the feed was fetched.
func (f *feed) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served
}

func (f *feed) add(guid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, guid)
}

func (f *feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.served++
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>E2E blog</title><link>https://blog.example.com/</link><description>e2e</description>`)
	for i := len(f.items) - 1; i >= 0; i-- {
		g := f.items[i]
		fmt.Fprintf(&b, `<item><title>Post %s</title><link>https://blog.example.com/%s</link><guid>https://blog.example.com/%s</guid><pubDate>%s</pubDate></item>`,
			g, g, g, time.Now().Add(time.Duration(i-len(f.items))*time.Minute).UTC().Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	io.WriteString(w, b.String())
}
