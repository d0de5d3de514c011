package rss

import (
	"strings"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// Bounds on what adding a feed stores. The feed's owner types these; the server's answers
// are bounded by boundPoll.
const (
	maxFeedURLLen     = ingest.MaxURLLen
	maxTemplateBytes  = 4 << 10 // a post is 500 characters; 4 KB of template is plenty
	maxFilterTerms    = 50      // per side (include, exclude)
	maxOwnerRefBytes  = ingest.MaxOriginRefBytes
	maxStoredTitle    = 300  // runes of a feed's title, shown in lists and notices
	maxValidatorBytes = 256  // an ETag or Last-Modified worth sending back
	maxLastError      = 1000 // bytes of a poll's error kept for people
)

// checkAddLengths refuses an AddRequest whose stored fields are too long.
func checkAddLengths(r AddRequest, invalid func(field, format string, args ...any)) {
	if n := len(r.URL); n > maxFeedURLLen {
		invalid("url", "the feed URL is %d characters; Spindle takes at most %d", n, maxFeedURLLen)
	}
	if n := len(r.Template); n > maxTemplateBytes {
		invalid("template", "the template is %d bytes; Spindle takes at most %d — a post holds 500 characters", n, maxTemplateBytes)
	}
	if n := max(len(r.Include), len(r.Exclude)); n > maxFilterTerms {
		invalid("filter", "%d filter terms; Spindle takes at most %d include and %d exclude terms", n, maxFilterTerms, maxFilterTerms)
	}
	if n := len(r.Owner.Ref); n > maxOwnerRefBytes {
		invalid("owner", "the chat reference is %d bytes; at most %d", n, maxOwnerRefBytes)
	}
}

// boundPoll keeps what a feed server sent within what is worth storing: a hostile server
// may answer with a megabyte title or ETag. An oversized validator or redirect target is
// dropped (a clipped ETag would never match); a title or error is clipped.
func boundPoll(p storage.FeedPoll) storage.FeedPoll {
	p.Title = clipRunes(p.Title, maxStoredTitle)
	if len(p.ETag) > maxValidatorBytes {
		p.ETag = ""
	}
	if len(p.LastModified) > maxValidatorBytes {
		p.LastModified = ""
	}
	if len(p.NewURL) > maxFeedURLLen {
		p.NewURL = ""
	}
	if len(p.LastError) > maxLastError {
		p.LastError = strings.ToValidUTF8(p.LastError[:maxLastError], "") + "…"
	}
	return p
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
