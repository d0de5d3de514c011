package rss

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// errCannotFit means the template's own text, without any item text, is over Threads'
// limits.
var errCannotFit = errors.New("the template's own text is over 500 characters or 5 links")

// Fit renders an item and fits the text to Threads' limits: at most threads.MaxTextChars by
// threads.CountChars and at most threads.MaxLinks links. Extra links are dropped from the
// summary (then title, author, feed title), never the item link; then the summary, title,
// author and feed title, in that order, are shortened with "…" at a word boundary, never
// inside a URL. The item link is never cut: a link that alone is over the limit is left out
// of the text (the caller attaches it instead). If the template's own text cannot fit, the
// item is rendered with DefaultTemplate.
func (t *Template) Fit(d TemplateData) (string, error) {
	if threads.CountChars(d.Link) > threads.MaxTextChars {
		d.Link = ""
	}
	d.Title, d.Summary = preTrim(d.Title), preTrim(d.Summary)
	d.Author, d.FeedTitle = preTrim(d.Author), preTrim(d.FeedTitle)
	text, err := t.fit(d)
	if errors.Is(err, errCannotFit) && t.src != DefaultTemplate {
		def, cerr := CompileTemplate(DefaultTemplate)
		if cerr != nil {
			return "", cerr
		}
		return def.fit(d)
	}
	return text, err
}

// preTrim shortens a field to what could ever be shown, so the fitting below works on
// at most a post's worth of text whatever the feed sent.
func preTrim(s string) string {
	sh := newShortener(s)
	return sh.cut(threads.MaxTextChars)
}

func (t *Template) fit(d TemplateData) (string, error) {
	fields := []*string{&d.Summary, &d.Title, &d.Author, &d.FeedTitle}
	text, err := t.render(d)
	if err != nil {
		return "", fmt.Errorf("render feed template: %w", err)
	}
	for _, f := range fields {
		if len(threads.Links(text)) <= threads.MaxLinks {
			break
		}
		for len(threads.Links(text)) > threads.MaxLinks && dropLastLinkWord(f) {
			if text, err = t.render(d); err != nil {
				return "", fmt.Errorf("render feed template: %w", err)
			}
		}
	}
	if len(threads.Links(text)) > threads.MaxLinks {
		return "", errCannotFit
	}
	for _, f := range fields {
		if threads.CountChars(text) <= threads.MaxTextChars {
			return text, nil
		}
		if text, err = t.shorten(&d, f); err != nil {
			return "", err
		}
	}
	if threads.CountChars(text) > threads.MaxTextChars {
		return "", errCannotFit
	}
	return text, nil
}

// shorten cuts *f to the longest prefix with which the rendering fits (possibly empty) and
// returns that rendering.
func (t *Template) shorten(d *TemplateData, f *string) (string, error) {
	sh := newShortener(*f)
	lo, hi := 0, len(sh.ends) // invariant: cut(hi) does not fit, or hi == len
	best := ""
	for lo <= hi {
		mid := (lo + hi) / 2
		*f = sh.cut(mid)
		text, err := t.render(*d)
		if err != nil {
			return "", fmt.Errorf("render feed template: %w", err)
		}
		if threads.CountChars(text) <= threads.MaxTextChars {
			best, lo = *f, mid+1
		} else {
			hi = mid - 1
		}
	}
	*f = best
	return t.render(*d)
}

// dropLastLinkWord removes the last space-separated word of *f that holds a link and
// reports whether there was one. Feed text is whitespace-folded, so a word is a URL with
// whatever punctuation clings to it.
func dropLastLinkWord(f *string) bool {
	words := strings.Split(*f, " ")
	for i := len(words) - 1; i >= 0; i-- {
		if len(threads.Links(words[i])) > 0 {
			*f = strings.Join(append(words[:i:i], words[i+1:]...), " ")
			return true
		}
	}
	return false
}

// shortener cuts one string at grapheme cluster boundaries, so an emoji or a letter with
// its accents is never split.
type shortener struct {
	s     string
	ends  []int    // byte offset just past each grapheme cluster
	links [][2]int // byte spans of the words holding a link
}

func newShortener(s string) *shortener { return newShortenerUpTo(s, 4*threads.MaxTextChars) }

// newShortenerUpTo is newShortener for cuts of up to max clusters (FitLong's are longer).
func newShortenerUpTo(s string, limit int) *shortener {
	sh := &shortener{s: s}
	state, off, rest := -1, 0, s
	for len(rest) > 0 {
		var c string
		c, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		off += len(c)
		sh.ends = append(sh.ends, off)
		if len(sh.ends) > limit { // never needed: stop scanning huge text
			break
		}
	}
	start := 0
	for _, w := range strings.SplitAfter(s, " ") {
		if len(threads.Links(w)) > 0 {
			sh.links = append(sh.links, [2]int{start, start + len(w)})
		}
		start += len(w)
	}
	return sh
}

// cut keeps the first n grapheme clusters and adds "…" when anything was dropped. A cut
// inside a word that holds a link moves before that word; a cut inside another word moves
// back to the word's start when that start is near.
func (sh *shortener) cut(n int) string {
	if n >= len(sh.ends) && sh.ends != nil && sh.ends[len(sh.ends)-1] == len(sh.s) {
		return sh.s
	}
	if n <= 0 || len(sh.ends) == 0 {
		return ""
	}
	pos := sh.ends[min(n, len(sh.ends))-1]
	for _, sp := range sh.links {
		if pos > sp[0] && pos < sp[1] {
			pos = sp[0]
		}
	}
	if pos < len(sh.s) && sh.s[pos] != ' ' {
		if j := strings.LastIndexByte(sh.s[:pos], ' '); j > 0 && pos-j <= 30 {
			pos = j
		}
	}
	kept := strings.TrimRight(sh.s[:pos], " ,;:-–—")
	if kept == "" {
		return ""
	}
	if last := kept[strings.LastIndexByte(kept, ' ')+1:]; len(threads.Links(last)) > 0 {
		return kept + " …" // glued to a URL, the ellipsis would become part of it
	}
	return kept + "…"
}
