package rss

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRealWorldFeedQuirks parses the documents of testdata/quirks as they are served and
// checks the exact text each item would be published with, by the default template and by
// one that shows the summary (testdata/quirks/README.md says what each reproduces).
func TestRealWorldFeedQuirks(t *testing.T) {
	t.Parallel()
	type post struct{ title, summary string }
	tests := []struct {
		file, contentType string
		want              []post // oldest first: DefaultTemplate's text, then "{{.Summary}}"
	}{
		{"latin1.xml", "application/rss+xml; charset=ISO-8859-1",
			[]post{{"Café crème à São Paulo\n\nhttps://blog.example.org/cafe", "Crème brûlée"}}},
		{"windows-1255.xml", "text/xml; charset=windows-1255",
			[]post{{"שלום עולם\n\nhttps://blog.example.org/shalom", "ברוכים הבאים"}}},
		{"koi8-r.xml", "application/rss+xml; charset=KOI8-R",
			[]post{{"Привет, мир\n\nhttps://blog.example.org/privet", "Новости недели"}}},
		{"shift_jis.xml", "application/xml; charset=Shift_JIS",
			[]post{{"こんにちは世界\n\nhttps://blog.example.org/konnichiwa", "今週のお知らせ"}}},
		{"shift_jis-stale-decl.xml", "application/xml; charset=shift_jis",
			[]post{{"こんにちは世界\n\nhttps://blog.example.org/konnichiwa", "今週のお知らせ"}}},
		{"markup.xml", "application/rss+xml", []post{
			{"Rc<RefCell<T>> in practice\n\nhttps://blog.example.org/rc-refcell", "First paragraph.\n\nSecond\nline, with a link."},
			{"Just shipped v2.0 🎉 Thanks, everyone!\n\nhttps://micro.example.org/alice/1", ""},
		}},
		{"atom-nolink.xml", "application/atom+xml", []post{
			{"A note without a link element\n\nhttps://notes.example.org/2026/12/note-1", "Written in a hurry."},
			{"A note whose id is a tag URI", "No link to give."},
		}},
	}
	def, err := CompileTemplate(DefaultTemplate)
	if err != nil {
		t.Fatal(err)
	}
	summary, err := CompileTemplate("{{.Summary}}")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "quirks", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			feed, err := ParseFeed(NewParser(), body, tt.contentType)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			items := Items(feed, "https://blog.example.org/feed.xml", false)
			if len(items) != len(tt.want) {
				t.Fatalf("%d items, want %d: %+v", len(items), len(tt.want), items)
			}
			for i, it := range items {
				d := TemplateData{Title: it.Title, Link: it.Link, Summary: it.Summary}
				got, err := def.Fit(d)
				if err != nil || got != tt.want[i].title {
					t.Errorf("item %d with the default template: %q (%v), want %q", i, got, err, tt.want[i].title)
				}
				if got, _ := summary.Fit(d); got != tt.want[i].summary {
					t.Errorf("item %d's summary: %q, want %q", i, got, tt.want[i].summary)
				}
			}
		})
	}
}
