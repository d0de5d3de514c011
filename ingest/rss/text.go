package rss

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// maxFieldBytes bounds the text kept from one field of an item. A post holds 500
// characters, so nothing past this is ever shown; the bound keeps a huge item (a full
// book chapter in content:encoded) from costing more than it must.
const maxFieldBytes = 16 << 10

// PlainText turns a feed field that may hold HTML into one line of plain text: tags are
// dropped (the text of script, style and similar elements with them), entities decoded,
// and every run of whitespace folded into one space.
func PlainText(s string) string {
	s = strings.ToValidUTF8(s, "") // before tokenizing: an invalid byte must not hide a tag
	if !strings.Contains(s, "<") {
		return foldSpace(html.UnescapeString(s))
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not content
	for b.Len() < maxFieldBytes*2 {
		switch z.Next() {
		case html.ErrorToken:
			return foldSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			if hiddenElement(string(name)) {
				skip++
			} else if blockElement(string(name)) {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if hiddenElement(string(name)) && skip > 0 {
				skip--
			} else if blockElement(string(name)) {
				b.WriteByte(' ')
			}
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			if blockElement(string(name)) {
				b.WriteByte(' ')
			}
		}
	}
	return foldSpace(b.String())
}

// hiddenElement reports elements whose text a reader never sees as content.
func hiddenElement(name string) bool {
	switch name {
	case "script", "style", "noscript", "template", "iframe", "object", "svg":
		return true
	}
	return false
}

// blockElement reports elements that separate words, so "<p>a</p><p>b</p>" reads "a b".
func blockElement(name string) bool {
	switch name {
	case "br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "blockquote", "pre",
		"h1", "h2", "h3", "h4", "h5", "h6", "hr", "section", "article", "figure", "figcaption", "dd", "dt":
		return true
	}
	return false
}

// foldSpace trims s, folds whitespace runs to one space, drops control and invalid bytes,
// and bounds the result to maxFieldBytes.
func foldSpace(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), maxFieldBytes))
	space := false
	for _, r := range s {
		if b.Len() >= maxFieldBytes {
			break
		}
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == utf8.RuneError || unicode.IsControl(r) || r == 0x200B || r == 0xFEFF:
			continue // invalid bytes, controls, zero-width space and stray byte-order marks
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// firstImg returns the src of the first <img> in an HTML fragment.
func firstImg(s string) string {
	if !strings.Contains(s, "<") {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "img" {
				continue
			}
			for hasAttr {
				var key, val []byte
				key, val, hasAttr = z.TagAttr()
				if string(key) == "src" && len(strings.TrimSpace(string(val))) > 0 {
					return strings.TrimSpace(string(val))
				}
			}
		}
	}
}
