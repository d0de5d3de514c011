package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// MaxThreadParts caps how many posts one request may become when its text is split into a
// reply chain. Without it one webhook delivery of 1 MiB became about 2,000 replies: twice an
// account's daily reply quota, stalling every other post of the account for a day. Twenty
// parts is about 10,000 characters, a long article; more belongs behind a link.
const MaxThreadParts = 20

// checkThreadParts refuses a thread that would split into more than MaxThreadParts posts.
func checkThreadParts(r Request) error {
	if !r.Thread || threads.CountChars(r.Text) <= threads.MaxTextChars {
		return nil
	}
	n := len(threads.Split(r.Text, threads.MaxTextChars))
	if n <= MaxThreadParts {
		return nil
	}
	return &InvalidError{Field: "text", Limit: MaxThreadParts, Reason: fmt.Sprintf(
		"the text would become a thread of %d posts; Spindle posts at most %d (about %d characters) — "+
			"shorten it, or post a link to the full text", n, MaxThreadParts, MaxThreadParts*threads.MaxTextChars)}
}

// Length limits on fields that are stored with a post and shown back (status page, logs,
// chat). Threads' own rules bound the text, alt text and topic tag; these bound the rest, so
// no door can store kilobytes of whatever in a field nobody reads in full.
const (
	// MaxURLLen bounds a media URL and a link attachment; browsers and CDNs stop near it.
	MaxURLLen = 2048
	// MaxMediaIDLen bounds reply-to and quote ids: Threads media ids are about 18 digits.
	MaxMediaIDLen = 32
	// MaxOriginRefBytes bounds a door's stored reply address (a chat, a callback URL).
	MaxOriginRefBytes = 8 << 10
)

// checkLengths refuses fields over the stored-length limits.
func checkLengths(r Request) []error {
	var errs []error
	tooLong := func(field string, n, limit int, what string) {
		errs = append(errs, &InvalidError{Field: field, Limit: limit, Reason: fmt.Sprintf(
			"%s is %d characters; Spindle takes at most %d — shorten it", what, n, limit)})
	}
	for i, m := range r.Media {
		if len(m.URL) > MaxURLLen {
			tooLong(fmt.Sprintf("media[%d].url", i), len(m.URL), MaxURLLen, fmt.Sprintf("the URL of media item %d", i+1))
		}
	}
	if len(r.LinkAttachment) > MaxURLLen {
		tooLong("link_attachment", len(r.LinkAttachment), MaxURLLen, "the link attachment")
	}
	if len(r.ReplyToID) > MaxMediaIDLen {
		tooLong("reply_to_id", len(r.ReplyToID), MaxMediaIDLen, "the reply-to id")
	}
	if len(r.QuoteID) > MaxMediaIDLen {
		tooLong("quote_post_id", len(r.QuoteID), MaxMediaIDLen, "the quoted post id")
	}
	if len(r.Origin.Ref) > MaxOriginRefBytes {
		tooLong("origin", len(r.Origin.Ref), MaxOriginRefBytes, "the reply address")
	}
	return errs
}

// checkMediaURLs asks the configured check (netguard's, in serve) about each media URL, so
// an image on a private address is refused when sent rather than failing at publish time.
func (s *Service) checkMediaURLs(r Request) []error {
	if s.mediaURL == nil {
		return nil
	}
	var errs []error
	for i, m := range r.Media {
		if err := s.mediaURL(m.URL); err != nil {
			errs = append(errs, &InvalidError{Field: fmt.Sprintf("media[%d].url", i), Reason: fmt.Sprintf(
				"media item %d cannot be fetched: %v", i+1, err)})
		}
	}
	return errs
}

// probeMedia asks the configured probe about every media item at once; the answers are joined
// InvalidErrors naming the item, so the door refuses the request with the reason.
func (s *Service) probeMedia(ctx context.Context, r Request) error {
	if s.probe == nil || len(r.Media) == 0 {
		return nil
	}
	errs := make([]error, len(r.Media))
	var wg sync.WaitGroup
	for i, m := range r.Media {
		wg.Go(func() {
			if err := s.probe(ctx, string(m.Kind), m.URL); err != nil {
				errs[i] = &InvalidError{Field: fmt.Sprintf("media[%d].url", i), Reason: fmt.Sprintf("media item %d: %v", i+1, err)}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
