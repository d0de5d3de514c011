package rss

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
)

func mustTemplate(t testing.TB, src string) *Template {
	t.Helper()
	tmpl, err := CompileTemplate(src)
	if err != nil {
		t.Fatalf("CompileTemplate(%q): %v", src, err)
	}
	return tmpl
}

func TestCompileTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"{{.Title":                               "unclosed action",
		"{{.Nope}}":                              "Nope",
		"{{.Title | nosuchfunc}}":                "nosuchfunc",
		"{{range .Title}}x{{end}}":               "{{range}} is not allowed",
		"{{if .Title}}{{range 9}}{{end}}{{end}}": "{{range}} is not allowed",
		`{{define "x"}}a{{end}}{{template "x"}}`: "{{template}} is not allowed",
		`{{printf "%099999d" 1}}`:                "width or precision",
	}
	for src, want := range tests {
		_, err := CompileTemplate(src)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "feed template: ") {
			t.Errorf("CompileTemplate(%q) = %v, want an error about %q", src, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "template: feed:") {
			t.Errorf("error %q leaks text/template's internal name", err)
		}
	}
	for _, ok := range []string{"", DefaultTemplate, "{{.FeedTitle}}: {{.Title}} ({{.Author}}) {{.Published.Format \"2006-01-02\"}}\n{{.Summary}}\n{{.Link}}",
		`{{with .Summary}}{{.}}{{else}}{{$.Title}}{{end}} {{.Link}}`, `{{printf "%s — %s" .Title .Link}}`} {
		if _, err := CompileTemplate(ok); err != nil {
			t.Errorf("CompileTemplate(%q): %v", ok, err)
		}
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	link := "https://blog.example.com/2026/01/a-post-with-a-long-slug-that-is-quite-long/"
	long := strings.Repeat("word ", 200) // 1000 characters
	manyLinks := "see https://a.example/1 https://a.example/2 and https://a.example/3, https://a.example/4 " +
		"https://a.example/5 (https://a.example/6) https://a.example/7 end"
	tests := []struct {
		name, tmpl string
		d          TemplateData
		want       string   // exact, when set
		contains   []string // substrings that must appear
		absent     []string // substrings that must not
		maxLinks   int      // 0: threads.MaxLinks
	}{
		{name: "fits as is", tmpl: DefaultTemplate, d: TemplateData{Title: "Hello", Link: link},
			want: "Hello\n\n" + link},
		{name: "empty title", tmpl: DefaultTemplate, d: TemplateData{Link: link}, want: link},
		{name: "long title shortened at a word", tmpl: DefaultTemplate, d: TemplateData{Title: long, Link: link},
			contains: []string{"word…\n\n" + link}},
		{name: "summary goes before title", tmpl: "{{.Title}}\n{{.Summary}}\n{{.Link}}",
			d:        TemplateData{Title: "Keep me whole", Summary: long, Link: link},
			contains: []string{"Keep me whole\nword word", "…\n" + link}},
		{name: "extra links dropped from the summary, item link kept", tmpl: "{{.Summary}} {{.Link}}",
			d:        TemplateData{Summary: manyLinks, Link: link},
			contains: []string{"https://a.example/1", "https://a.example/4", link, "end"},
			absent:   []string{"https://a.example/5", "https://a.example/7"}},
		{name: "url in summary never cut", tmpl: "{{.Summary}}\n{{.Link}}",
			d:      TemplateData{Summary: strings.Repeat("x", 430) + " https://other.example/" + strings.Repeat("p", 40) + " tail", Link: "https://s.example/1"},
			absent: []string{"https://other.example/p"}, contains: []string{"…\nhttps://s.example/1"}},
		{name: "emoji counted by bytes", tmpl: DefaultTemplate,
			d:        TemplateData{Title: strings.Repeat("👍", 200), Link: link},
			contains: []string{"👍…\n\n" + link}},
		{name: "flag never split", tmpl: DefaultTemplate,
			d:        TemplateData{Title: strings.Repeat("🇫🇷", 100), Link: link},
			contains: []string{"🇫🇷…\n\n" + link}},
		{name: "template text too long falls back to the default", tmpl: strings.Repeat("=", 600) + "{{.Title}} {{.Link}}",
			d: TemplateData{Title: "T", Link: link}, want: "T\n\n" + link},
		{name: "link alone over the limit is left out", tmpl: DefaultTemplate,
			d:    TemplateData{Title: "Short", Link: "https://x.example/" + strings.Repeat("a", 600)},
			want: "Short"},
		{name: "feed title and author used", tmpl: "[{{.FeedTitle}}] {{.Title}} by {{.Author}} on {{.Published.Format \"Jan 2\"}}\n{{.Link}}",
			d:    TemplateData{FeedTitle: "Blog", Title: "T", Author: "Ada", Published: time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC), Link: link},
			want: "[Blog] T by Ada on Jan 6\n" + link},
		{name: "blank summary line folded", tmpl: "{{.Title}}\n\n{{.Summary}}\n\n{{.Link}}",
			d: TemplateData{Title: "T", Link: link}, want: "T\n\n" + link},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustTemplate(t, tt.tmpl).Fit(tt.d)
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			if n := threads.CountChars(got); n > threads.MaxTextChars {
				t.Errorf("CountChars = %d, over %d: %q", n, threads.MaxTextChars, got)
			}
			if n := len(threads.Links(got)); n > threads.MaxLinks {
				t.Errorf("%d links, over %d: %q", n, threads.MaxLinks, got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("Fit = %q, want %q", got, tt.want)
			}
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("Fit = %q, want it to contain %q", got, s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(got, s) {
					t.Errorf("Fit = %q, want no %q", got, s)
				}
			}
		})
	}
}

