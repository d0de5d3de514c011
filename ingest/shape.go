package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// AttachLong turns a Long request whose text runs past 500 characters into one post with a
// text attachment: the first part of the text (cut where a chain would cut it) stays the
// post's text and the rest is attached, with the link attachment as the attachment's link
// (Meta refuses a text attachment beside a link attachment). A request that fits, or that
// brings its own attachment, is left alone.
func AttachLong(r Request) Request {
	if !r.Long || r.TextAttachment != nil || threads.CountChars(r.Text) <= threads.MaxTextChars {
		return r
	}
	parts := threads.Split(r.Text, threads.MaxTextChars)
	if len(parts) < 2 {
		return r
	}
	start := strings.Index(r.Text, parts[0])
	end := start + len(parts[0])
	// Spoiler offsets count characters from the start of the text as sent; the lead is
	// trimmed, so they move by the characters trimmed before it.
	shift := utf8.RuneCountInString(r.Text[:start])
	var sp []threads.Spoiler
	for _, s := range r.Spoilers {
		sp = append(sp, threads.Spoiler{Offset: s.Offset - shift, Length: s.Length})
	}
	r.Spoilers = sp
	r.TextAttachment = &threads.TextAttachment{Plaintext: strings.TrimSpace(r.Text[end:]), LinkURL: r.LinkAttachment}
	r.Text, r.LinkAttachment, r.Thread = parts[0], "", false
	return r
}

// checkChainShapes refuses shapes a reply chain cannot carry, and checks spoilers against the
// whole text of a chain (the publisher gives each part the spoilers that fall in it).
func checkChainShapes(r Request) []error {
	if !r.Thread || threads.CountChars(r.Text) <= threads.MaxTextChars {
		return nil
	}
	var errs []error
	if r.Ghost {
		errs = append(errs, &InvalidError{Field: "ghost", Reason: "a ghost post cannot be a thread (every part after the first is a reply) — shorten the text to 500 characters, or send it with --long as one post"})
	}
	if len(r.Spoilers) > threads.MaxSpoilers {
		errs = append(errs, &InvalidError{Field: "spoilers", Reason: fmt.Sprintf(
			"the post has %d spoilers; Threads allows at most %d per post — merge or drop some", len(r.Spoilers), threads.MaxSpoilers)})
	}
	n := utf8.RuneCountInString(r.Text)
	for i, s := range r.Spoilers {
		if s.Offset < 0 || s.Length < 1 || s.Offset+s.Length > n {
			errs = append(errs, &InvalidError{Field: fmt.Sprintf("spoilers[%d]", i), Reason: fmt.Sprintf(
				"spoiler %d (offset %d, length %d) is not inside the text of %d characters — offsets and lengths count characters from 0", i+1, s.Offset, s.Length, n)})
		}
	}
	return errs
}

// shapeOf is the stored shape of r.
func shapeOf(r Request) storage.Shape {
	s := storage.Shape{Poll: r.Poll, SpoilerMedia: r.SpoilerMedia, ReplyControl: r.ReplyControl,
		Ghost: r.Ghost, LocationID: r.LocationID}
	if ta := r.TextAttachment; ta != nil {
		s.TextAttachment = &storage.TextAttachment{Plaintext: ta.Plaintext, LinkURL: ta.LinkURL}
	}
	for _, sp := range r.Spoilers {
		s.Spoilers = append(s.Spoilers, storage.Spoiler{Offset: sp.Offset, Length: sp.Length})
	}
	if g := r.GIF; g != nil {
		s.GIF = &storage.GIF{ID: g.ID, Provider: g.Provider}
	}
	return s
}

// shapeKey is the shape's part of a request digest ("" for a plain post, so digests of plain
// requests are what they were): the same key with another poll is another request.
func shapeKey(r Request) string {
	s := shapeOf(r)
	if s.IsZero() && !r.Long {
		return ""
	}
	b, _ := json.Marshal(struct {
		S    storage.Shape
		Long bool
	}{s, r.Long})
	return string(b)
}

// spoilersInLead splits the spoilers of a long text sent as one post with an attachment: those
// in the post's own text are kept; one in the attached part is refused with what to do, since
// Threads hides spoilers only in a post's text.
func spoilersInLead(r Request) ([]threads.Spoiler, []error) {
	var kept []threads.Spoiler
	var errs []error
	n := utf8.RuneCountInString(r.Text)
	for i, s := range r.Spoilers {
		if s.Offset >= 0 && s.Offset+s.Length <= n {
			kept = append(kept, s)
			continue
		}
		errs = append(errs, &InvalidError{Field: fmt.Sprintf("spoilers[%d]", i), Reason: fmt.Sprintf(
			"spoiler %d falls in the part of the long text that goes out attached (after character %d), and Threads hides spoilers only in the post's own text — "+
				"move it into the first %d characters, or send the text as a thread", i+1, n, n)})
	}
	return kept, errs
}
