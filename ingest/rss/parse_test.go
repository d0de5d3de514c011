package rss

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtureBase stands in for the URL a fixture was fetched from.
const fixtureBase = "https://feeds.example.com/x/feed"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, feedType, title string
		ttl                   time.Duration
		// items, oldest first: identity, title, link
		want [][3]string
	}{
		{"rss091.xml", "rss", "Scripting News", 0, [][3]string{
			// No dates and no GUIDs: reversed feed order, identity from the link without fragment.
			{"http://www.scripting.com/2002/09/28.html", "Café culture & RSS", "http://www.scripting.com/2002/09/28.html#cafe"},
			{"http://www.scripting.com/2002/09/29.html", "Syndication discussion hots up", "http://www.scripting.com/2002/09/29.html#syndication"},
			{"http://www.scripting.com/2002/09/30.html", "Giving the world a pluggable Gnutella", "http://www.scripting.com/2002/09/30.html#giving"},
		}},
		{"rss10.rdf", "rss", "Slashdot-like: News for nerds", 0, [][3]string{
			{"https://slashdot.example/story/26/01/02/rust", "Rust 2.0 Is Not Happening, Says Core Team", "https://slashdot.example/story/26/01/02/rust"},
			// utm_* dropped from the identity, kept in the posted link; HTML in the title stripped.
			{"https://slashdot.example/story/26/01/03/kernel", "Linux 7.0 Released With Big Scheduler Changes",
				"https://slashdot.example/story/26/01/03/kernel?utm_source=rss1.0mainlinkanon&utm_medium=feed"},
		}},
		{"rss20.xml", "rss", "Example Engineering & Design Blog", time.Hour, [][3]string{
			{"https://blog.example.com/?p=990", "An item with a date nobody can parse", "https://blog.example.com/blog/odd-date/"},
			// Relative link resolved against the site link (itself relative to the feed URL).
			{"https://feeds.example.com/blog/release-4-2/", "Release notes: v4.2", "https://feeds.example.com/blog/release-4-2/"},
			{"", "A status update with no title, no link and no guid — just text.", ""},
			{"tag:blog.example.com,2026:offsite", "Team offsite photos", "https://blog.example.com/blog/offsite/"},
			{"https://blog.example.com/?p=1042", "Why we moved to SQLite & never looked back",
				"https://Blog.Example.com/blog/sqlite/?utm_source=rss&utm_medium=rss&utm_campaign=sqlite#comments"},
		}},
		{"atom.xml", "atom", "Go & Friends", 0, [][3]string{
			{"tag:go.example.org,2026-01-05:/posts/range-func", "Range over func, one year on", "https://go.example.org/posts/range-func"},
			{"tag:go.example.org,2026-01-06:/posts/draft", "Draft entry with only an updated date", "https://go.example.org/posts/draft"},
			{"tag:go.example.org,2026-01-07:/posts/type-aliases", "Generic type aliases are here", "https://go.example.org/posts/type-aliases"},
		}},
		{"feed.json", "json", "Micro notes", 0, [][3]string{
			{"1", "Hello world", "https://micro.example.net/2026/01/01/hello.html"},
			{"2", "Photos from the harbour", "https://micro.example.net/2026/01/07/photos.html"},
			// No title: the text stands in.
			{"https://micro.example.net/2026/01/08/coffee.html", "Coffee ☕ and a quiet morning. Trying out the new theme 🎨.",
				"https://micro.example.net/2026/01/08/coffee.html"},
		}},
		{"leading-comment.xml", "rss", "Behind a long comment", 0, [][3]string{
			{"comment-1", "Visible only if the comment is skipped", "https://comment.example.com/posts/1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			feed, err := ParseFeed(NewParser(), readFixture(t, tt.file), "")
			if err != nil {
				t.Fatalf("ParseFeed: %v", err)
			}
			if feed.FeedType != tt.feedType || PlainText(feed.Title) != tt.title || ttlOf(feed) != tt.ttl {
				t.Errorf("type %q title %q ttl %v, want %q %q %v", feed.FeedType, PlainText(feed.Title), ttlOf(feed),
					tt.feedType, tt.title, tt.ttl)
			}
			items := Items(feed, fixtureBase, false)
			if len(items) != len(tt.want) {
				t.Fatalf("%d items, want %d: %+v", len(items), len(tt.want), items)
			}
			for i, w := range tt.want {
				it := items[i]
				if w[0] == "" {
					if !strings.HasPrefix(it.ID, "sha256:") {
						t.Errorf("item %d: ID %q, want a sha256 identity", i, it.ID)
					}
				} else if it.ID != w[0] {
					t.Errorf("item %d: ID %q, want %q", i, it.ID, w[0])
				}
				if it.Title != w[1] || it.Link != w[2] {
					t.Errorf("item %d: title %q link %q, want %q %q", i, it.Title, it.Link, w[1], w[2])
				}
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, contentType string
		body                    string
		want                    error
		say                     string
	}{
		{"html error page", "error.html", "text/html; charset=utf-8", "", ErrNotAFeed, "web page (HTML)"},
		{"html without content type", "error.html", "", "", ErrNotAFeed, "web page (HTML)"},
		{"truncated xml", "malformed.xml", "application/rss+xml", "", ErrInvalidFeed, "malformed"},
		{"broken json feed", "", "application/feed+json", `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1,}]}`, ErrInvalidFeed, "malformed"},
		{"empty", "", "application/rss+xml", "  \n", ErrNotAFeed, "empty"},
		{"plain text", "", "text/plain", "hello, this is not a feed", ErrNotAFeed, "not RSS, Atom or JSON Feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if tt.file != "" {
				body = readFixture(t, tt.file)
			}
			_, err := ParseFeed(NewParser(), body, tt.contentType)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.say) {
				t.Errorf("err = %v, want %v saying %q", err, tt.want, tt.say)
			}
		})
	}
}

