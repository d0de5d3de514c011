package rss

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	gorss "github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"
)

// Errors a document can be refused with. Match them with errors.Is.
var (
	// ErrNotAFeed means the document is not RSS, Atom or JSON Feed at all: typically an
	// HTML page (a site's home page, a login page, a bot wall) served with 200.
	ErrNotAFeed = errors.New("not a feed")
	// ErrInvalidFeed means the document looks like a feed but is malformed.
	ErrInvalidFeed = errors.New("invalid feed")
)

// prologRewriteAt is how many bytes of leading comments and processing instructions make
// ParseFeed move the root element forward: gofeed detects the format from the first 4096
// bytes only, and some generators put a long licence comment first.
const prologRewriteAt = 1024

// NewParser returns the gofeed parser ParseFeed expects: it keeps the original RSS feed so
// that <ttl> can be read, and skips gofeed's image scan of item HTML. With gofeed ≥ v1.4.0 one parser may be shared by goroutines.
func NewParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	// Items finds images itself, only for feeds that opted in; gofeed's scan parses every
	// item's HTML into a DOM and was most of a poll round's allocations.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p
}

// ParseFeed parses an RSS 0.9x/1.0/2.0, Atom or JSON Feed document with p. contentType is
// the response's Content-Type: its charset decodes the document (RFC 7303: it outranks the
// XML declaration), and it explains a failure. Errors match ErrNotAFeed or
// ErrInvalidFeed and say what the person adding the feed can do.
func ParseFeed(p *gofeed.Parser, body []byte, contentType string) (*gofeed.Feed, error) {
	body = moveRootForward(toUTF8(body, contentType))
	feed, err := p.Parse(bytes.NewReader(body))
	switch {
	case err == nil:
		return feed, nil
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		if looksLikeHTML(body, contentType) {
			return nil, fmt.Errorf("%w: the URL serves a web page (HTML), not RSS, Atom or JSON Feed; "+
				"use the feed's own URL (the site's RSS or Atom link)", ErrNotAFeed)
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, fmt.Errorf("%w: the server sent an empty document; check the feed URL", ErrNotAFeed)
		}
		return nil, fmt.Errorf("%w: the document is not RSS, Atom or JSON Feed (content type %q); "+
			"check the feed URL", ErrNotAFeed, contentType)
	default:
		return nil, fmt.Errorf("%w: the publisher's feed is malformed (%s); only its publisher can fix it",
			ErrInvalidFeed, shortErr(err))
	}
}

// shortErr keeps a parser error readable in a chat message.
func shortErr(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

func looksLikeHTML(body []byte, contentType string) bool {
	if strings.Contains(strings.ToLower(contentType), "html") {
		return true
	}
	head := bytes.ToLower(body[:min(len(body), 1024)])
	return bytes.Contains(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html"))
}

// moveRootForward drops comments, processing instructions and a DOCTYPE before the root
// element when they are long enough to push it out of gofeed's detection window. The XML
// declaration is kept: it may name the encoding.
func moveRootForward(body []byte) []byte {
	rest := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	var decl []byte
	rest = bytes.TrimLeft(rest, " \t\r\n")
	if bytes.HasPrefix(rest, []byte("<?xml ")) || bytes.HasPrefix(rest, []byte("<?xml?")) {
		end := bytes.Index(rest, []byte("?>"))
		if end < 0 {
			return body
		}
		decl, rest = rest[:end+2], rest[end+2:]
	}
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		end := prologEnd(rest)
		if end <= 0 {
			break
		}
		rest = rest[end:]
	}
	if len(body)-len(rest) < prologRewriteAt {
		return body
	}
	out := make([]byte, 0, len(decl)+1+len(rest))
	out = append(append(append(out, decl...), '\n'), rest...)
	return out
}

// prologEnd returns the length of the comment, processing instruction or DOCTYPE that
// starts b, or 0 when b starts with anything else (or it is not terminated).
func prologEnd(b []byte) int {
	var open, close string
	switch {
	case bytes.HasPrefix(b, []byte("<!--")):
		open, close = "<!--", "-->"
	case bytes.HasPrefix(b, []byte("<?")):
		open, close = "<?", "?>"
	case bytes.HasPrefix(bytes.ToUpper(b[:min(len(b), 9)]), []byte("<!DOCTYPE")):
		open, close = "<!DOCTYPE", ">"
	default:
		return 0
	}
	i := bytes.Index(b[len(open):], []byte(close))
	if i < 0 {
		return 0
	}
	return len(open) + i + len(close)
}

// ttlOf returns an RSS feed's <ttl> as a lower bound on the next poll.
func ttlOf(feed *gofeed.Feed) time.Duration {
	if orig, ok := feed.OriginalFeed().(*gorss.Feed); ok && orig != nil {
		return ttlHint(orig.TTL)
	}
	return 0
}

// toUTF8 decodes body from the charset its Content-Type names, when that is not UTF-8: many
// servers declare ISO-8859-1, windows-1255, KOI8-R or Shift_JIS only there, and the parser
// would read the bytes as UTF-8. The XML declaration's encoding is rewritten to match. A
// byte-order mark, an unknown label or undecodable bytes leave body as it is.
func toUTF8(body []byte, contentType string) []byte {
	_, params, err := mime.ParseMediaType(contentType)
	label := strings.ToLower(strings.TrimSpace(params["charset"]))
	if err != nil || label == "" || label == "utf-8" || label == "utf8" || label == "us-ascii" ||
		bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		return body
	}
	enc, name := charset.Lookup(label)
	if enc == nil || name == "utf-8" {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return xmlEncodingDecl.ReplaceAll(out, []byte(`${1}UTF-8${2}`))
}

// xmlEncodingDecl finds the encoding pseudo-attribute of a leading XML declaration.
var xmlEncodingDecl = regexp.MustCompile(`\A(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])`)
