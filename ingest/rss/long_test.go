package rss

import (
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
)

// TestLongFeedItem: a feed that chose --long sends a long item in full with its link, for the
// ingest service to make one post with a text attachment; without it the item is cut to 500
// characters; an item with an image is cut either way.
func TestLongFeedItem(t *testing.T) {
	p := NewPoller(PollerOptions{Fetcher: &Fetcher{}, Seen: newMemSeen(), Enqueuer: &memQueue{}})
	tmpl, err := CompileTemplate("{{.Title}}\n\n{{.Summary}}")
	if err != nil {
		t.Fatal(err)
	}
	summary := strings.Repeat("A paragraph of the article goes on and on. ", 70) // ~3,000 characters
	it := Item{ID: "1", Title: "A long read", Link: "https://blog.example/long", Summary: summary}

	req, err := p.Request(Feed{ID: 1, AccountID: 2, Template: tmpl, Long: true}, "Blog", it)
	if err != nil {
		t.Fatal(err)
	}
	if !req.Long || !strings.Contains(req.Text, strings.TrimSpace(summary)) || req.LinkAttachment != it.Link {
		t.Fatalf("long request: long %v, %d characters, link %q", req.Long, threads.CountChars(req.Text), req.LinkAttachment)
	}
	att := ingest.AttachLong(req)
	if att.TextAttachment == nil || att.TextAttachment.LinkURL != it.Link || threads.CountChars(att.Text) > threads.MaxTextChars {
		t.Errorf("as sent: %d characters, attachment %+v", threads.CountChars(att.Text), att.TextAttachment)
	}

	cut, err := p.Request(Feed{ID: 1, AccountID: 2, Template: tmpl}, "Blog", it)
	if err != nil || cut.Long || threads.CountChars(cut.Text) > threads.MaxTextChars {
		t.Errorf("short request: long %v, %d characters (%v)", cut.Long, threads.CountChars(cut.Text), err)
	}
	it.Image = "https://blog.example/cover.png"
	img, err := p.Request(Feed{ID: 1, AccountID: 2, Template: tmpl, Long: true, Images: true}, "Blog", it)
	if err != nil || img.Long || threads.CountChars(img.Text) > threads.MaxTextChars {
		t.Errorf("image request: long %v, %d characters (%v)", img.Long, threads.CountChars(img.Text), err)
	}
}
