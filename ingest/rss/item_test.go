package rss

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, want string }{
		"plain":          {"Hello world", "Hello world"},
		"tags":           {"<p>Hello <b>bold</b> world</p>", "Hello bold world"},
		"entities":       {"Tom &amp; Jerry &mdash; &#8220;caf&eacute;&#8221; &lt;3", "Tom & Jerry — “café” <3"},
		"script, style":  {"a<script>alert('x')</script>b<style>p{}</style>c", "abc"},
		"blocks":         {"<p>one</p><p>two</p><ul><li>three</li></ul>four<br>five", "one two three four five"},
		"whitespace":     {"  lots\tof \n\n  space\u00a0here  ", "lots of space here"},
		"comment":        {"a<!-- hidden -->b", "ab"},
		"cdata-ish text": {"5 < 6 and 7 > 3", "5 < 6 and 7 > 3"},
		"unclosed":       {"<p>open <em>never closed", "open never closed"},
		"zero width":     {"a\u200bb\ufeffc", "abc"},
		"control":        {"a\x00b\x07c", "abc"},
		"empty":          {"", ""},
		"generics":       {"Rc<RefCell<T>> and Vec<String>", "Rc<RefCell<T>> and Vec<String>"},
		"html in title":  {"Why <em>Rc<T></em> is slow", "Why Rc is slow"},
		"upper-case tag": {"<B>loud</B> title", "loud title"},
	}
	for name, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("%s: PlainText(%q) = %q, want %q", name, tt.in, got, tt.want)
		}
	}
}

func TestPlainBlocks(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, want string }{
		"paragraphs":      {"<p>one</p><p>two</p>", "one\n\ntwo"},
		"br":              {"line one<br>line two<br/>line three", "line one\nline two\nline three"},
		"list":            {"<ul><li>a</li><li>b</li></ul>after", "a\n\nb\n\nafter"},
		"gaps fold":       {"<p>one</p>\n\n\n<p></p><div>  two  </div>", "one\n\ntwo"},
		"plain newlines":  {"first line\nsecond   line\n\n\nthird", "first line\nsecond line\n\nthird"},
		"generics stay":   {"Box<dyn Error>\nok", "Box<dyn Error>\nok"},
		"hidden elements": {"<p>a</p><script>x()</script><p>b</p>", "a\n\nb"},
	}
	for name, tt := range tests {
		if got := PlainBlocks(tt.in); got != tt.want {
			t.Errorf("%s: PlainBlocks(%q) = %q, want %q", name, tt.in, got, tt.want)
		}
	}
}

