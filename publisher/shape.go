package publisher

import (
	"strings"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// withShape puts the post's shapes on part i's container. Reply control holds for every part
// of a chain (who may answer the thread); spoilers go to the part whose text holds them,
// rebased to it; every other shape belongs to the first post only.
func withShape(c *threads.Container, post storage.Post, texts []string, i int) {
	sh := post.Shape
	c.ReplyControl = sh.ReplyControl
	c.Spoilers = partSpoilers(post.Text, texts, i, sh.Spoilers)
	if i != 0 {
		return
	}
	c.Poll, c.SpoilerMedia, c.Ghost, c.LocationID = sh.Poll, sh.SpoilerMedia, sh.Ghost, sh.LocationID
	if ta := sh.TextAttachment; ta != nil {
		c.TextAttachment = &threads.TextAttachment{Plaintext: ta.Plaintext, LinkURL: ta.LinkURL}
	}
	if g := sh.GIF; g != nil {
		c.GIF = &threads.GIF{ID: g.ID, Provider: g.Provider}
	}
}

// partSpoilers returns the spoilers of text that fall in part i of texts (the parts Split cut
// it into, in order), with offsets counted from the part's start. A spoiler that runs over a
// cut is clipped to each part it touches; the whitespace Split trimmed hides nothing.
func partSpoilers(text string, texts []string, i int, all []storage.Spoiler) []threads.Spoiler {
	if len(all) == 0 {
		return nil
	}
	if len(texts) == 1 {
		out := make([]threads.Spoiler, 0, len(all))
		for _, s := range all {
			out = append(out, threads.Spoiler{Offset: s.Offset, Length: s.Length})
		}
		return out
	}
	// Find part i in the text (parts are trimmed substrings, in order), in characters.
	at := 0
	var start int
	for k := 0; k <= i; k++ {
		idx := strings.Index(text[at:], texts[k])
		if idx < 0 {
			return nil // not a substring: nothing can be placed safely
		}
		start = at + idx
		at = start + len(texts[k])
	}
	from := utf8.RuneCountInString(text[:start])
	to := from + utf8.RuneCountInString(texts[i])
	var out []threads.Spoiler
	for _, s := range all {
		lo, hi := max(s.Offset, from), min(s.Offset+s.Length, to)
		if lo < hi {
			out = append(out, threads.Spoiler{Offset: lo - from, Length: hi - lo})
		}
	}
	return out
}
