package rss

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/spindle-threads/spindle/ingest"
)

// maxFieldBytes bounds the text kept from one field of an item. A post holds 500
// characters, so nothing past this is ever shown; the bound keeps a huge item (a full
// book chapter in content:encoded) from costing more than it must.
const maxFieldBytes = 16 << 10

// PlainText turns a feed field that may hold HTML into one line of plain text: tags are
// dropped (the text of script, style and similar elements with them), entities decoded,
// and every run of whitespace folded into one space. Text with no HTML tag in it is text,
// angle brackets and all: a title about Rc<RefCell<T>> keeps them.
func PlainText(s string) string {
	return foldSpace(markupText(s, " "))
}

// PlainBlocks is PlainText for a summary or content: it keeps the breaks a reader sees,
// so <br> ends a line and a paragraph, list item or heading is set off by an empty line.
func PlainBlocks(s string) string {
	return foldLines(markupText(s, "\n"))
}

// markupText is the text of s, with sep written where a block element separates words.
func markupText(s, sep string) string {
	s = strings.ToValidUTF8(s, "") // before tokenizing: an invalid byte must not hide a tag
	if !hasMarkup(s) {
		return html.UnescapeString(s)
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not content
	for b.Len() < maxFieldBytes*2 {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch {
			case hiddenElement(string(name)) && tt == html.StartTagToken:
				skip++
			case hiddenElement(string(name)) && tt == html.EndTagToken && skip > 0:
				skip--
			case string(name) == "br":
				b.WriteString(sep)
			case blockElement(string(name)):
				b.WriteString(sep + sep)
			}
		}
	}
	return b.String()
}

// markupTags are the elements whose tags make a field HTML rather than text: what feeds put
// in titles and summaries. A "<" before anything else (Vec<T>, 5 < 6) is text.
var markupTags = map[string]bool{
	"a": true, "abbr": true, "article": true, "b": true, "blockquote": true, "br": true, "cite": true,
	"code": true, "dd": true, "del": true, "div": true, "dl": true, "dt": true, "em": true,
	"figcaption": true, "figure": true, "font": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "hr": true, "i": true, "iframe": true, "img": true, "ins": true,
	"kbd": true, "li": true, "mark": true, "noscript": true, "ol": true, "p": true, "picture": true,
	"pre": true, "q": true, "s": true, "script": true, "section": true, "small": true, "span": true,
	"strong": true, "style": true, "sub": true, "sup": true, "svg": true, "table": true, "tbody": true,
	"td": true, "th": true, "thead": true, "tr": true, "u": true, "ul": true, "video": true,
}

// hasMarkup reports whether s holds an HTML tag, a comment or a CDATA section.
func hasMarkup(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0; i = nextLT(s, i) {
		rest := s[i+1:]
		if strings.HasPrefix(rest, "!--") || strings.HasPrefix(rest, "![CDATA[") {
			return true
		}
		rest = strings.TrimPrefix(rest, "/")
		n := 0
		for n < len(rest) && n < 12 && (isASCIILetter(rest[n]) || (n > 0 && rest[n] >= '1' && rest[n] <= '6')) {
			n++
		}
		if n == 0 || !markupTags[strings.ToLower(rest[:n])] {
			continue
		}
		if n == len(rest) || strings.IndexByte(" \t\r\n/>", rest[n]) >= 0 {
			return true
		}
	}
	return false
}

func nextLT(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '<')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

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

// foldLines is foldSpace line by line: spaces fold within a line, and runs of empty lines
// become one, so paragraphs stay apart without gaps a post would not show.
func foldLines(s string) string {
	joined := ingest.Paragraphs(s, foldSpace)
	if len(joined) > maxFieldBytes {
		return foldSpace(joined) // over the bound anyway: one line, cut by foldSpace
	}
	return joined
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
