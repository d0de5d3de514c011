package rss

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/spindle-threads/spindle/ingest/netguard"
)

// Fetcher defaults. Each is used when the matching FetcherOptions field is zero.
const (
	// DefaultMaxBodyBytes caps a feed document after gzip decoding. Real feeds are well under
	// 1 MiB; the cap stops a misconfigured URL (a video, a log file) or a gzip bomb from
	// filling memory while a thousand feeds are polled at once.
	DefaultMaxBodyBytes = 5 << 20
	// DefaultTimeout bounds one whole fetch, redirects and body included. gofeed's own client
	// has none, which lets one stalled server hold a poll worker forever.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxIdleConnsPerHost keeps connections to a host that serves many feeds (a
	// blogging platform) reusable across one poll round instead of churning sockets.
	DefaultMaxIdleConnsPerHost = 16
	// MaxRedirects is the longest redirect chain followed.
	MaxRedirects = 5
	// maxHint caps a server's Retry-After / max-age / <ttl>: a hint is a lower bound on the
	// next poll, and a server asking for a week should not silence a feed for a week.
	maxHint = 24 * time.Hour
)

// Errors a fetch can end with. Match them with errors.Is.
var (
	// ErrNotModified means the server answered 304: nothing changed since the stored
	// validators, and the poll costs nothing.
	ErrNotModified = errors.New("feed not modified")
	// ErrGone means the server answered 410 Gone: the feed is retired and should be paused.
	ErrGone = errors.New("feed is gone (HTTP 410): the publisher retired it; remove the feed or replace its URL")
	// ErrTooLarge means the document is over the size cap.
	ErrTooLarge = errors.New("feed document is too large")
	// ErrTooManyRedirects means the redirect chain is longer than MaxRedirects.
	ErrTooManyRedirects = errors.New("feed URL redirects too many times")
	// ErrBadScheme means a URL (or a redirect target) is not http or https.
	ErrBadScheme = errors.New("feed URL must start with http:// or https://")
)

// Validators are the HTTP cache validators of the last successful fetch. They are sent back
// verbatim: an ETag keeps its quotes and any W/ prefix.
type Validators struct {
	ETag         string
	LastModified string
}

// FetcherOptions configures a Fetcher. Zero values mean the documented defaults.
type FetcherOptions struct {
	Version             string        // Spindle's version, for the User-Agent; default "dev"
	Timeout             time.Duration // whole fetch; default DefaultTimeout
	MaxBodyBytes        int64         // decoded body cap; default DefaultMaxBodyBytes
	MaxIdleConnsPerHost int           // default DefaultMaxIdleConnsPerHost
	// AllowPrivate lets feeds live on private and loopback addresses
	// (SPINDLE_ALLOW_PRIVATE_URLS). Off, such addresses are refused when dialling, with an
	// error matching netguard.ErrPrivateAddress.
	AllowPrivate bool
	// Guard replaces the guard AllowPrivate would build; tests inject one with a fake
	// resolver or an exempt address.
	Guard *netguard.Guard
	Now   func() time.Time // clock for Retry-After dates; default time.Now
}

// Fetcher downloads feed documents like a good citizen: conditional GET, gzip, a clear
// User-Agent, timeouts, a size cap and few redirects. It is safe for concurrent use.
type Fetcher struct {
	client    *http.Client
	userAgent string
	maxBytes  int64
	now       func() time.Time
}

// FetchResult is what a fetch learned. It is returned with a nil error (a 200) and also with
// ErrNotModified and *StatusError, so hints and redirects are not lost on those paths.
type FetchResult struct {
	Body        []byte     // the decoded document; nil unless 200
	Validators  Validators // the response's validators (after a 200); else the ones sent
	ContentType string
	// FinalURL is the URL the document came from after redirects.
	FinalURL string
	// PermanentRedirect is the new URL when every hop of the redirect chain was permanent
	// (301 or 308): the stored feed URL should be updated to it. Empty otherwise (a 302 or
	// 307 anywhere in the chain means the original URL stays).
	PermanentRedirect string
	// MinInterval is the server's lower bound on the next poll, from Retry-After (429/503)
	// or Cache-Control max-age, capped at 24 h. Zero when the server gave none.
	MinInterval time.Duration
}

// StatusError is an HTTP answer other than 200 and 304.
type StatusError struct {
	Code       int
	Status     string
	RetryAfter time.Duration // from Retry-After, when given
}

