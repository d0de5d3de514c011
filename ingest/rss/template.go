package rss

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// DefaultTemplate is the text of a feed post unless the feed has its own template.
const DefaultTemplate = "{{.Title}}\n\n{{.Link}}"

// maxTemplateOutput bounds one rendering: a post holds 500 characters, and a template that
// writes megabytes is a mistake (or an attack from a chat command) to stop early.
const maxTemplateOutput = 64 << 10

// TemplateData is what a feed template sees. All strings are plain text.
type TemplateData struct {
	Title     string
	Link      string
	Summary   string
	Author    string
	FeedTitle string
	Published time.Time // zero when the feed gives no date
}

// Template is a compiled feed template. It is safe for concurrent use.
type Template struct {
	tmpl *template.Template
	src  string
}

// String returns the template's source.
func (t *Template) String() string { return t.src }

// wideVerb finds a printf width or precision of more than three digits.
var wideVerb = regexp.MustCompile(`%[-+# 0]*(\d{4,}|[\d*]*\.\d{4,})`)

// templateFuncs replaces printf so that a huge width ("%0999999999d") cannot allocate
// without bound before the output limit is reached.
var templateFuncs = template.FuncMap{
	"printf": func(format string, args ...any) (string, error) {
		if wideVerb.MatchString(format) {
			return "", errors.New("printf width or precision over 999")
		}
		return fmt.Sprintf(format, args...), nil
	},
}

// CompileTemplate parses a feed template (Go text/template over TemplateData: {{.Title}},
// {{.Link}}, {{.Summary}}, {{.Author}}, {{.FeedTitle}}, {{.Published}}) and tries it on a
// sample item, so an unknown field or a bad call is reported when the feed is added, not at
// its first new item. range and template calls are refused: a post needs neither, and an
// unbounded range from a chat command would stall the poller. An empty source means
// DefaultTemplate.
func CompileTemplate(src string) (*Template, error) {
	if strings.TrimSpace(src) == "" {
		src = DefaultTemplate
	}
	tmpl, err := template.New("feed").Funcs(templateFuncs).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("feed template: %w (fields are {{.Title}}, {{.Link}}, {{.Summary}}, "+
			"{{.Author}}, {{.FeedTitle}}, {{.Published}})", trimTemplateErr(err))
	}
	for _, t := range tmpl.Templates() {
		if t.Tree == nil {
			continue
		}
		if what := forbiddenNode(t.Tree.Root); what != "" {
			return nil, fmt.Errorf("feed template: %s is not allowed in a feed template", what)
		}
	}
	t := &Template{tmpl: tmpl, src: src}
	sample := TemplateData{Title: "Title", Link: "https://example.com/post", Summary: "Summary",
		Author: "Author", FeedTitle: "Feed", Published: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if _, err := t.render(sample); err != nil {
		return nil, fmt.Errorf("feed template: %w (fields are {{.Title}}, {{.Link}}, {{.Summary}}, "+
			"{{.Author}}, {{.FeedTitle}}, {{.Published}})", trimTemplateErr(err))
	}
	return t, nil
}

// trimTemplateErr drops text/template's "template: feed:" prefix, which means nothing to the
// person who typed the template.
func trimTemplateErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "template: ")
	msg = strings.TrimPrefix(msg, "feed:")
	return errors.New(strings.TrimSpace(msg))
}

// forbiddenNode names the first range or template call in a parse tree.
func forbiddenNode(n parse.Node) string {
	switch n := n.(type) {
	case *parse.RangeNode:
		return "{{range}}"
	case *parse.TemplateNode:
		return "{{template}}"
	case *parse.ListNode:
		if n == nil {
			return ""
		}
		for _, c := range n.Nodes {
			if what := forbiddenNode(c); what != "" {
				return what
			}
		}
	case *parse.IfNode:
		return firstForbidden(n.List, n.ElseList)
	case *parse.WithNode:
		return firstForbidden(n.List, n.ElseList)
	}
	return ""
}

func firstForbidden(lists ...*parse.ListNode) string {
	for _, l := range lists {
		if l == nil {
			continue
		}
		if what := forbiddenNode(l); what != "" {
			return what
		}
	}
	return ""
}

// render executes the template, trims the result and folds runs of blank lines (an empty
// {{.Summary}} line) into one.
func (t *Template) render(d TemplateData) (string, error) {
	w := &limitedBuilder{limit: maxTemplateOutput}
	if err := t.tmpl.Execute(w, d); err != nil {
		return "", err
	}
	return tidyLines(w.b.String()), nil
}

// tidyLines trims trailing spaces from lines, drops leading and trailing blank lines and
// keeps at most one blank line in a row.
func tidyLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			blank++
			continue
		}
		if blank > 0 && len(out) > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

var errTemplateOutput = fmt.Errorf("template output over %d bytes", maxTemplateOutput)

type limitedBuilder struct {
	b     strings.Builder
	limit int
}

func (w *limitedBuilder) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.limit {
		return 0, errTemplateOutput
	}
	return w.b.Write(p)
}
