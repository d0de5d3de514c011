// Package mediaprobe checks a media URL at the door: that it answers, and that what it serves
// is an image or a video. Threads fetches media itself, minutes later, and a 404 or an HTML
// page named ".png" then fails the post long after the sender has gone; asking once, with a
// short timeout, turns that into a refusal the sender reads at once.
package mediaprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// DefaultTimeout bounds one probe: a door answers within seconds, and a media host slower than
// this would likely time out for Meta's fetcher as well.
const DefaultTimeout = 5 * time.Second

// sniffBytes is how much of the body is read when the server names no content type.
const sniffBytes = 512

// Options configure a Prober. Client is required: it must dial through netguard (the guard's
// Transport), so a probe never reaches a private address unless SPINDLE_ALLOW_PRIVATE_URLS.
type Options struct {
	Client  *http.Client
	Timeout time.Duration // zero: DefaultTimeout
}

// Prober checks media URLs.
type Prober struct {
	client  *http.Client
	timeout time.Duration
}

// New returns a Prober; a nil Client is a wiring bug and panics.
func New(o Options) *Prober {
	if o.Client == nil {
		panic("mediaprobe: New needs a Client")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Prober{client: o.Client, timeout: o.Timeout}
}

// Error is a media URL refused at the door; its message is for the sender.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

// Probe checks that rawURL serves a kind ("image" or "video"): a HEAD, and when the server
// refuses HEAD or names no type, a GET of the first bytes, whose type is then sniffed.
func (p *Prober) Probe(ctx context.Context, kind, rawURL string) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	ct, status, err := p.ask(ctx, http.MethodHead, rawURL)
	if err == nil && (status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented ||
		status == http.StatusForbidden || status < 300 && ct == "") {
		ct, status, err = p.ask(ctx, http.MethodGet, rawURL)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &Error{Reason: fmt.Sprintf("the %s at %s did not answer within %s; check the link, or host the file somewhere faster", kind, rawURL, p.timeout)}
		}
		return &Error{Reason: fmt.Sprintf("the %s at %s cannot be fetched (%s); check the link", kind, rawURL, plain(err))}
	}
	if status >= 300 {
		return &Error{Reason: fmt.Sprintf("the %s at %s cannot be fetched: the server answered %d %s; check the link",
			kind, rawURL, status, http.StatusText(status))}
	}
	mt, _, _ := mime.ParseMediaType(ct)
	if !strings.HasPrefix(mt, kind+"/") {
		return &Error{Reason: fmt.Sprintf("the link %s serves %s, not %s; link the %s file itself", rawURL, describe(mt), article(kind), kind)}
	}
	return nil
}

// ask makes one request and returns the content type (sniffed from the first bytes of a GET
// when the server names none) and the status.
func (p *Prober) ask(ctx context.Context, method, rawURL string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return "", 0, err
	}
	if method == http.MethodGet {
		req.Header.Set("Range", fmt.Sprintf("bytes=0-%d", sniffBytes-1))
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	status := resp.StatusCode
	if status == http.StatusPartialContent {
		status = http.StatusOK
	}
	ct := resp.Header.Get("Content-Type")
	if method == http.MethodGet && (ct == "" || ct == "application/octet-stream") && status < 300 {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, sniffBytes))
		ct = http.DetectContentType(head)
	}
	return ct, status, nil
}

func article(kind string) string {
	if kind == "image" {
		return "an image"
	}
	return "a " + kind
}

func describe(mt string) string {
	switch {
	case mt == "":
		return "nothing Spindle can recognise"
	case mt == "text/html":
		return "an HTML page (text/html)"
	}
	return mt
}

// plain strips Go's request wrapping ("Head \"https://…\": dial tcp: …") to the cause.
func plain(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && (strings.HasPrefix(msg, "Head ") || strings.HasPrefix(msg, "Get ")) {
		return strings.TrimSpace(msg[i+2:])
	}
	return msg
}