func (e *StatusError) Error() string {
	switch {
	case e.Code == http.StatusGone:
		return ErrGone.Error()
	case e.Code == http.StatusTooManyRequests || e.Code == http.StatusServiceUnavailable:
		return fmt.Sprintf("feed server answered %s: it asks to poll less often; will retry later", e.Status)
	case e.Code == http.StatusNotFound:
		return fmt.Sprintf("feed server answered %s: check the feed URL", e.Status)
	case e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden:
		return fmt.Sprintf("feed server answered %s: the feed is not public or blocks Spindle", e.Status)
	default:
		return fmt.Sprintf("feed server answered %s", e.Status)
	}
}

// Is makes a 410 match ErrGone.
func (e *StatusError) Is(target error) bool {
	return target == ErrGone && e.Code == http.StatusGone
}

// NewFetcher builds a Fetcher with its own http.Client and transport.
func NewFetcher(opts FetcherOptions) *Fetcher {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	guard := opts.Guard
	if guard == nil {
		guard = netguard.New(netguard.Options{AllowPrivate: opts.AllowPrivate})
	}
	// The guard checks the resolved address of every connection, so a public name that
	// resolves (or re-resolves, DNS rebinding) to a private address, and any redirect
	// target, is refused too. Its transport takes no proxy from the environment: through a
	// proxy the guard would see the proxy's address, not the feed's.
	transport := guard.Transport()
	transport.MaxIdleConnsPerHost = opts.MaxIdleConnsPerHost
	// DisableCompression stays false: net/http sends "Accept-Encoding: gzip" and decodes
	// the body itself, so the size cap applies to the decoded document.
	return &Fetcher{
		client: &http.Client{
			Transport:     transport,
			Timeout:       opts.Timeout,
			CheckRedirect: checkRedirect,
		},
		userAgent: "Spindle/" + opts.Version + " (+https://github.com/spindle-threads/spindle)",
		maxBytes:  opts.MaxBodyBytes,
		now:       opts.Now,
	}
}

// UserAgent is the User-Agent header the fetcher sends.
func (f *Fetcher) UserAgent() string { return f.userAgent }

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, MaxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %q: %w", req.URL.Redacted(), ErrBadScheme)
	}
	return nil
}

// Fetch GETs rawURL, sending v as If-None-Match / If-Modified-Since. A 304 returns
// ErrNotModified, a non-200 a *StatusError (410 also matches ErrGone); both come with a
// FetchResult carrying the server's hints.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, v Validators) (*FetchResult, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", u.Redacted(), err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, "+
		"application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()

	res := &FetchResult{
		Validators:        v,
		ContentType:       resp.Header.Get("Content-Type"),
		FinalURL:          resp.Request.URL.String(),
		PermanentRedirect: permanentRedirect(resp),
		MinInterval:       maxAge(resp.Header),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return res, ErrNotModified
	case resp.StatusCode != http.StatusOK:
		se := &StatusError{Code: resp.StatusCode, Status: resp.Status}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), f.now())
			res.MinInterval = max(res.MinInterval, se.RetryAfter)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
		return res, fmt.Errorf("fetch %s: %w", u.Redacted(), se)
	}
	body, err := f.readBody(resp)
	if err != nil {
		return res, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	res.Body = body
	res.Validators = Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	return res, nil
}

func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	tooLarge := fmt.Errorf("%w: over %d bytes (%s); check that the URL is a feed", ErrTooLarge, f.maxBytes, mib(f.maxBytes))
	if resp.ContentLength > f.maxBytes {
		return nil, tooLarge
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead) // one allocation for the common case
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, f.maxBytes+1)); err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(buf.Len()) > f.maxBytes {
		return nil, tooLarge
	}
	return buf.Bytes(), nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// permanentRedirect returns the final URL when the response came through a chain of only
// permanent redirects. Each redirected request keeps the response that caused it.
func permanentRedirect(resp *http.Response) string {
	hops := 0
	for r := resp.Request; r != nil && r.Response != nil; r = r.Response.Request {
		hops++
		if c := r.Response.StatusCode; c != http.StatusMovedPermanently && c != http.StatusPermanentRedirect {
			return ""
		}
	}
	if hops == 0 {
		return ""
	}
	return resp.Request.URL.String()
}

// CheckURL parses a feed URL and refuses anything but absolute http and https URLs. It does
// not resolve the host: the private-address guard runs when connecting.
func CheckURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("feed URL %q is not a valid URL: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("feed URL %q: %w", u.Redacted(), ErrBadScheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("feed URL %q has no host", u.Redacted())
	}
	return u, nil
}