func TestNormalizeLink(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"HTTPS://Example.COM/Path?b=2&a=1#frag":                   "https://example.com/Path?a=1&b=2",
		"https://example.com:443/x?utm_source=rss&utm_medium=x":   "https://example.com/x",
		"http://example.com:80":                                   "http://example.com/",
		"http://example.com:8080/a":                               "http://example.com:8080/a",
		"https://example.com/a?id=7&fbclid=abc&UTM_Campaign=z":    "https://example.com/a?id=7",
		"https://example.com/a?gclid=1&mc_cid=2&mc_eid=3":         "https://example.com/a",
		"  https://example.com/padded  ":                          "https://example.com/padded",
		"/relative/path":                                          "",
		"mailto:someone@example.com":                              "",
		"javascript:alert(1)":                                     "",
		"":                                                        "",
		"https://example.com/%E2%9C%93?q=caf%C3%A9":               "https://example.com/%E2%9C%93?q=caf%C3%A9",
		"https://example.com/a?utm_source=x#":                     "https://example.com/a",
		"https://example.com/p?ref=hn":                            "https://example.com/p?ref=hn",
		"https://user:pass@Example.com/feed?utm_content=a&page=2": "https://user:pass@example.com/feed?page=2",
	}
	for in, want := range tests {
		if got := NormalizeLink(in); got != want {
			t.Errorf("NormalizeLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	long := "https://example.com/" + strings.Repeat("a", 300)
	tests := []struct {
		name, guid, link, title, date string
		want                          string // "hash" means a sha256 identity
	}{
		{"guid wins", " urn:x:1 ", "https://example.com/a", "T", "d", "urn:x:1"},
		{"link when no guid", "", "https://Example.com/a?utm_source=rss#top", "T", "d", "https://example.com/a"},
		{"hash when neither", "", "", "Title", "2026-01-01", "hash"},
		{"long guid hashed", long, "", "", "", "hash"},
		{"unusable link hashed", "", "/relative", "T", "", "hash"},
	}
	for _, tt := range tests {
		got := Identity(tt.guid, tt.link, tt.title, tt.date)
		if tt.want == "hash" {
			if !strings.HasPrefix(got, "sha256:") || len(got) != len("sha256:")+64 {
				t.Errorf("%s: Identity = %q, want a sha256 identity", tt.name, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s: Identity = %q, want %q", tt.name, got, tt.want)
		}
	}
	// The hash depends on title and date, so two untitled-and-unlinked items differ.
	if Identity("", "", "a", "1") == Identity("", "", "a", "2") || Identity("", "", "a", "1") != Identity("", "", "a", "1") {
		t.Error("hash identity is not a function of title and date")
	}
}

func TestItemsOrderAndDuplicates(t *testing.T) {
	t.Parallel()
	day := func(d int) *time.Time { t := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	feed := &gofeed.Feed{Items: []*gofeed.Item{
		{GUID: "c", Title: "C", PublishedParsed: day(3)},
		{GUID: "u2", Title: "undated newer"},
		{GUID: "a", Title: "A", PublishedParsed: day(1)},
		{GUID: "b1", Title: "B1", UpdatedParsed: day(2)},
		{GUID: "b2", Title: "B2", PublishedParsed: day(2)},
		{GUID: "u1", Title: "undated older"},
		{GUID: "c", Title: "C again"}, // a repeated GUID is the same item
		nil,
	}}
	var got []string
	for _, it := range Items(feed, fixtureBase, false) {
		got = append(got, it.ID)
	}
	// Undated first (reversed feed order), then by date; equal dates in reversed feed order.
	want := "u1 u2 a b2 b1 c"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %v, want %s", got, want)
	}
}

func TestFirstImage(t *testing.T) {
	t.Parallel()
	media := ext.Extensions{"media": {
		"group": {{Children: map[string][]ext.Extension{
			"thumbnail": {{Attrs: map[string]string{"url": "https://i.example/yt.jpg"}}},
		}}},
	}}
	tests := []struct {
		name string
		item gofeed.Item
		want string
	}{
		{"image enclosure first", gofeed.Item{Enclosures: []*gofeed.Enclosure{
			{URL: "https://a.example/ep.mp3", Type: "audio/mpeg"}, {URL: "/img/e.png", Type: "Image/PNG"}},
			Content: `<img src="https://a.example/c.jpg">`}, "https://feeds.example.com/img/e.png"},
		{"media:content image", gofeed.Item{Extensions: ext.Extensions{"media": {"content": {
			{Attrs: map[string]string{"url": "https://v.example/v.mp4", "medium": "video"}},
			{Attrs: map[string]string{"url": "https://i.example/m.jpg", "type": "image/jpeg"}}}}}}, "https://i.example/m.jpg"},
		{"media:group thumbnail", gofeed.Item{Extensions: media}, "https://i.example/yt.jpg"},
		{"first img in content", gofeed.Item{Content: `<p>x</p><img alt="no src"><img src=" rel/pic.gif ">`}, "https://feeds.example.com/x/rel/pic.gif"},
		{"data URIs refused", gofeed.Item{Description: `<img src="data:image/png;base64,AAAA">`}, ""},
		{"none", gofeed.Item{Content: "<p>text</p>"}, ""},
	}
	for _, tt := range tests {
		feed := &gofeed.Feed{Items: []*gofeed.Item{&tt.item}}
		if got := Items(feed, fixtureBase, true)[0].Image; got != tt.want {
			t.Errorf("%s: Image = %q, want %q", tt.name, got, tt.want)
		}
		if got := Items(feed, fixtureBase, false)[0].Image; got != "" {
			t.Errorf("%s: Image = %q without opting in", tt.name, got)
		}
	}
}

func FuzzNormalizeItem(f *testing.F) {
	f.Add("<b>Title</b> &amp; more", "<p>Sum<script>x()</script>mary</p>", "/rel?utm_source=x#f", "")
	f.Add("", "", "", "guid")
	f.Add("\x00\xff<<<>>>&#xffffff;", "<style>", "http://[::1", "  ")
	f.Add(strings.Repeat("é<i>", 300), "<img src=x>", "https://e.example/"+strings.Repeat("p", 300), "")
	f.Fuzz(func(t *testing.T, title, content, link, guid string) {
		fi := &gofeed.Item{Title: title, Description: content, Content: content, Link: link, GUID: guid}
		items := Items(&gofeed.Feed{Items: []*gofeed.Item{fi}}, fixtureBase, true)
		if len(items) != 1 {
			t.Fatalf("%d items from one entry", len(items))
		}
		it := items[0]
		for _, s := range []string{it.Title, it.Summary} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
			if s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
				t.Fatalf("whitespace not folded: %q", s)
			}
			if strings.IndexFunc(s, func(r rune) bool { return r != ' ' && (unicode.IsSpace(r) || unicode.IsControl(r)) }) >= 0 {
				t.Fatalf("control or non-space whitespace left: %q", s)
			}
			if len(s) > maxFieldBytes+utf8.UTFMax {
				t.Fatalf("field of %d bytes, over the bound", len(s))
			}
		}
		if strings.Contains(strings.ToLower(it.Summary), "<script") && !strings.Contains(strings.ToLower(content), "&lt;script") {
			t.Fatalf("script tag survived: %q", it.Summary)
		}
		if it.ID == "" || it.ID != Identity(guid, it.Link, it.Title, "") {
			t.Fatalf("identity %q is not Identity of the item", it.ID)
		}
		if again := PlainText(it.Title); again != it.Title && !strings.ContainsAny(it.Title, "<&") {
			t.Fatalf("PlainText is not idempotent on %q: %q", it.Title, again)
		}
	})
}
