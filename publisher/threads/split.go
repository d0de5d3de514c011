package threads

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Split breaks text into parts that each count at most limit characters by
// CountChars, so that a long text can be posted as a thread of replies.
//
// It prefers to break between paragraphs (a blank line), then between
// sentences, then between words; only a single word longer than limit is
// cut, between grapheme clusters. A URL is never cut: a URL longer than limit
// becomes a part of its own, over the limit, for Validate to refuse with a
// reason. Parts are trimmed of surrounding whitespace and keep the order of
// the text. A text that already fits comes back as one part; a blank text
// gives no parts. A limit below 1 means MaxTextChars.
func Split(text string, limit int) []string {
	if limit < 1 {
		limit = MaxTextChars
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	return splitLevel(text, limit, levelParagraph)
}

// Split levels, coarsest first.
const (
	levelParagraph = iota
	levelSentence
	levelWord
	levelCluster
)

// splitLevel splits text (already trimmed) at the given level, descending to
// finer levels for segments that do not fit on their own.
func splitLevel(text string, limit, level int) []string {
	if CountChars(text) <= limit {
		return []string{text}
	}
	if level == levelCluster {
		return hardCut(text, limit)
	}
	segs := segments(text, level)
	var parts []string
	var cur strings.Builder
	flush := func() {
		if p := strings.TrimSpace(cur.String()); p != "" {
			parts = append(parts, p)
		}
		cur.Reset()
	}
	for _, seg := range segs {
		if CountChars(strings.TrimSpace(cur.String()+seg)) <= limit {
			cur.WriteString(seg)
			continue
		}
		flush()
		t := strings.TrimSpace(seg)
		if t == "" {
			continue
		}
		if CountChars(t) <= limit {
			cur.WriteString(seg)
			continue
		}
		sub := splitLevel(t, limit, level+1)
		parts = append(parts, sub[:len(sub)-1]...)
		// The last piece may still share a part with what follows; keep the
		// whitespace that separated the segment from the next one.
		cur.WriteString(sub[len(sub)-1])
		cur.WriteString(seg[len(strings.TrimRightFunc(seg, unicode.IsSpace)):])
	}
	flush()
	return parts
}

// segments cuts text into contiguous pieces at the boundaries of level; the
// pieces concatenate back to text. Boundaries inside a URL are dropped.
func segments(text string, level int) []string {
	var cuts []int // byte offsets where a new segment starts
	switch level {
	case levelParagraph:
		cuts = paragraphCuts(text)
	case levelSentence:
		state, off := -1, 0
		rest := text
		for len(rest) > 0 {
			var s string
			s, rest, state = uniseg.FirstSentenceInString(rest, state)
			off += len(s)
			if off < len(text) {
				cuts = append(cuts, off)
			}
		}
	case levelWord:
		cuts = wordCuts(text)
	}
	spans := urlSpans(text)
	var segs []string
	start := 0
	for _, c := range cuts {
		if insideSpan(c, spans) || c <= start {
			continue
		}
		segs = append(segs, text[start:c])
		start = c
	}
	return append(segs, text[start:])
}

// paragraphCuts returns the offsets just after each run of whitespace that
// holds two or more line breaks.
func paragraphCuts(text string) []int {
	var cuts []int
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsSpace(r) {
			i += size
			continue
		}
		j, newlines := i, 0
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsSpace(r) {
				break
			}
			if r == '\n' {
				newlines++
			}
			j += size
		}
		if newlines >= 2 && j < len(text) {
			cuts = append(cuts, j)
		}
		i = j
	}
	return cuts
}

// wordCuts returns the offsets where each whitespace-separated word starts.
func wordCuts(text string) []int {
	var cuts []int
	prevSpace := false
	for i, r := range text {
		sp := unicode.IsSpace(r)
		if prevSpace && !sp && i > 0 {
			cuts = append(cuts, i)
		}
		prevSpace = sp
	}
	return cuts
}

func insideSpan(off int, spans [][2]int) bool {
	for _, sp := range spans {
		if off > sp[0] && off < sp[1] {
			return true
		}
	}
	return false
}

// hardCut cuts a single word between grapheme clusters, unless the word is or
// contains a URL, which is kept whole.
func hardCut(word string, limit int) []string {
	if len(urlSpans(word)) > 0 {
		return []string{word}
	}
	var parts []string
	var cur strings.Builder
	n := 0 // CountChars(cur.String()), kept as a running sum of its clusters
	state := -1
	rest := word
	for len(rest) > 0 {
		var cl string
		cl, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		w := CountChars(cl)
		if cur.Len() > 0 && n+w > limit {
			parts = append(parts, cur.String())
			cur.Reset()
			n = 0
		}
		cur.WriteString(cl)
		n += w
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	return parts
}
