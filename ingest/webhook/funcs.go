package webhook

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/ingest"
)

// funcs are the helpers a source template can use on top of text/template's builtins. They take
// any so that payload values (strings, json.Number, "" for null, missing keys) work unconverted.
var funcs = template.FuncMap{
	// truncate N s: at most N characters, the last one "…" when something was cut.
	"truncate": truncate,
	// stripHTML s: text without tags, entities decoded, whitespace tidied.
	"stripHTML": func(v any) string { return stripHTML(str(v)) },
	// firstLine s: the first non-empty line, trimmed (a commit message's subject).
	"firstLine": func(v any) string { return firstLine(str(v)) },
	// default d v: v, or d when v is empty or missing.
	"default": func(d, v any) any {
		if str(v) == "" {
			return d
		}
		return v
	},
	// trim s: s without leading and trailing white space.
	"trim": func(v any) string { return strings.TrimSpace(str(v)) },
	// trimPrefix p s: s without the prefix p ("refs/tags/v1" → "v1").
	"trimPrefix": func(p string, v any) string { return strings.TrimPrefix(str(v), p) },
	// str v: v as text, for comparing a number from the payload with a string.
	"str": str,
}

// str renders a payload value as text.
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

func truncate(n int, v any) string {
	s := str(v)
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return strings.TrimRight(s[:i], " \t\n") + "…"
}

func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

// stripHTML removes tags from a CMS excerpt or a release body. It is a plain scanner, not an
// HTML parser: good enough for text meant to be read, and it never fails. Block-level tags and
// <br> become line breaks; <script> and <style> lose their content.
func stripHTML(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:lt])
		if !startsTag(s[lt+1:]) {
			b.WriteByte('<') // "a < b" is text, not a tag
			s = s[lt+1:]
			continue
		}
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			b.WriteString(s[lt:]) // a lone "<" is text ("a < b")
			break
		}
		tag := strings.ToLower(strings.Trim(s[lt+1:lt+gt], "/ \t\n"))
		name, _, _ := strings.Cut(tag, " ")
		s = s[lt+gt+1:]
		switch name {
		case "br", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote":
			b.WriteByte('\n')
		case "script", "style":
			if end := strings.Index(strings.ToLower(s), "</"+name); end >= 0 {
				s = s[end:]
			}
		}
	}
	return tidySpace(html.UnescapeString(b.String()))
}

// startsTag reports whether the text after a '<' opens a tag, a closing tag or a comment.
func startsTag(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '/' || c == '!' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// tidySpace collapses runs of spaces in each line and runs of blank lines to one.
func tidySpace(s string) string {
	return ingest.Paragraphs(s, func(line string) string { return strings.Join(strings.Fields(line), " ") })
}