func TestFitUsesTheWholeBudget(t *testing.T) {
	t.Parallel()
	// A shortened title should leave little room unused: the cut is the longest that fits,
	// moved back at most to a word start.
	link := "https://e.example/p"
	got, err := mustTemplate(t, DefaultTemplate).Fit(TemplateData{Title: strings.Repeat("abcdefghi ", 100), Link: link})
	if err != nil {
		t.Fatal(err)
	}
	if n := threads.CountChars(got); n < threads.MaxTextChars-12 || n > threads.MaxTextChars {
		t.Errorf("CountChars = %d, want close to %d: %q", n, threads.MaxTextChars, got)
	}
}

func FuzzFit(f *testing.F) {
	f.Add(DefaultTemplate, "Title", "Summary", "https://example.com/a")
	f.Add("{{.Summary}} {{.Link}} {{.Title}}", strings.Repeat("🇯🇵", 300), strings.Repeat("https://x.example/a ", 20), "https://example.com/b")
	f.Add("{{.Title}}\n{{.Summary}}\n{{.Link}}", strings.Repeat("e\u0301", 600), "a.b https://c.d/e) x", "https://example.com/"+strings.Repeat("z", 480))
	f.Add("https://t1.example https://t2.example https://t3.example https://t4.example https://t5.example {{.Title}} {{.Link}}", "x", "y", "https://example.com/c")
	f.Add("{{.Link}}{{.Link}}", "👨‍👩‍👧", "", "http://a.b")
	f.Fuzz(func(t *testing.T, src, title, summary, link string) {
		tmpl, err := CompileTemplate(src)
		if err != nil {
			return
		}
		d := TemplateData{Title: PlainText(title), Summary: PlainText(summary), Link: link}
		got, err := tmpl.Fit(d)
		if err != nil {
			// Only a template that fails on real data may error (e.g. {{index .Title 99}}).
			if _, rerr := tmpl.render(d); rerr == nil {
				t.Fatalf("Fit(%q): %v, but the template renders", src, err)
			}
			return
		}
		if n := threads.CountChars(got); n > threads.MaxTextChars {
			t.Fatalf("CountChars = %d > %d: %q", n, threads.MaxTextChars, got)
		}
		cleanLink := len(threads.Links(link)) == 1 && threads.Links(link)[0] == link
		bare, _ := tmpl.render(TemplateData{Link: link}) // does this template show the link at all?
		if cleanLink && strings.Contains(bare, link) && threads.CountChars(link) <= threads.MaxTextChars && !strings.Contains(got, link) {
			t.Fatalf("link %q fits alone but is missing from %q", link, got)
		}
		if cleanLink && len(threads.Links(got)) > threads.MaxLinks {
			t.Fatalf("%d links: %q", len(threads.Links(got)), got)
		}
	})
}

func ExampleTemplate_Fit() {
	tmpl, _ := CompileTemplate("{{.Title}} — {{.FeedTitle}}\n\n{{.Link}}")
	text, _ := tmpl.Fit(TemplateData{Title: "Release v1.2", FeedTitle: "Spindle blog", Link: "https://example.com/v1.2"})
	fmt.Println(text)
	// Output:
	// Release v1.2 — Spindle blog
	//
	// https://example.com/v1.2
}