func TestParseToleratesSloppyXML(t *testing.T) {
	t.Parallel()
	// Mismatched tags are common in hand-made feeds; feed readers accept them, so do we.
	body := `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>` +
		`<item><title>a</title><link>https://s.example/a</link></item></chanel></rss>`
	feed, err := ParseFeed(NewParser(), []byte(body), "")
	if err != nil || len(feed.Items) != 1 {
		t.Fatalf("ParseFeed = %v, %v; want one item", feed, err)
	}
}

func TestMoveRootForward(t *testing.T) {
	t.Parallel()
	comment := "<!--" + strings.Repeat("x", 5000) + "-->"
	tests := []struct {
		name, in string
		moved    bool
	}{
		{"short prolog kept", `<?xml version="1.0"?><!-- hi --><rss/>`, false},
		{"long comment", `<?xml version="1.0" encoding="utf-8"?>` + "\n" + comment + "\n<rss/>", true},
		{"bom and comment", "\xef\xbb\xbf" + comment + "<feed/>", true},
		{"unterminated comment", "<!--" + strings.Repeat("x", 5000), false},
		{"json", `{"version":"x"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := moveRootForward([]byte(tt.in))
			if moved := !bytes.Equal(out, []byte(tt.in)); moved != tt.moved {
				t.Fatalf("moved = %v, want %v (%.80q)", moved, tt.moved, out)
			}
			if tt.moved && (bytes.Contains(out, []byte("xxxx")) || len(out) > 100) {
				t.Errorf("comment kept: %.80q", out)
			}
			if tt.moved && strings.HasPrefix(tt.in, "<?xml") && !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
				t.Errorf("XML declaration lost: %.80q", out)
			}
		})
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{"rss091.xml", "rss10.rdf", "rss20.xml", "atom.xml", "feed.json",
		"leading-comment.xml", "error.html", "malformed.xml"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`<?xml version="1.0"?><!--` + strings.Repeat("-", 10) + `<rss>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":null,"url":7}]}`))
	p := NewParser()
	f.Fuzz(func(t *testing.T, body []byte) {
		feed, err := ParseFeed(p, body, "")
		if err != nil {
			if !errors.Is(err, ErrNotAFeed) && !errors.Is(err, ErrInvalidFeed) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		for _, it := range Items(feed, fixtureBase, true) {
			if it.ID == "" || len(it.ID) > maxIDBytes+len("sha256:")+64 {
				t.Fatalf("bad identity %q", it.ID)
			}
		}
		_ = ttlOf(feed)
	})
}
